"""1-D pooling over sequences: MaxPooling1D, AveragePooling1D and the global poolings.

The windowed poolings share the 2-D poolings' arguments and config, and run ``kf.nn.max_pool`` /
``avg_pool`` on the sequence as a 1-pixel-high image.
GlobalAveragePooling1D honours a time mask (``Embedding(mask_zero=True)``): padded steps are left out.

Example:
    >>> h = MaxPooling1D(2)(conv)                  # halves the steps
    >>> v = GlobalAveragePooling1D()(h)            # [batch, channels]
"""
from kflow.engine.ops import math_ops, reduction_ops, shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.convolutional1d import channels_last
from kflow import nn
from kflow.layers.pooling import GlobalPooling2D, Pooling2D


class _Pooling1D(Pooling2D):
    """The 2-D pooling's arguments and config with one spatial axis; pools the steps as a 1-pixel-high image."""

    _rank = 1

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format="channels_last", **kwargs):
        super().__init__(pool_size=pool_size, strides=strides, padding=padding, data_format=data_format, **kwargs)

    def call(self, inputs):
        x = shape_ops.expand_dims(channels_last(convert_to_tensor(inputs), self.data_format), 1)
        out = getattr(nn, self._pool_fn)(x, ksize=[1, 1, self.pool_size[0], 1], strides=[1, 1, self.strides[0], 1],
                                            padding=self.padding.upper())
        return channels_last(shape_ops.squeeze(out, [1]), self.data_format)


class MaxPooling1D(_Pooling1D):
    """Max over ``pool_size`` steps moved by ``strides`` (default: ``pool_size``)."""

    _pool_fn = "max_pool"


class AveragePooling1D(_Pooling1D):
    """Mean over ``pool_size`` steps ("same" padding averages only the in-bounds steps, as in TF)."""

    _pool_fn = "avg_pool"


class _GlobalPooling1D(GlobalPooling2D):
    """Reduces the steps axis: ``[batch, steps, channels] -> [batch, channels]``."""

    _rank = 1


class GlobalAveragePooling1D(_GlobalPooling1D):
    """Mean over the steps; with a ``[batch, steps]`` mask, the mean of the unmasked steps only."""

    _reduce = "reduce_mean"

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        x = convert_to_tensor(inputs)
        (steps,) = self.spatial_axes
        weights = shape_ops.expand_dims(math_ops.cast(mask, x.dtype), 3 - steps)  # [b, s, 1] or [b, 1, s]
        return reduction_ops.reduce_sum(x * weights, axis=steps) / reduction_ops.reduce_sum(weights, axis=steps)


class GlobalMaxPooling1D(_GlobalPooling1D):
    """Max over the steps."""

    _reduce = "reduce_max"


MaxPool1D = MaxPooling1D
AvgPool1D = AveragePooling1D
GlobalAvgPool1D = GlobalAveragePooling1D
GlobalMaxPool1D = GlobalMaxPooling1D
