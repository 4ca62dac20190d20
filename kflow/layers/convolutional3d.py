"""Volumetric layers: Conv3D, MaxPooling3D, AveragePooling3D (inputs ``[batch, depth, height, width,
channels]``, or channels_first).

They run on kflow's 2-D ops: the depth axis (whose size must be known when the graph is built) is unrolled
into its taps. A 3-D convolution is the sum over the ``kd`` depth taps of 2-D convolutions of strided depth
slices (the depth merged into the batch), and a 3-D pooling pools each depth slice in 2-D, then pools the
depth taps. So the gradients are those of conv2d/pooling and the slices.

Example:
    >>> h = Conv3D(8, 3, padding="same", activation="relu")(volumes)       # "conv3d/kernel:0" [3, 3, 3, C, 8]
    >>> h = MaxPooling3D(2)(h)
"""
import numpy as np

from kflow.engine import shapes
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.shape_ops import pad, transpose
from kflow import nn
from kflow.layers import regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import (conv_output_length, layer_padding_mode, normalize_data_format,
                                     normalize_tuple, positive_tuple)
from kflow.layers.kernel_bias import KernelBias
from kflow.layers.spatial import SpatialLayer


def same_pads(size, kernel, stride, dilation=1):
    """TF's "same" padding ``(before, after)`` along one axis."""
    out = -(-size // stride)
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def depth_taps(x, kernel, stride, dilation, out):
    """The ``kernel`` strided depth slices ``[batch, out, H, W, C]`` that each output depth reads, one per tap."""
    return [x[:, k * dilation:k * dilation + (out - 1) * stride + 1:stride] for k in range(kernel)]


def per_slice(x, fn):
    """``fn`` applied to ``[batch * depth, H, W, C]`` (the depth merged into the batch), depth split again."""
    dims = x.shape.dims
    flat = array_ops.reshape(x, concat([[-1], array_ops.shape(x)[2:]], 0))
    flat.set_shape([None] + list(dims[2:]))
    y = fn(flat)
    out = array_ops.reshape(y, concat([[-1, dims[1]], array_ops.shape(y)[1:]], 0))
    out.set_shape([dims[0], dims[1]] + list(y.shape.dims[1:]))
    return out


class _Volumetric:
    """channels_first inputs are transposed to channels_last and back; the depth must be known."""

    def _to_last(self, x):
        return transpose(x, [0, 2, 3, 4, 1]) if self.data_format == "channels_first" else x

    def _from_last(self, x):
        return transpose(x, [0, 4, 1, 2, 3]) if self.data_format == "channels_first" else x

    def _depth(self, x):
        if x.shape.dims[1] is None:
            raise ValueError("%s: kflow unrolls the depth axis, whose size must be known when the graph is built "
                             "(got input shape %s)" % (type(self).__name__, x.shape))
        return x.shape.dims[1]


class Conv3D(_Volumetric, KernelBias, Layer):
    """3-D convolution: ``activation(conv3d(inputs, kernel) + bias)``, kernel ``[kd, kh, kw, C, filters]``.

    Example:
        >>> Conv3D(4, (3, 3, 3))(kf.zeros([1, 5, 6, 6, 2])).shape             # [1, 3, 4, 4, 4]
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 3, "kernel_size")
        self.strides = normalize_tuple(strides, 3, "strides")
        self.padding = layer_padding_mode(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 3, "dilation_rate")
        if self.dilation_rate != (1, 1, 1) and self.strides != (1, 1, 1):
            raise ValueError("Conv3D: strides > 1 are not supported together with dilation_rate > 1")
        self._set_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=5)

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(5).dims
        channels = dims[1] if self.data_format == "channels_first" else dims[-1]
        if channels is None:
            raise ValueError("Conv3D: the channel dimension of the inputs must be known, got %s"
                             % shapes.as_shape(input_shape))
        self._add_kernel_bias(list(self.kernel_size) + [channels, self.filters], self.filters)

    def call(self, inputs):
        x = self._to_last(convert_to_tensor(inputs))
        (kd, _, _), (sd, sh, sw), (dd, dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        depth = self._depth(x)
        if self.padding == "same":
            x = pad(x, [[0, 0], list(same_pads(depth, kd, sd, dd)), [0, 0], [0, 0], [0, 0]])
        out_depth = conv_output_length(depth, kd, self.padding, sd, dd)
        total = None
        for k, taps in enumerate(depth_taps(x, kd, sd, dd, out_depth)):
            y = per_slice(taps, lambda s, k=k: nn.conv2d(s, self.kernel[k], strides=[1, sh, sw, 1],
                                                         padding=self.padding.upper(), dilations=[1, dh, dw, 1]))
            total = y if total is None else total + y
        if self.use_bias:
            total = total + self.bias
        return self._from_last(self.activation(total))

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(5).dims
        spatial = dims[2:] if self.data_format == "channels_first" else dims[1:4]
        out = [conv_output_length(d, k, self.padding, s, r)
               for d, k, s, r in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        if self.data_format == "channels_first":
            return shapes.TensorShape([dims[0], self.filters] + out)
        return shapes.TensorShape([dims[0]] + out + [self.filters])

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate}
        return dict(super().get_config(), **config, **self._kernel_bias_config())


class _Pooling3D(_Volumetric, SpatialLayer):
    _rank = 3

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        layer = type(self).__name__
        self.pool_size = positive_tuple(pool_size, 3, "pool_size", layer)
        self.strides = positive_tuple(strides if strides is not None else self.pool_size, 3, "strides", layer)
        self.padding = layer_padding_mode(padding, layer)

    def _new_size(self, axis_index, size):
        return conv_output_length(size, self.pool_size[axis_index], self.padding, self.strides[axis_index])

    def call(self, inputs):
        x = self._to_last(convert_to_tensor(inputs))
        (kd, kh, kw), (sd, sh, sw) = self.pool_size, self.strides
        depth = self._depth(x)
        pooled = per_slice(x, lambda s: self._pool2d(s, ksize=[1, kh, kw, 1], strides=[1, sh, sw, 1],
                                                      padding=self.padding.upper()))
        before, after = same_pads(depth, kd, sd) if self.padding == "same" else (0, 0)
        out_depth = conv_output_length(depth, kd, self.padding, sd)
        return self._from_last(self._pool_depth(pooled, (before, after), kd, sd, out_depth, depth))

    def get_config(self):
        return dict(super().get_config(), pool_size=self.pool_size, strides=self.strides, padding=self.padding)


class MaxPooling3D(_Pooling3D):
    """Max over ``pool_size`` windows of the volume moved by ``strides`` (default: ``pool_size``).

    Example:
        >>> MaxPooling3D(2)(kf.zeros([1, 4, 4, 4, 3])).shape                  # [1, 2, 2, 2, 3]
    """

    _pool2d = staticmethod(nn.max_pool)

    def _pool_depth(self, x, pads, kernel, stride, out, depth):
        if any(pads):  # padded depth never wins the max
            x = pad(x, [[0, 0], list(pads), [0, 0], [0, 0], [0, 0]],
                    constant_values=float(np.finfo(x.dtype.as_numpy_dtype).min))
        taps = depth_taps(x, kernel, stride, 1, out)
        result = taps[0]
        for t in taps[1:]:
            result = math_ops.maximum(result, t)
        return result


class AveragePooling3D(_Pooling3D):
    """Mean over ``pool_size`` windows of the volume ("same" padding averages only in-bounds values, as TF).

    Example:
        >>> AveragePooling3D((1, 2, 2))(kf.zeros([1, 4, 4, 4, 3])).shape      # [1, 4, 2, 2, 3]
    """

    _pool2d = staticmethod(nn.avg_pool)

    def _pool_depth(self, x, pads, kernel, stride, out, depth):
        # each 2-D average already divided by its own in-bounds count, which is the same at every depth
        real = np.pad(np.ones(depth), pads)
        counts = np.array([real[o * stride:o * stride + kernel].sum() for o in range(out)])
        if any(pads):
            x = pad(x, [[0, 0], list(pads), [0, 0], [0, 0], [0, 0]])
        taps = depth_taps(x, kernel, stride, 1, out)
        total = taps[0]
        for t in taps[1:]:
            total = total + t
        return total / constant(counts.reshape(1, out, 1, 1, 1), dtype=x.dtype)


MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
