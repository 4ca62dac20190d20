"""``AsImageRow``: a mixin running a 2-D convolution layer on sequences ``[batch, steps, channels]`` as images
of height 1 (SeparableConv1D, DepthwiseConv1D, Conv1DTranspose), so each 1-D layer is its 2-D layer with a
kernel of height 1 and no code of its own. Conv1DTranspose lives here too: it is nothing else.

Example:
    >>> class DepthwiseConv1D(AsImageRow, DepthwiseConv2D):
    ...     pass
"""
from kflow.engine import shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import expand_dims, squeeze
from kflow.layers.conv_utils import normalize_tuple
from kflow.layers.convolutional import Conv2DTranspose

_ROW_ARGS = ("kernel_size", "strides", "dilation_rate", "output_padding")


class AsImageRow:
    """Widens 1-D arguments to (1, n) on the way in and narrows them in the config on the way out."""

    def __init__(self, *args, **kwargs):
        if kwargs.get("padding") == "causal":
            raise NotImplementedError("%s: padding='causal' is not supported by kflow" % type(self).__name__)
        for name in _ROW_ARGS:
            if kwargs.get(name) is not None:  # the row axis: size 1, stride 1, no output padding
                kwargs[name] = (0 if name == "output_padding" else 1,) + normalize_tuple(kwargs[name], 1, name)
        super().__init__(*args, **kwargs)
        self.input_spec.ndim = 3

    @property
    def _row_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def _as_image(self, shape):
        dims = list(shapes.as_shape(shape).with_rank(3).dims)
        return shapes.TensorShape(dims[:self._row_axis] + [1] + dims[self._row_axis:])

    def build(self, input_shape):
        super().build(self._as_image(input_shape))

    def call(self, inputs):
        return squeeze(super().call(expand_dims(convert_to_tensor(inputs), self._row_axis)), [self._row_axis])

    def compute_output_shape(self, input_shape):
        dims = list(super().compute_output_shape(self._as_image(input_shape)).dims)
        return shapes.TensorShape(dims[:self._row_axis] + dims[self._row_axis + 1:])

    def get_config(self):
        config = super().get_config()
        for name in _ROW_ARGS:
            if config.get(name) is not None:
                config[name] = tuple(config[name][1:])
        return config


class Conv1DTranspose(AsImageRow, Conv2DTranspose):
    """Transposed 1-D convolution over ``[batch, steps, channels]``; kernel ``[1, k, filters, channels]``.

    Example:
        >>> Conv1DTranspose(4, 3, strides=2, padding="same")(kf.zeros([2, 5, 3])).shape   # [2, 10, 4]
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, **kwargs):
        super().__init__(filters, kernel_size=kernel_size, strides=strides, padding=padding,
                         output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
                         **kwargs)
