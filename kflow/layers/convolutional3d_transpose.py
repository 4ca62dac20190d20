"""Conv3DTranspose: the transposed 3-D convolution (the gradient of Conv3D with respect to its input), on the
engine's ``Conv3DBackpropInputV2`` op, whose own gradients are a Conv3D and a Conv3D filter backprop.

Output sizes per axis, as Keras: "same" gives ``input * stride``, "valid" gives
``input * stride + max(kernel - stride, 0)``; with ``output_padding`` ``p`` both give
``(input - 1) * stride + kernel - 2 * pad + p`` (``pad`` is ``kernel // 2`` for "same", else 0).

Example:
    >>> up = Conv3DTranspose(8, 3, strides=2, padding="same")(volumes)   # "conv3d_transpose/kernel:0" [3,3,3,8,C]
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow import nn
from kflow.layers.conv_utils import conv_output_length, deconv_output_length, normalize_tuple
from kflow.layers.convolutional3d import Conv3D


class Conv3DTranspose(Conv3D):
    """Transposed 3-D convolution; kernel ``[kd, kh, kw, filters, in_channels]`` (Keras's layout).

    Args:
        filters, kernel_size, strides, padding, data_format, activation, use_bias, initializers, regularizers,
            constraints: as Conv3D's.
        output_padding: None or an int / 3 ints, each below its stride: extra size at the end of each axis.
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid", output_padding=None,
                 data_format=None, dilation_rate=(1, 1, 1), **kwargs):
        super().__init__(filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, **kwargs)
        if self.dilation_rate != (1, 1, 1):
            raise NotImplementedError("Conv3DTranspose: dilation_rate > 1 is not supported by kflow")
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = normalize_tuple(output_padding, 3, "output_padding")
            if any(p >= s for p, s in zip(self.output_padding, self.strides)):
                raise ValueError("Conv3DTranspose: output_padding %s must be smaller than the strides %s"
                                 % (self.output_padding, self.strides))

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(5).dims
        channels = dims[1] if self.data_format == "channels_first" else dims[-1]
        if channels is None:
            raise ValueError("Conv3DTranspose: the channel dimension of the inputs must be known, got %s"
                             % shapes.as_shape(input_shape))
        spatial = dims[2:] if self.data_format == "channels_first" else dims[1:4]
        for axis, (size, out, k, s) in enumerate(zip(spatial, self._spatial_out(spatial), self.kernel_size,
                                                     self.strides)):
            # the op is conv3d's gradient: the output must be a size whose convolution gives the input's
            if size is not None and conv_output_length(out, k, self.padding, s) != size:
                raise ValueError("Conv3DTranspose: kernel_size %s, strides %s, padding %r and output_padding %s "
                                 "give spatial axis %d the size %d, whose convolution has size %d, not the input's "
                                 "%d" % (self.kernel_size, self.strides, self.padding, self.output_padding, axis,
                                         out, conv_output_length(out, k, self.padding, s), size))
        self._add_kernel_bias(list(self.kernel_size) + [self.filters, channels], self.filters)

    def _spatial_out(self, sizes):
        pads = self.output_padding or (None, None, None)
        return [deconv_output_length(d, k, self.padding, s, 1, p)
                for d, k, s, p in zip(sizes, self.kernel_size, self.strides, pads)]

    def call(self, inputs):
        x = self._to_last(convert_to_tensor(inputs))
        dims = x.shape.dims
        static = [dims[0]] + self._spatial_out(dims[1:4]) + [self.filters]
        if None in static:
            dyn = array_ops.shape(x)
            sizes = [dyn[0]] + self._spatial_out([dyn[i] for i in (1, 2, 3)]) + [self.filters]
            sizes = stack([convert_to_tensor(d) for d in sizes])
        else:
            sizes = static
        out = nn.conv3d_backprop_input_v2(sizes, self.kernel, x, strides=[1, *self.strides, 1],
                                          padding=self.padding.upper())
        out.set_shape(static)
        if self.use_bias:
            out = out + self.bias
        return self._from_last(self.activation(out))

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(5).dims
        if self.data_format == "channels_first":
            return shapes.TensorShape([dims[0], self.filters] + self._spatial_out(dims[2:]))
        return shapes.TensorShape([dims[0]] + self._spatial_out(dims[1:4]) + [self.filters])

    def get_config(self):
        config = super().get_config()
        config.pop("dilation_rate")
        return dict(config, output_padding=self.output_padding)


Convolution3DTranspose = Deconvolution3D = Deconv3D = Conv3DTranspose
