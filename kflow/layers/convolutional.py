"""2-D convolution layers: Conv2D and Conv2DTranspose (NHWC; "channels_first" inputs are transposed).

Example:
    >>> h = Conv2D(32, 3, padding="same", activation="relu")(images)   # "conv2d/kernel:0" [3, 3, C, 32]
    >>> up = Conv2DTranspose(16, 3, strides=2, padding="same")(h)      # doubles height and width
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import transpose
from kflow.layers import regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import (normalize_tuple, layer_padding_mode, normalize_data_format, conv_output_length,
                                     deconv_output_length)
from kflow import nn
from kflow.layers.kernel_bias import KernelBias


class Conv2D(KernelBias, Layer):
    """2-D convolution: ``activation(conv2d(inputs, kernel) + bias)``.

    Args:
        filters: number of output channels.
        kernel_size: an int or (height, width).
        strides: an int or (sh, sw).
        padding: "valid" or "same".
        data_format: "channels_last" (NHWC, default) or "channels_first" (NCHW).
        dilation_rate: an int or (dh, dw).
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer:
            as for Dense.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size")
        self.strides = normalize_tuple(strides, 2, "strides")
        self.padding = layer_padding_mode(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate")
        if self.dilation_rate != (1, 1) and self.strides != (1, 1):
            raise ValueError("Conv2D: strides > 1 are not supported together with dilation_rate > 1")
        self._set_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=4)

    def _channels(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        axis = 1 if self.data_format == "channels_first" else -1
        if dims is None or dims[axis] is None:
            raise ValueError("The channel dimension of the inputs to %s should be defined. Found `None` (input "
                             "shape %s)." % (type(self).__name__, shapes.as_shape(input_shape)))
        return dims[axis]

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [channels, self.filters]

    def build(self, input_shape):
        self._add_kernel_bias(self._kernel_shape(self._channels(input_shape)), self.filters)

    def _to_nhwc(self, x):
        return transpose(x, [0, 2, 3, 1]) if self.data_format == "channels_first" else x

    def _from_nhwc(self, x):
        return transpose(x, [0, 3, 1, 2]) if self.data_format == "channels_first" else x

    def _convolve(self, x):
        return nn.conv2d(x, self.kernel, strides=[1, self.strides[0], self.strides[1], 1],
                            padding=self.padding.upper(),
                            dilations=[1, self.dilation_rate[0], self.dilation_rate[1], 1])

    def call(self, inputs):
        outputs = self._convolve(self._to_nhwc(convert_to_tensor(inputs)))
        if self.use_bias:
            outputs = nn.bias_add(outputs, self.bias)
        return self._from_nhwc(self.activation(outputs))

    def _spatial_out(self, h, w):
        return [conv_output_length(d, k, self.padding, s, r)
                for d, k, s, r in zip((h, w), self.kernel_size, self.strides, self.dilation_rate)]

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(4).dims
        if self.data_format == "channels_first":
            return shapes.TensorShape([dims[0], self.filters] + self._spatial_out(dims[2], dims[3]))
        return shapes.TensorShape([dims[0]] + self._spatial_out(dims[1], dims[2]) + [self.filters])

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate}
        return dict(super().get_config(), **config, **self._kernel_bias_config())


class Conv2DTranspose(Conv2D):
    """Transposed 2-D convolution (the gradient of Conv2D w.r.t. its input); kernel [kh, kw, filters, in].

    Output sizes: "same" gives ``input * stride``; "valid" gives ``input * stride + max(kernel - stride, 0)``.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        if self.dilation_rate != (1, 1):
            raise NotImplementedError("Conv2DTranspose: dilation_rate > 1 is not supported")
        self.output_padding = None if output_padding is None else normalize_tuple(output_padding, 2,
                                                                                 "output_padding")

    def _kernel_shape(self, channels):
        return list(self.kernel_size) + [self.filters, channels]

    def _spatial_out(self, h, w):
        pads = self.output_padding or (None, None)
        return [deconv_output_length(d, k, self.padding, s, 1, p)
                for d, k, s, p in zip((h, w), self.kernel_size, self.strides, pads)]

    def _convolve(self, x):
        dims = x.shape.dims
        out_h, out_w = self._spatial_out(dims[1], dims[2])
        if out_h is None or out_w is None:
            dyn = array_ops.shape(x)
            out_h, out_w = self._spatial_out(dyn[1], dyn[2])
        batch = dims[0] if dims[0] is not None else array_ops.shape(x)[0]
        if all(isinstance(d, int) for d in (batch, out_h, out_w)):
            output_shape = [batch, out_h, out_w, self.filters]
        else:
            output_shape = stack([convert_to_tensor(d) for d in (batch, out_h, out_w, self.filters)])
        out = nn.conv2d_transpose(x, self.kernel, output_shape, strides=[1, self.strides[0], self.strides[1], 1],
                                     padding=self.padding.upper())
        out.set_shape([dims[0]] + self._spatial_out(dims[1], dims[2]) + [self.filters])
        return out

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        return dict(config, output_padding=self.output_padding)


Convolution2D = Conv2D
Convolution2DTranspose = Deconvolution2D = Deconv2D = Conv2DTranspose
