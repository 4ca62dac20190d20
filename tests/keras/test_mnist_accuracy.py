"""End-to-end accuracy on the real datasets (skipped when they are not available)."""
import numpy as np

import kflow as kf
from kflow.datasets import fashion_mnist, mnist

layers = kf.keras.layers


def _mlp(hidden):
    model = kf.keras.Sequential([layers.Dense(hidden, activation="relu", input_shape=(784,)),
                                 layers.Dense(10, activation="softmax")])
    model.compile(kf.keras.optimizers.Adam(lr=1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _flat(x):
    return x.reshape(len(x), 784).astype(np.float32) / 255.0


def test_fashion_mnist_mlp_two_epochs(real_data_dir):
    (x, y), (xt, yt) = fashion_mnist.load_data()
    model = _mlp(256)
    np.random.seed(0)
    model.fit(_flat(x), y, batch_size=64, epochs=2, verbose=0)
    _, acc = model.evaluate(_flat(xt), yt, batch_size=1000)
    assert acc >= 0.85, acc


def test_mnist_test_split_mlp(real_data_dir):
    x, y = mnist.load_test_data()
    model = _mlp(256)
    np.random.seed(0)
    model.fit(_flat(x[:8000]), y[:8000], batch_size=32, epochs=5, verbose=0)
    _, acc = model.evaluate(_flat(x[8000:]), y[8000:], batch_size=1000)
    assert acc >= 0.93, acc
