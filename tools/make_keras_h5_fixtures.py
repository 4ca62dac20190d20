"""Makes the small Keras-written .h5 fixtures of tests/keras/fixtures (run once; the files are committed).

Run with a Python that has real Keras (never a kflow dependency), e.g. the venv with tensorflow_cpu 2.21 and
keras 3.15:

    KERAS_BACKEND=tensorflow /work/venv-tf-fr18/bin/python tools/make_keras_h5_fixtures.py tests/keras/fixtures

Each model is saved with ``model.save("NAME.h5")`` (Keras 3's legacy HDF5 writer, the tf.keras 2.x layout), and
``NAME.npz`` holds an input batch ``x`` and Keras's predictions ``y`` for it, which kflow must reproduce.
"""
import os
import sys

import numpy as np

import keras
from keras import layers


def mlp():
    model = keras.Sequential([keras.Input(shape=(6,)), layers.Dense(8, activation="relu"),
                              layers.Dropout(0.2), layers.Dense(3, activation="softmax")], name="mlp")
    model.compile(keras.optimizers.Adam(learning_rate=0.01), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model, np.random.RandomState(1).randn(5, 6).astype(np.float32)


def branches():
    inp = keras.Input(shape=(6,), name="features")
    left = layers.Dense(4, activation="tanh", name="left")(inp)
    right = layers.Dense(4, activation="relu", name="right")(inp)
    merged = layers.Concatenate(name="merge")([left, right])
    out = layers.Dense(1, activation="sigmoid", name="score")(layers.BatchNormalization(name="bn")(merged))
    model = keras.Model(inp, out, name="branches")
    model.compile(keras.optimizers.SGD(learning_rate=0.1, momentum=0.9), "binary_crossentropy")
    return model, np.random.RandomState(2).randn(5, 6).astype(np.float32)


def cnn():
    model = keras.Sequential([keras.Input(shape=(8, 8, 1)), layers.Conv2D(4, 3, activation="relu", padding="same"),
                              layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(2)], name="cnn")
    model.compile("rmsprop", "mse")
    return model, np.random.RandomState(3).rand(5, 8, 8, 1).astype(np.float32)


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    keras.utils.set_random_seed(0)
    for name, make in (("keras_mlp", mlp), ("keras_branches", branches), ("keras_cnn", cnn)):
        model, x = make()
        y_fit = np.random.RandomState(4).randint(0, 2, size=(32, 1)) if name != "keras_cnn" else \
            np.random.RandomState(4).rand(32, 2)
        x_fit = np.concatenate([x] * 7)[:32]
        model.fit(x_fit, y_fit, epochs=1, verbose=0)  # trained: the optimizer has state, BN moving statistics moved
        model.save(os.path.join(out_dir, name + ".h5"))
        np.savez(os.path.join(out_dir, name + ".npz"), x=x, y=model.predict(x, verbose=0))
        print(name, keras.__version__)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/keras/fixtures")
