"""1-D convolution over sequences: Conv1D ([batch, steps, channels]; "channels_first" inputs are transposed).

Example:
    >>> h = Conv1D(64, 5, padding="causal", dilation_rate=2, activation="relu")(embedded)   # kernel [5, C, 64]
"""
from kflow.engine import shapes
from kflow.engine.ops import shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers import regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import positive_tuple, normalize_data_format, conv_output_length
from kflow import nn
from kflow.layers.kernel_bias import KernelBias


def channels_last(x, data_format):
    """[batch, channels, steps] -> [batch, steps, channels] for "channels_first" (its own inverse)."""
    return shape_ops.transpose(x, [0, 2, 1]) if data_format == "channels_first" else x


class Conv1D(KernelBias, Layer):
    """1-D convolution: ``activation(conv1d(inputs, kernel) + bias)``.

    Args:
        filters: number of output channels.
        kernel_size, strides, dilation_rate: an int (or a 1-tuple).
        padding: "valid", "same" or "causal" (zeros on the left only, so output ``t`` sees inputs ``<= t``).
        data_format: "channels_last" ([batch, steps, channels], default) or "channels_first".
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer:
            as for Dense.
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format="channels_last",
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        (self.filters,) = positive_tuple(filters, 1, "filters", "Conv1D")
        self.kernel_size = positive_tuple(kernel_size, 1, "kernel_size", "Conv1D")
        self.strides = positive_tuple(strides, 1, "strides", "Conv1D")
        self.dilation_rate = positive_tuple(dilation_rate, 1, "dilation_rate", "Conv1D")
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same", "causal"):
            raise ValueError("Conv1D: `padding` must be 'valid', 'same' or 'causal', got %r" % (padding,))
        self.data_format = normalize_data_format(data_format)
        if self.dilation_rate[0] > 1 and self.strides[0] > 1:
            raise ValueError("Conv1D: strides > 1 are not supported together with dilation_rate > 1 (got strides "
                             "%d, dilation_rate %d)" % (self.strides[0], self.dilation_rate[0]))
        self._set_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=3)

    @property
    def _causal_pad(self):
        """Left zeros for causal padding: the dilated kernel's span minus one."""
        return (self.kernel_size[0] - 1) * self.dilation_rate[0] if self.padding == "causal" else 0

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        channels = dims[1 if self.data_format == "channels_first" else -1]
        if channels is None:
            raise ValueError("The channel dimension of the inputs to Conv1D should be defined. Found `None` (input "
                             "shape %s)." % (shapes.as_shape(input_shape),))
        self._add_kernel_bias([self.kernel_size[0], channels, self.filters], self.filters)

    def call(self, inputs):
        x = channels_last(convert_to_tensor(inputs), self.data_format)
        if self._causal_pad:
            x = shape_ops.pad(x, [[0, 0], [self._causal_pad, 0], [0, 0]])
        padding = "SAME" if self.padding == "same" else "VALID"
        outputs = nn.conv1d(x, self.kernel, stride=self.strides[0], padding=padding,
                               dilations=self.dilation_rate[0])
        if self.use_bias:
            outputs = nn.bias_add(outputs, self.bias)
        return channels_last(self.activation(outputs), self.data_format)

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(3).dims
        steps = dims[2] if self.data_format == "channels_first" else dims[1]
        if steps is not None:
            steps = conv_output_length(steps + self._causal_pad, self.kernel_size[0],
                                       "same" if self.padding == "same" else "valid", self.strides[0],
                                       self.dilation_rate[0])
        if self.data_format == "channels_first":
            return shapes.TensorShape([dims[0], self.filters, steps])
        return shapes.TensorShape([dims[0], steps, self.filters])

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format, "dilation_rate": self.dilation_rate}
        return dict(super().get_config(), **config, **self._kernel_bias_config())


Convolution1D = Conv1D
