"""The base of weightless layers over the spatial axes of images or sequences (poolings, padding, cropping,
upsampling): the data format, the input rank and which axes are spatial.

Example:
    >>> class Identity2D(SpatialLayer):
    ...     def compute_output_shape(self, input_shape):
    ...         return input_shape
    >>> Identity2D(data_format="channels_first").spatial_axes
    (2, 3)
"""
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import normalize_data_format


class SpatialLayer(Layer):
    """Inputs ``[batch, spatial..., channels]`` ("channels_last", default) or ``[batch, channels, spatial...]``.

    Subclasses set ``_rank``, the number of spatial axes (2 for images, 1 for sequences).
    """

    _rank = 2

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    @property
    def spatial_axes(self):
        first = 2 if self.data_format == "channels_first" else 1
        return tuple(range(first, first + self._rank))

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)
