"""Keras loss functions ``fn(y_true, y_pred) -> per-sample loss`` (mean over the last axis).

``kf.keras.losses`` shows these beside the loss classes (``loss_classes``) and resolves names.

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
from kflow.engine.ops.reduction_ops import reduce_max, reduce_mean, reduce_sum
from kflow.keras import backend as K
from kflow.keras.crossentropy import (  # noqa: F401 - losses by their Keras names
    binary_crossentropy_elements, categorical_crossentropy, clip, prepare, sparse_categorical_crossentropy)
from kflow.nn import l2_normalize


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


def categorical_hinge(y_true, y_pred):
    """``max(0, 1 + max_{wrong} y_pred - y_pred[true])`` for one-hot targets."""
    y_true, y_pred = prepare(y_true, y_pred)
    pos = reduce_sum(y_true * y_pred, axis=-1)
    neg = reduce_max((1.0 - y_true) * y_pred, axis=-1)
    return M.maximum(neg - pos + 1.0, 0.0)


def cosine_similarity(y_true, y_pred, axis=-1):
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred))``: -1 for the same direction (a loss to minimize)."""
    y_true, y_pred = prepare(y_true, y_pred)
    return -reduce_sum(l2_normalize(y_true, axis=axis) * l2_normalize(y_pred, axis=axis), axis=axis)


def binary_focal_crossentropy(y_true, y_pred, gamma=2.0, from_logits=False, alpha=0.25, apply_class_balancing=False):
    """Binary cross-entropy scaled by ``(1 - p_t) ** gamma`` (Lin et al. 2017), mean over the last axis."""
    y_true, y_pred = prepare(y_true, y_pred)
    p = nn.sigmoid(y_pred) if from_logits else y_pred
    ce = binary_crossentropy_elements(y_true, y_pred, from_logits)
    p_t = y_true * p + (1.0 - y_true) * (1.0 - p)
    focal = M.pow(1.0 - p_t, float(gamma)) * ce
    if apply_class_balancing:
        focal = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal
    return reduce_mean(focal, axis=-1)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False):
    """``-sum(alpha * (1 - p)**gamma * y_true * log p)`` over the classes."""
    y_true, y_pred = prepare(y_true, y_pred)
    p = nn.softmax(y_pred) if from_logits else y_pred / reduce_sum(y_pred, axis=-1, keepdims=True)
    p = clip(p, K.epsilon(), 1.0 - K.epsilon())
    return reduce_sum(-alpha * M.pow(1.0 - p, float(gamma)) * y_true * M.log(p), axis=-1)


def dice(y_true, y_pred, axis=None):
    """``1 - 2 sum(y p) / (sum(y) + sum(p))`` over ``axis`` (all axes by default, as Keras 3)."""
    y_true, y_pred = prepare(y_true, y_pred)
    overlap = reduce_sum(y_true * y_pred, axis=axis)
    return 1.0 - 2.0 * overlap / (reduce_sum(y_true, axis=axis) + reduce_sum(y_pred, axis=axis) + K.epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """``1 - tp / (tp + alpha fp + beta fn)`` over ``axis`` (Salehi et al. 2017; Keras 3's fp/fn weighting)."""
    y_true, y_pred = prepare(y_true, y_pred)
    tp = reduce_sum(y_true * y_pred, axis=axis)
    fp = reduce_sum((1.0 - y_pred) * y_true, axis=axis)
    fn = reduce_sum(y_pred * (1.0 - y_true), axis=axis)
    return 1.0 - tp / (tp + alpha * fp + beta * fn + K.epsilon())


# Aliases as in Keras.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kl_divergence = kullback_leibler_divergence
huber = huber_loss
log_cosh = logcosh

FUNCTIONS = {fn.__name__: fn for fn in (
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    huber_loss, logcosh, hinge, squared_hinge, categorical_hinge, categorical_crossentropy,
    sparse_categorical_crossentropy, binary_crossentropy, kullback_leibler_divergence, poisson, cosine_similarity,
    binary_focal_crossentropy, categorical_focal_crossentropy, dice, tversky)}
FUNCTIONS.update(mse=mse, mae=mae, mape=mape, msle=msle, kld=kld, kl_divergence=kld, huber=huber_loss,
                 log_cosh=logcosh)
