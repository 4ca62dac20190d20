"""Keras metric functions ``fn(y_true, y_pred) -> per-sample value``, averaged over each epoch by ``fit``.

``compile(metrics=["accuracy"])`` (or "acc") picks the accuracy that matches the loss and
output: sparse-categorical for integer targets, binary for one output unit or a binary
loss, categorical otherwise. The logged key stays the name the user gave ("acc" or "accuracy").

Example:
    >>> model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc", "mae"])
    >>> history.history["acc"]
"""
from kflow import nn
from kflow.engine import dtypes
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import reshape
from kflow.engine.ops.comparison_ops import equal
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.reduction_ops import argmax, reduce_mean
from kflow.keras import losses
from kflow.keras.losses import (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                                mean_squared_logarithmic_error, categorical_crossentropy,
                                sparse_categorical_crossentropy, binary_crossentropy, hinge, squared_hinge,
                                kullback_leibler_divergence, poisson, logcosh)

_FLOAT = dtypes.float32


def binary_accuracy(y_true, y_pred, threshold=0.5):
    y_pred = convert_to_tensor(y_pred)
    y_true = M.cast(convert_to_tensor(y_true), y_pred.dtype)
    hits = equal(y_true, M.cast(y_pred > threshold, y_pred.dtype))
    return reduce_mean(M.cast(hits, _FLOAT), axis=-1)


def categorical_accuracy(y_true, y_pred):
    return M.cast(equal(argmax(y_true, axis=-1), argmax(y_pred, axis=-1)), _FLOAT)


def sparse_categorical_accuracy(y_true, y_pred):
    labels = M.cast(reshape(convert_to_tensor(y_true), [-1]), dtypes.int64)
    return M.cast(equal(labels, argmax(y_pred, axis=-1)), _FLOAT)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    return M.cast(nn.in_top_k(y_pred, M.cast(argmax(y_true, axis=-1), dtypes.int32), k), _FLOAT)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5):
    labels = M.cast(reshape(convert_to_tensor(y_true), [-1]), dtypes.int32)
    return M.cast(nn.in_top_k(y_pred, labels, k), _FLOAT)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

_BY_NAME = {fn.__name__: fn for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_crossentropy, hinge, squared_hinge, kullback_leibler_divergence, poisson, logcosh)}
_BY_NAME.update(mse=mse, mae=mae, mape=mape, msle=msle)

_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def get(identifier, custom_objects=None):
    """A metric function from a name ("mae", "categorical_accuracy", ...) or a callable."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            return custom_objects[identifier]
        fn = _BY_NAME.get(identifier)
        if fn is not None:
            return fn
    raise ValueError("Unknown metric function: %r. Known names: accuracy, acc, %s; or pass a callable(y_true, "
                     "y_pred)." % (identifier, ", ".join(sorted(_BY_NAME))))


def resolve(identifier, loss_fn, output_shape, custom_objects=None):
    """``(log name, metric fn)`` for one entry of ``compile(metrics=...)``.

    "accuracy"/"acc" resolve by the loss and output shape, as in Keras; "crossentropy"/"ce"
    likewise pick the cross-entropy of the loss.
    """
    if identifier in _ACCURACY_NAMES or identifier in _CROSSENTROPY_NAMES:
        last = output_shape[-1] if output_shape is not None and len(output_shape) else None
        if loss_fn is losses.binary_crossentropy or last == 1:
            fns = (binary_accuracy, binary_crossentropy)
        elif loss_fn is losses.sparse_categorical_crossentropy:
            fns = (sparse_categorical_accuracy, sparse_categorical_crossentropy)
        else:
            fns = (categorical_accuracy, categorical_crossentropy)
        return identifier, fns[0] if identifier in _ACCURACY_NAMES else fns[1]
    fn = get(identifier, custom_objects)
    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", type(fn).__name__)
    return name, fn


def serialize(fn):
    return getattr(fn, "__name__", str(fn))


deserialize = get
