"""Depthwise and separable convolutions: DepthwiseConv2D, SeparableConv2D, SeparableConv1D, DepthwiseConv1D.

A depthwise convolution filters each input channel on its own (``depth_multiplier`` filters per channel,
output channel ``c * depth_multiplier + m``), through the engine's DepthwiseConv2dNative op
(``kf.nn.depthwise_conv2d``) and its gradients. A separable convolution is a depthwise one followed by a
1x1 ("pointwise") convolution that mixes the channels (Xception, MobileNet): ``kf.nn.separable_conv2d``.

Example:
    >>> h = SeparableConv2D(64, 3, padding="same", activation="relu")(images)
    >>> h = DepthwiseConv2D(3, depth_multiplier=2)(h)          # 128 channels
"""
from kflow import initializers, nn
from kflow.layers import regularizers
from kflow.layers.conv1d_as_2d import AsImageRow
from kflow.layers.convolutional import Conv2D
from kflow.layers.kernel_bias import serialize


class DepthwiseConv2D(Conv2D):
    """Filters each input channel with its own ``depth_multiplier`` kernels (weight ``depthwise_kernel``).

    Example:
        >>> DepthwiseConv2D(3, padding="same")(kf.zeros([1, 8, 8, 4])).shape    # [1, 8, 8, 4]
    """

    def __init__(self, kernel_size, strides=(1, 1), padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=(1, 1), activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(0, kernel_size, strides=strides, padding=padding, data_format=data_format,
                         dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
                         bias_initializer=bias_initializer, bias_regularizer=bias_regularizer,
                         activity_regularizer=activity_regularizer, bias_constraint=bias_constraint, **kwargs)
        self.depth_multiplier = int(depth_multiplier)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.filters = channels * self.depth_multiplier
        self.depthwise_kernel = self.add_weight("depthwise_kernel", list(self.kernel_size) +
                                                [channels, self.depth_multiplier],
                                                initializer=self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer)
        self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer) if self.use_bias else None
        self.built = True

    def _convolve(self, x):
        return nn.depthwise_conv2d(x, self.depthwise_kernel, strides=[1, self.strides[0], self.strides[1], 1],
                                   padding=self.padding.upper(), dilations=list(self.dilation_rate))

    def compute_output_shape(self, input_shape):
        self.filters = self._channels(input_shape) * self.depth_multiplier
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        for key in ("filters", "kernel_initializer", "kernel_regularizer"):
            config.pop(key)
        return dict(config, depth_multiplier=self.depth_multiplier,
                    depthwise_initializer=serialize(initializers, self.depthwise_initializer),
                    depthwise_regularizer=serialize(regularizers, self.depthwise_regularizer))


class SeparableConv2D(DepthwiseConv2D):
    """A depthwise convolution, then a 1x1 convolution to ``filters`` channels (weights ``depthwise_kernel``,
    ``pointwise_kernel``, ``bias``).

    Example:
        >>> SeparableConv2D(16, 3)(kf.zeros([1, 8, 8, 4])).shape                 # [1, 6, 6, 16]
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, pointwise_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(kernel_size, strides=strides, padding=padding, depth_multiplier=depth_multiplier,
                         data_format=data_format, dilation_rate=dilation_rate, activation=activation,
                         use_bias=use_bias, depthwise_initializer=depthwise_initializer,
                         bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
                         bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer, **kwargs)
        self.output_filters = int(filters)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.depthwise_kernel = self.add_weight("depthwise_kernel", list(self.kernel_size) +
                                                [channels, self.depth_multiplier],
                                                initializer=self.depthwise_initializer,
                                                regularizer=self.depthwise_regularizer)
        self.pointwise_kernel = self.add_weight("pointwise_kernel",
                                                [1, 1, channels * self.depth_multiplier, self.output_filters],
                                                initializer=self.pointwise_initializer,
                                                regularizer=self.pointwise_regularizer)
        self.filters = self.output_filters
        self.bias = self.add_weight("bias", [self.filters], initializer=self.bias_initializer,
                                    regularizer=self.bias_regularizer) if self.use_bias else None
        self.built = True

    def _convolve(self, x):
        return nn.separable_conv2d(x, self.depthwise_kernel, self.pointwise_kernel,
                                   strides=[1, self.strides[0], self.strides[1], 1], padding=self.padding.upper(),
                                   dilations=list(self.dilation_rate))

    def compute_output_shape(self, input_shape):
        self.filters = self.output_filters
        return Conv2D.compute_output_shape(self, input_shape)

    def get_config(self):
        return dict(super().get_config(), filters=self.output_filters,
                    pointwise_initializer=serialize(initializers, self.pointwise_initializer),
                    pointwise_regularizer=serialize(regularizers, self.pointwise_regularizer))


class SeparableConv1D(AsImageRow, SeparableConv2D):
    """SeparableConv2D over sequences ``[batch, steps, channels]`` (run as images of height 1).

    Example:
        >>> SeparableConv1D(8, 3, padding="same")(kf.zeros([2, 10, 4])).shape     # [2, 10, 8]
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 **kwargs):
        super().__init__(filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         data_format=data_format, dilation_rate=dilation_rate, **kwargs)


class DepthwiseConv1D(AsImageRow, DepthwiseConv2D):
    """DepthwiseConv2D over sequences ``[batch, steps, channels]`` (run as images of height 1).

    Example:
        >>> DepthwiseConv1D(3, depth_multiplier=2)(kf.zeros([2, 10, 4])).shape   # [2, 8, 8]
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(kernel_size=kernel_size, strides=strides, padding=padding,
                         depth_multiplier=depth_multiplier, data_format=data_format, dilation_rate=dilation_rate,
                         **kwargs)
