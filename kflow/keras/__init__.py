"""kf.keras: Keras over kflow graphs - Sequential, functional and subclassed models, fit and callbacks.

Example:
    >>> model = kf.keras.Sequential([kf.keras.layers.Dense(64, activation="relu", input_shape=(784,)),
    ...                              kf.keras.layers.Dense(10, activation="softmax")])
    >>> model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    >>> model.fit(x_train, y_train, epochs=2, validation_split=0.1)
"""
from kflow.keras import (activations, backend, callbacks, datasets, initializers, layers, losses, metrics, models,
                         optimizers, preprocessing, regularizers, utils)
from kflow.keras.model import Input, InputLayer, Model, Sequential

__all__ = ["Sequential", "Model", "Input", "InputLayer", "layers", "optimizers", "losses", "metrics", "callbacks",
           "models", "datasets", "backend", "activations", "initializers", "regularizers", "utils", "preprocessing"]

# Keras 2 module paths (keras.layers.core, keras.engine.topology, ...) and keras.wrappers (issue 15)
import sys  # noqa: E402

from kflow.keras import legacy_paths as _legacy_paths  # noqa: E402

_legacy_paths.install(sys.modules[__name__])
from kflow.keras import wrappers  # noqa: E402,F401
from kflow.keras.wrappers import scikit_learn  # noqa: E402,F401
