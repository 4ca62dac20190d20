"""Volumetric layers: Conv3D, MaxPooling3D, AveragePooling3D (inputs ``[batch, depth, height, width,
channels]``, or channels_first).

They run on the engine's 3-D ops (``kf.nn.conv3d``, ``max_pool3d``, ``avg_pool3d``, NDHWC), with their
gradients; channels_first inputs are transposed to channels_last and back.

Example:
    >>> h = Conv3D(8, 3, padding="same", activation="relu")(volumes)       # "conv3d/kernel:0" [3, 3, 3, C, 8]
    >>> h = MaxPooling3D(2)(h)
"""
from kflow.engine import shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import transpose
from kflow import nn
from kflow.layers import regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import (conv_output_length, layer_padding_mode, normalize_data_format,
                                     normalize_tuple, positive_tuple)
from kflow.layers.kernel_bias import KernelBias
from kflow.layers.spatial import SpatialLayer


class _Volumetric:
    """channels_first inputs are transposed to channels_last (the ops' NDHWC) and back."""

    def _to_last(self, x):
        return transpose(x, [0, 2, 3, 4, 1]) if self.data_format == "channels_first" else x

    def _from_last(self, x):
        return transpose(x, [0, 4, 1, 2, 3]) if self.data_format == "channels_first" else x


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
        total = nn.conv3d(x, self.kernel, strides=[1, *self.strides, 1], padding=self.padding.upper(),
                          dilations=[1, *self.dilation_rate, 1])
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
        return self._from_last(self._pool3d(x, ksize=[1, *self.pool_size, 1], strides=[1, *self.strides, 1],
                                            padding=self.padding.upper()))

    def get_config(self):
        return dict(super().get_config(), pool_size=self.pool_size, strides=self.strides, padding=self.padding)


class MaxPooling3D(_Pooling3D):
    """Max over ``pool_size`` windows of the volume moved by ``strides`` (default: ``pool_size``).

    Example:
        >>> MaxPooling3D(2)(kf.zeros([1, 4, 4, 4, 3])).shape                  # [1, 2, 2, 2, 3]
    """

    _pool3d = staticmethod(nn.max_pool3d)


class AveragePooling3D(_Pooling3D):
    """Mean over ``pool_size`` windows of the volume ("same" padding averages only in-bounds values, as TF).

    Example:
        >>> AveragePooling3D((1, 2, 2))(kf.zeros([1, 4, 4, 4, 3])).shape      # [1, 4, 2, 2, 3]
    """

    _pool3d = staticmethod(nn.avg_pool3d)


MaxPool3D = MaxPooling3D
AvgPool3D = AveragePooling3D
