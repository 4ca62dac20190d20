"""Transfer learning: a frozen pretrained base with a new head, then fine-tuning the whole model.

A base network is first trained on the digits 0-4 (standing in for a model pretrained on a large set).
Then, on a few images of the digits 5-9, a new head is trained on top of the frozen base (the base is a
layer of the new model: ``base.trainable = False`` before compile), and finally everything is fine-tuned
at a tenth of the head's learning rate after setting ``base.trainable = True`` and compiling again - Keras's
rule: ``trainable`` counts at compile. The model, base nested inside, is saved and reloaded at the end.

    python recipes/transfer.py --dataset mnist --epochs 3
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import kflow as kf  # noqa: E402
from common import load_dataset, parser_with_common_flags, run  # noqa: E402

layers = kf.keras.layers


def build_base():
    return kf.keras.Sequential([
        layers.Reshape((28, 28, 1), input_shape=(28, 28)),
        layers.Conv2D(16, 3, activation="relu", padding="same"), layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, activation="relu", padding="same"), layers.MaxPooling2D(2),
        layers.Flatten(), layers.Dense(64, activation="relu")], name="base")


def classifier(base, name):
    model = kf.keras.Sequential([base, layers.Dropout(0.2), layers.Dense(5, activation="softmax", name=name)])
    return model


def split(x, y, low):
    keep = (y >= 5) != low
    return x[keep], y[keep] - (0 if low else 5)


def main(argv=None):
    parser = parser_with_common_flags(__doc__, epochs=3, batch_size=64)
    parser.add_argument("--new-examples", type=int, default=500, help="labelled images of the new task")
    parser.add_argument("--out", default="runs/transfer", help="the fine-tuned model file goes here")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    np.random.seed(args.seed)
    kf.set_random_seed(args.seed)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
    x_old, y_old = split(x_train, y_train, low=True)
    x_new, y_new = split(x_train, y_train, low=False)
    x_new, y_new = x_new[:args.new_examples], y_new[:args.new_examples]
    x_new_test, y_new_test = split(x_test, y_test, low=False)
    print("Pretraining on %d images of classes 0-4; transferring to %d images of classes 5-9"
          % (len(x_old), len(x_new)))

    base = build_base()
    pretrain = classifier(base, "old_head")
    pretrain.compile(kf.keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    pretrain.fit(x_old, y_old, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose)

    base.trainable = False
    model = classifier(base, "new_head")
    model.compile(kf.keras.optimizers.Adam(1e-2), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    frozen = base.get_weights()
    model.fit(x_new, y_new, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose)
    head_acc = model.evaluate(x_new_test, y_new_test, batch_size=512)[1]
    assert all(np.array_equal(a, b) for a, b in zip(frozen, base.get_weights())), "the frozen base changed"
    print("New head on the frozen base: test accuracy %.4f" % head_acc)

    base.trainable = True
    model.compile(kf.keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_new, y_new, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose)
    tuned_acc = model.evaluate(x_new_test, y_new_test, batch_size=512)[1]
    print("Fine-tuned: test accuracy %.4f" % tuned_acc)

    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "transfer.h5")
    model.save(path)
    reloaded = kf.keras.models.load_model(path)
    same = np.allclose(reloaded.predict(x_new_test[:64]), model.predict(x_new_test[:64]), atol=1e-6)
    print("Saved %s; reloaded model gives the same predictions: %s" % (path, same))
    return head_acc, tuned_acc, same


if __name__ == "__main__":
    run(main)
