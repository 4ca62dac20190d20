"""Trains a multilayer perceptron on MNIST (or Fashion-MNIST) with ``model.fit``.

The main job of kflow: a Keras Sequential MLP (784-512-512-10 with dropout), Adam, logged
to TensorBoard and checkpointed (best validation loss) every epoch, then evaluated on the
test set.

    python recipes/mnist_mlp.py --dataset mnist --epochs 10
    tensorboard --logdir runs/mnist_mlp/logs
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kflow as kf  # noqa: E402
from common import load_dataset, parser_with_common_flags  # noqa: E402

layers = kf.keras.layers


def build_model():
    model = kf.keras.Sequential([
        layers.Dense(512, activation="relu", input_shape=(784,)),
        layers.Dropout(0.2),
        layers.Dense(512, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=kf.keras.optimizers.Adam(lr=1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def main(argv=None):
    # 10 epochs: on the 9,000 images shipped in kflow (the offline fallback) the MLP passes 95% only after ~8.
    parser = parser_with_common_flags(__doc__, epochs=10)
    parser.add_argument("--out", default="runs/mnist_mlp", help="TensorBoard logs and checkpoints go here")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
    x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)
    print("%s: %d training and %d test images" % (args.dataset, len(x_train), len(x_test)))

    model = build_model()
    model.summary()
    os.makedirs(os.path.join(args.out, "checkpoints"), exist_ok=True)
    callbacks = [
        kf.keras.callbacks.TensorBoard(log_dir=os.path.join(args.out, "logs")),
        kf.keras.callbacks.ModelCheckpoint(os.path.join(args.out, "checkpoints", "mlp.{epoch:02d}-{val_loss:.3f}.h5"),
                                           monitor="val_loss", save_best_only=True),
    ]
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1,
              callbacks=callbacks, verbose=args.verbose)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512)
    print("Test loss: %.4f - test accuracy: %.4f" % (loss, accuracy))
    return accuracy


if __name__ == "__main__":
    main()
