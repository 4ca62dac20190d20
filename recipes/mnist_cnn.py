"""Trains a small convolutional network on MNIST (or Fashion-MNIST) with ``model.fit``.

Two Conv2D + MaxPooling2D blocks, dropout and a softmax classifier (Keras's "simple MNIST
convnet"), logged to TensorBoard; prints the test accuracy.

    python recipes/mnist_cnn.py --dataset fashion_mnist --epochs 3
    mpiexec -n 2 python recipes/mnist_cnn.py --distributed     # data-parallel on 2 processes (kflow[mpi])
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kflow as kf  # noqa: E402
from common import Distribution, load_dataset, parser_with_common_flags, run  # noqa: E402

layers = kf.keras.layers


def build_model(dist=None):
    """The compiled model; ``dist`` (a ``Distribution``) wraps its optimizer for --distributed runs."""
    dist = dist or Distribution(False)
    model = kf.keras.Sequential([
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", input_shape=(28, 28, 1)),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    optimizer = dist.optimizer(kf.keras.optimizers.Adam(lr=1e-3 * dist.size))
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main(argv=None):
    parser = parser_with_common_flags(__doc__, epochs=3)
    parser.add_argument("--out", default="runs/mnist_cnn", help="TensorBoard logs go here")
    args = parser.parse_args(argv)
    dist = Distribution(args.distributed)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
    x_train, x_test = x_train[..., None], x_test[..., None]  # NHWC with one channel
    dist.print("%s: %d training and %d test images" % (args.dataset, len(x_train), len(x_test)))

    model = build_model(dist)
    if dist.is_chief:
        model.summary()
    tensorboard = kf.keras.callbacks.TensorBoard(log_dir=os.path.join(args.out, "logs"))
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1,
              callbacks=dist.callbacks() + [tensorboard], verbose=args.verbose)
    loss, accuracy = model.evaluate(x_test, y_test, batch_size=512)
    dist.print("Test loss: %.4f - test accuracy: %.4f" % (loss, accuracy))
    return accuracy


if __name__ == "__main__":
    run(main)
