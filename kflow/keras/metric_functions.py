"""Keras metric functions ``fn(y_true, y_pred) -> per-sample value``, averaged over each epoch by ``fit``.

``kf.keras.metrics`` shows them beside the metric classes and resolves names ("accuracy" by shapes).

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
from kflow.keras.loss_functions import (mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
                                        mean_squared_logarithmic_error, categorical_crossentropy,
                                        sparse_categorical_crossentropy, binary_crossentropy, hinge, squared_hinge,
                                        categorical_hinge, kullback_leibler_divergence, poisson, logcosh)

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


def pearson_correlation(y_true, y_pred, axis=-1):
    """The Pearson correlation of ``y_true`` and ``y_pred`` along ``axis`` (one value per sample)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = M.cast(convert_to_tensor(y_true), y_pred.dtype)
    t = y_true - reduce_mean(y_true, axis=axis, keepdims=True)
    p = y_pred - reduce_mean(y_pred, axis=axis, keepdims=True)
    t = t / M.sqrt(reduce_mean(t * t, axis=axis, keepdims=True))
    p = p / M.sqrt(reduce_mean(p * p, axis=axis, keepdims=True))
    return reduce_mean(t * p, axis=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation along ``axis``, exactly as Keras 3.15 computes it (its covariance term
    centres ``y_true`` on the mean of ``y_pred``; kept so values match Keras's)."""
    y_pred = convert_to_tensor(y_pred)
    y_true = M.cast(convert_to_tensor(y_true), y_pred.dtype)
    t_mean = reduce_mean(y_true, axis=axis, keepdims=True)
    p_mean = reduce_mean(y_pred, axis=axis, keepdims=True)
    t_var = reduce_mean(M.square(y_true - t_mean), axis=axis, keepdims=True)
    p_var = reduce_mean(M.square(y_pred - p_mean), axis=axis, keepdims=True)
    covar = (y_true - p_mean) * (y_pred - p_mean)
    return reduce_mean(2.0 * covar / (t_var + p_var + M.square(t_mean - p_mean) + 1e-7), axis=axis)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error

FUNCTIONS = {fn.__name__: fn for fn in (
    binary_accuracy, categorical_accuracy, sparse_categorical_accuracy, top_k_categorical_accuracy,
    sparse_top_k_categorical_accuracy, mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_crossentropy, hinge, squared_hinge, categorical_hinge, kullback_leibler_divergence, poisson, logcosh,
    pearson_correlation, concordance_correlation)}
FUNCTIONS.update(mse=mse, mae=mae, mape=mape, msle=msle, kld=kullback_leibler_divergence,
                 kl_divergence=kullback_leibler_divergence, log_cosh=logcosh)
