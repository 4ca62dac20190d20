"""Dot-product (Luong) and additive (Bahdanau) attention layers, as Keras's ``Attention`` and
``AdditiveAttention``.

``layer([query, value])`` or ``layer([query, value, key])`` (key defaults to value), with query
``[batch, Tq, dim]`` and value/key ``[batch, Tv, dim]``, returns ``[batch, Tq, dim]``: for each query step, the
values averaged with the softmax of its scores against the keys. A value mask (``mask=[query_mask,
value_mask]``, or the Keras mask riding on the inputs) keeps padded value steps out of the softmax;
``use_causal_mask=True`` (Keras 2.10+; ``causal=True`` before) lets step i attend only to steps <= i.

Example:
    >>> context = Attention()([decoder_states, encoder_states])
    >>> context, weights = AdditiveAttention()([q, v], return_attention_scores=True)
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.nn_ops import softmax
from kflow.engine.ops.dropout_op import dropout
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.ops.unary_math_ops import tanh
from kflow.layers import training_flag
from kflow.layers.base import Layer

# Masked scores get this subtracted, so their softmax weight underflows to 0 (Keras's constant).
_MASKED = 1e9


def causal_mask(scores):
    """``[Tq, Tv]`` booleans: query step i may see key steps j <= i."""
    shape = array_ops.shape(scores)
    rank = scores.shape.ndims
    rows = expand_dims(array_ops.range(shape[rank - 2]), 1)
    cols = expand_dims(array_ops.range(shape[rank - 1]), 0)
    return comparison_ops.greater_equal(rows, cols)


def attend(scores, value, keep=None, causal=False, dropout_rate=0.0, training=None, seed=None):
    """``(softmax(masked scores) @ value, weights)``; ``keep`` is a boolean mask broadcasting against the
    scores (False: the key step is hidden from that query step)."""
    if keep is not None:
        scores = scores - _MASKED * (1.0 - math_ops.cast(keep, scores.dtype))
    if causal:
        scores = scores - _MASKED * (1.0 - math_ops.cast(causal_mask(scores), scores.dtype))
    weights = softmax(scores, axis=-1)
    if dropout_rate > 0:
        weights = training_flag.smart_select(training_flag.resolve(training),
                                             lambda: dropout(weights, rate=dropout_rate, seed=seed),
                                             lambda: weights)
    return math_ops.matmul(weights, value), weights


class _DenseAttention(Layer):
    """Shared masking, softmax and weighting; subclasses give ``_scores(query, key)``."""

    def __init__(self, use_scale=False, dropout=0.0, causal=False, **kwargs):
        super().__init__(**kwargs)
        self.use_scale = use_scale
        self.dropout = float(dropout)
        self.causal = causal
        self.supports_masking = True

    def _split(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
            raise ValueError("%s: inputs must be a list [query, value] or [query, value, key], got %r"
                             % (type(self).__name__, inputs))
        query, value = convert_to_tensor(inputs[0]), convert_to_tensor(inputs[1])
        key = convert_to_tensor(inputs[2]) if len(inputs) == 3 else value
        return query, value, key

    def call(self, inputs, mask=None, training=None, return_attention_scores=False, use_causal_mask=False):
        query, value, key = self._split(inputs)
        query_mask, value_mask = (list(mask) + [None, None])[:2] if isinstance(mask, (list, tuple)) else (None, None)
        keep = None if value_mask is None else expand_dims(value_mask, -2)
        result, weights = attend(self._scores(query, key), value, keep, self.causal or use_causal_mask,
                                 self.dropout, training)
        if query_mask is not None:
            result = result * math_ops.cast(expand_dims(query_mask, -1), result.dtype)
        return [result, weights] if return_attention_scores else result

    def compute_mask(self, inputs, mask=None):
        return mask[0] if isinstance(mask, (list, tuple)) else None

    def compute_output_shape(self, input_shape):
        query, value = shapes.as_shape(input_shape[0]).dims, shapes.as_shape(input_shape[1]).dims
        return shapes.TensorShape(list(query[:-1]) + [value[-1]])

    def get_config(self):
        return dict(super().get_config(), use_scale=self.use_scale, dropout=self.dropout, causal=self.causal)


class Attention(_DenseAttention):
    """Dot-product attention: scores ``query @ key^T`` (times a learned scalar ``scale`` when ``use_scale``).

    Example:
        >>> Attention()([kf.ones([2, 3, 4]), kf.ones([2, 5, 4])]).shape   # [2, 3, 4]
    """

    def build(self, input_shape):
        self.scale = self.add_weight("scale", [], initializer="ones") if self.use_scale else None
        self.built = True

    def _scores(self, query, key):
        scores = math_ops.matmul(query, key, transpose_b=True)
        return scores * self.scale if self.scale is not None else scores


class AdditiveAttention(_DenseAttention):
    """Additive attention: scores ``sum(scale * tanh(query_i + key_j))`` over the features (``scale`` learned,
    of the feature size, when ``use_scale``, the default as in Keras).

    Example:
        >>> AdditiveAttention()([kf.ones([2, 3, 4]), kf.ones([2, 5, 4])]).shape   # [2, 3, 4]
    """

    def __init__(self, use_scale=True, **kwargs):
        super().__init__(use_scale=use_scale, **kwargs)

    def build(self, input_shape):
        dim = shapes.as_shape(input_shape[0]).dims[-1]
        self.scale = self.add_weight("scale", [dim], initializer="glorot_uniform") if self.use_scale else None
        self.built = True

    def _scores(self, query, key):
        pairs = tanh(expand_dims(query, -2) + expand_dims(key, -3))  # [batch, Tq, Tv, dim]
        return reduce_sum(pairs * self.scale if self.scale is not None else pairs, axis=-1)
