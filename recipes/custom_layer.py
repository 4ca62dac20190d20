"""A custom Keras layer inside a Sequential model, saved and reloaded with ``custom_objects``.

``ResidualDense`` computes ``x + activation(x W + b)``: ``build`` creates its weights with
``add_weight``, ``call`` computes, ``get_config`` makes it saveable. The model trains on
MNIST (or Fashion-MNIST), is saved to one HDF5 file, reloaded, and the reloaded model's
test accuracy is printed (it equals the original's).

    python recipes/custom_layer.py --dataset fashion_mnist --epochs 2
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import kflow as kf  # noqa: E402
from common import load_dataset, parser_with_common_flags, run  # noqa: E402

layers = kf.keras.layers


class ResidualDense(layers.Layer):
    """``y = x + activation(x @ kernel + bias)``: a dense layer with a skip connection (same width in and out)."""

    def __init__(self, activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.activation = kf.keras.activations.get(activation)

    def build(self, input_shape):
        width = int(input_shape[-1])
        self.kernel = self.add_weight("kernel", [width, width], initializer="glorot_uniform")
        self.bias = self.add_weight("bias", [width], initializer="zeros")
        super().build(input_shape)

    def call(self, inputs):
        return inputs + self.activation(kf.matmul(inputs, self.kernel) + self.bias)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["activation"] = kf.keras.activations.serialize(self.activation)
        return config


def main(argv=None):
    parser = parser_with_common_flags(__doc__, epochs=2)
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
    x_train, x_test = x_train.reshape(-1, 784), x_test.reshape(-1, 784)

    model = kf.keras.Sequential([
        layers.Dense(128, activation="relu", input_shape=(784,)),
        ResidualDense(),
        ResidualDense(),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.summary()
    model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, verbose=args.verbose)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=512)
    print("Test accuracy: %.4f" % accuracy)

    with tempfile.TemporaryDirectory() as tmp:  # the saved model is only needed for the reload
        path = os.path.join(tmp, "residual.h5")
        model.save(path)
        restored = kf.keras.models.load_model(path, custom_objects={"ResidualDense": ResidualDense})
        size = os.path.getsize(path)
    _, restored_accuracy = restored.evaluate(x_test, y_test, batch_size=512)
    same = np.allclose(model.predict(x_test[:256]), restored.predict(x_test[:256]), atol=1e-6)
    print("Saved to and reloaded from one HDF5 file (%d bytes, deleted): test accuracy %.4f, same predictions: %s"
          % (size, restored_accuracy, same))
    return accuracy, restored_accuracy


if __name__ == "__main__":
    run(main)
