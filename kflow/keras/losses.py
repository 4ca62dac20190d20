"""Keras loss functions ``fn(y_true, y_pred) -> per-sample loss`` (mean over the last axis).

Cross-entropies on a softmax/sigmoid output use the op's logits (as Keras does on
TensorFlow), which is faster and numerically stable; otherwise predictions are clipped
to ``[epsilon, 1 - epsilon]``.

Example:
    >>> model.compile("adam", loss="sparse_categorical_crossentropy")
    >>> model.compile("adam", loss=kf.keras.losses.huber_loss)
    >>> kf.keras.losses.get("mse") is mean_squared_error
    True
"""
from kflow import nn
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.reduction_ops import reduce_mean, reduce_sum
from kflow.keras import backend as K
from kflow.keras.crossentropy import (  # noqa: F401 - losses by their Keras names
    binary_crossentropy_elements, categorical_crossentropy, clip, prepare, sparse_categorical_crossentropy)


def mean_squared_error(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    return reduce_mean(M.squared_difference(y_pred, y_true), axis=-1)


def mean_absolute_error(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    return reduce_mean(M.abs(y_pred - y_true), axis=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    diff = M.abs((y_true - y_pred) / M.maximum(M.abs(y_true), K.epsilon()))
    return 100.0 * reduce_mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    first = M.log(M.maximum(y_pred, K.epsilon()) + 1.0)
    second = M.log(M.maximum(y_true, K.epsilon()) + 1.0)
    return reduce_mean(M.squared_difference(first, second), axis=-1)


def huber_loss(y_true, y_pred, delta=1.0):
    """0.5 * e^2 where |e| <= delta, delta * (|e| - 0.5 * delta) beyond; mean over the last axis."""
    y_true, y_pred = prepare(y_true, y_pred)
    err = M.abs(y_pred - y_true)
    quadratic = M.minimum(err, delta)
    return reduce_mean(0.5 * M.square(quadratic) + delta * (err - quadratic), axis=-1)


def logcosh(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    x = y_pred - y_true
    # log(cosh(x)) = x + softplus(-2x) - log(2), stable for large |x|
    return reduce_mean(x + nn.softplus(-2.0 * x) - 0.6931471805599453, axis=-1)


def hinge(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    return reduce_mean(M.maximum(1.0 - y_true * y_pred, 0.0), axis=-1)


def squared_hinge(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    return reduce_mean(M.square(M.maximum(1.0 - y_true * y_pred, 0.0)), axis=-1)


def binary_crossentropy(y_true, y_pred, from_logits=False):
    return reduce_mean(binary_crossentropy_elements(y_true, y_pred, from_logits), axis=-1)


def kullback_leibler_divergence(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    y_true = clip(y_true, K.epsilon(), 1.0)
    y_pred = clip(y_pred, K.epsilon(), 1.0)
    return reduce_sum(y_true * M.log(y_true / y_pred), axis=-1)


def poisson(y_true, y_pred):
    y_true, y_pred = prepare(y_true, y_pred)
    return reduce_mean(y_pred - y_true * M.log(y_pred + K.epsilon()), axis=-1)


# Aliases as in Keras.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence
huber = huber_loss

_BY_NAME = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    huber_loss, logcosh, hinge, squared_hinge, categorical_crossentropy, sparse_categorical_crossentropy,
    binary_crossentropy, kullback_leibler_divergence, poisson)}
_BY_NAME.update(mse=mse, mae=mae, mape=mape, msle=msle, kld=kld, huber=huber_loss)


def get(identifier, custom_objects=None):
    """A loss function from a name ("mse", "categorical_crossentropy", ...) or a callable."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            return custom_objects[identifier]
        fn = _BY_NAME.get(identifier) or _BY_NAME.get(identifier.lower())
        if fn is not None:
            return fn
    raise ValueError("Unknown loss function: %r. Known names: %s; or pass a callable(y_true, y_pred) (for a "
                     "loaded model, via custom_objects)." % (identifier, ", ".join(sorted(_BY_NAME))))


def serialize(fn):
    """The name under which ``fn`` is saved in a model file."""
    return getattr(fn, "__name__", str(fn))


deserialize = get
