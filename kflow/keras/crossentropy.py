"""The cross-entropies that Keras's losses and its backend functions (``K.categorical_crossentropy`` ...) share.

Probabilities are clipped to ``[epsilon, 1 - epsilon]`` unless they come straight from a Softmax / Sigmoid op,
whose logits are used instead (exact and stable, as tf.keras does).

Example:
    >>> per_example = categorical_crossentropy(y_true, model.output)
"""
from kflow import nn
from kflow.engine import dtypes
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import reshape
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.keras.backend_config import epsilon


def clip(x, lo, hi):
    return M.minimum(M.maximum(x, lo), hi)


def prepare(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    y_true = M.cast(convert_to_tensor(y_true), y_pred.dtype)
    return y_true, y_pred


def categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Cross-entropy against one-hot (or soft) targets."""
    y_true, y_pred = prepare(y_true, y_pred)
    logits = y_pred if from_logits else logits_of(y_pred, "Softmax")
    if logits is not None:
        return nn.softmax_cross_entropy_with_logits_v2(labels=y_true, logits=logits)
    y_pred = y_pred / reduce_sum(y_pred, axis=-1, keepdims=True)
    y_pred = clip(y_pred, epsilon(), 1.0 - epsilon())
    return -reduce_sum(y_true * M.log(y_pred), axis=-1)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False):
    """Cross-entropy against integer class ids (shape ``[batch]`` or ``[batch, 1]``)."""
    y_pred = convert_to_tensor(y_pred)
    logits = y_pred if from_logits else logits_of(y_pred, "Softmax")
    if logits is None:  # log-probabilities are valid logits: softmax(log p) = p
        logits = M.log(clip(y_pred, epsilon(), 1.0 - epsilon()))
    labels = M.cast(reshape(convert_to_tensor(y_true), [-1]), dtypes.int64)
    return nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits)


def binary_crossentropy_elements(y_true, y_pred, from_logits=False):
    """Per-element binary cross-entropy (``K.binary_crossentropy``; the loss averages it over the last axis).
    Probabilities are clipped to ``[eps, 1 - eps]`` unless they come straight from a sigmoid, whose logits
    are used."""
    y_true, y_pred = prepare(y_true, y_pred)
    logits = y_pred if from_logits else logits_of(y_pred, "Sigmoid")
    if logits is None:
        p = clip(y_pred, epsilon(), 1.0 - epsilon())
        logits = M.log(p / (1.0 - p))
    return nn.sigmoid_cross_entropy_with_logits(labels=y_true, logits=logits)


def logits_of(y_pred, op_type):
    """The logits feeding ``y_pred`` when it is the output of a Softmax/Sigmoid op, else None."""
    op = y_pred.op
    while op.type == "Identity" and op.inputs:  # e.g. a name given to the output
        op = op.inputs[0].op
    return op.inputs[0] if op.type == op_type and op.inputs else None
