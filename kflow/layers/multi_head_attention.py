"""MultiHeadAttention (Vaswani et al. 2017), as Keras's layer of that name.

The query, key and value are projected into ``num_heads`` heads (``key_dim`` features each; values
``value_dim``), each head attends with scaled dot products, and the heads' results are projected back to the
query's feature size (or ``output_shape``). Projections are one matmul each: a ``[dim, heads, key_dim]``
kernel reshaped to ``[dim, heads * key_dim]``.

Example:
    >>> mha = MultiHeadAttention(num_heads=2, key_dim=16)
    >>> out = mha(query, value)                                 # [batch, Tq, query features]
    >>> out, scores = mha(query, value, return_attention_scores=True)   # scores [batch, heads, Tq, Tv]
"""
import math

from kflow.engine import shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import expand_dims, transpose
from kflow.engine.ops.control_flow_ops import identity
from kflow import initializers
from kflow.layers import regularizers
from kflow.layers.attention import attend
from kflow.layers.base import Layer
from kflow.layers.kernel_bias import serialize


def _logical_and(a, b):
    if a is None or b is None:
        return b if a is None else a
    return comparison_ops.logical_and(a, b)


class MultiHeadAttention(Layer):
    """Multi-head scaled dot-product attention.

    Args:
        num_heads: number of heads.
        key_dim: size of each head for query and key.
        value_dim: size of each head for value (default ``key_dim``).
        dropout: dropout rate on the attention weights (while training).
        use_bias: whether the projections add biases.
        output_shape: the output feature size (default: the query's).
        kernel_initializer / bias_initializer / kernel_regularizer / bias_regularizer: as Dense.

    Call: ``layer(query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
    use_causal_mask=False)``; ``attention_mask`` is boolean ``[batch, Tq, Tv]`` (True: may attend).
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True, output_shape=None,
                 attention_axes=None, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if attention_axes is not None and tuple(attention_axes) not in ((1,), (-2,)):
            raise NotImplementedError("MultiHeadAttention: kflow attends over the time axis only "
                                      "(attention_axes=None), got %r" % (attention_axes,))
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout = float(dropout)
        self.use_bias = use_bias
        self._output_shape = output_shape
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.supports_masking = True

    def __call__(self, query, value=None, key=None, **kwargs):
        if value is None and isinstance(query, (list, tuple)):  # one list [query, value(, key)] (kflow's older files)
            query, value, key = (list(query) + [None])[:3]
        if value is None:
            raise ValueError("MultiHeadAttention %s needs a query and a value (layer(query, value)); got only a "
                             "query" % self.name)
        # value and key are further arguments (a functional model records and replays them, as Keras does)
        return super().__call__(query, value, *([] if key is None else [key]), **kwargs)

    def _projection(self, name, dim, heads_dim):
        kernel = self.add_weight(name + "_kernel", [dim, self.num_heads, heads_dim],
                                 initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        bias = self.add_weight(name + "_bias", [self.num_heads, heads_dim], initializer=self.bias_initializer,
                               regularizer=self.bias_regularizer) if self.use_bias else None
        return kernel, bias

    def build(self, query_shape, value_shape, key_shape=None):
        all_shapes = [shapes.as_shape(s) for s in (query_shape, value_shape, value_shape if key_shape is None
                                                   else key_shape)]
        if any(s.ndims is None or s.dims[-1] is None for s in all_shapes):
            raise ValueError("MultiHeadAttention: the feature sizes of query, value and key must be known, got "
                             "shapes %s" % [str(s) for s in all_shapes])
        query_dim, value_dim, key_dim = [s.dims[-1] for s in all_shapes]
        self.output_dim = int(self._output_shape if not isinstance(self._output_shape, (list, tuple))
                              else self._output_shape[-1]) if self._output_shape else query_dim
        self.query_kernel, self.query_bias = self._projection("query", query_dim, self.key_dim)
        self.key_kernel, self.key_bias = self._projection("key", key_dim, self.key_dim)
        self.value_kernel, self.value_bias = self._projection("value", value_dim, self.value_dim)
        self.output_kernel = self.add_weight("attention_output_kernel", [self.num_heads, self.value_dim,
                                                                         self.output_dim],
                                             initializer=self.kernel_initializer,
                                             regularizer=self.kernel_regularizer)
        self.output_bias = self.add_weight("attention_output_bias", [self.output_dim],
                                           initializer=self.bias_initializer,
                                           regularizer=self.bias_regularizer) if self.use_bias else None
        self.built = True

    def _heads(self, x, kernel, bias, size):
        """``[batch, T, dim] -> [batch, heads, T, size]``."""
        dim = kernel.shape.dims[0]
        flat = math_ops.matmul(x, array_ops.reshape(kernel, [dim, self.num_heads * size]))
        if bias is not None:
            flat = flat + array_ops.reshape(bias, [self.num_heads * size])
        split = array_ops.reshape(flat, concat([array_ops.shape(x)[:2], [self.num_heads, size]], axis=0))
        split.set_shape([x.shape.dims[0], x.shape.dims[1], self.num_heads, size])
        return transpose(split, [0, 2, 1, 3])

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False, mask=None):
        query, value = convert_to_tensor(query), convert_to_tensor(value)
        key = value if key is None else convert_to_tensor(key)
        q = self._heads(query, self.query_kernel, self.query_bias, self.key_dim) * (1.0 / math.sqrt(self.key_dim))
        k = self._heads(key, self.key_kernel, self.key_bias, self.key_dim)
        v = self._heads(value, self.value_kernel, self.value_bias, self.value_dim)
        scores = math_ops.matmul(q, k, transpose_b=True)  # [batch, heads, Tq, Tk]
        keep = None if attention_mask is None else expand_dims(convert_to_tensor(attention_mask), 1)
        value_mask = getattr(value, "_keras_mask", None)
        if value_mask is not None:  # padded value steps (a Keras mask on the value input)
            keep = _logical_and(keep, expand_dims(expand_dims(value_mask, 1), 1))
        context, weights = attend(scores, v, keep, use_causal_mask, self.dropout, training)
        context = transpose(context, [0, 2, 1, 3])  # [batch, Tq, heads, value_dim]
        merged = array_ops.reshape(context, concat([array_ops.shape(query)[:2], [self.num_heads * self.value_dim]],
                                                   axis=0))
        merged.set_shape([query.shape.dims[0], query.shape.dims[1], self.num_heads * self.value_dim])
        out = math_ops.matmul(merged, array_ops.reshape(self.output_kernel, [self.num_heads * self.value_dim,
                                                                             self.output_dim]))
        if self.output_bias is not None:
            out = out + self.output_bias
        return [out, identity(weights)] if return_attention_scores else out

    def compute_mask(self, inputs, mask=None):
        return mask  # the query's

    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, list) and input_shape and not isinstance(input_shape[0], (int, type(None))):
            input_shape = input_shape[0]  # [query, value(, key)] shapes
        query = shapes.as_shape(input_shape).dims
        out = self.output_dim if self.built else (self._output_shape or query[-1])
        return shapes.TensorShape(list(query[:-1]) + [out])

    def get_config(self):
        return dict(super().get_config(), num_heads=self.num_heads, key_dim=self.key_dim, value_dim=self.value_dim,
                    dropout=self.dropout, use_bias=self.use_bias, output_shape=self._output_shape,
                    attention_axes=None, kernel_initializer=serialize(initializers, self.kernel_initializer),
                    bias_initializer=serialize(initializers, self.bias_initializer),
                    kernel_regularizer=serialize(regularizers, self.kernel_regularizer),
                    bias_regularizer=serialize(regularizers, self.bias_regularizer))
