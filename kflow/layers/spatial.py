"""The base of weightless layers over the spatial axes of images or sequences (poolings, padding, cropping,
upsampling): the data format, the input rank and which axes are spatial.

Example:
    >>> class Doubling2D(SpatialLayer):
    ...     def _new_size(self, axis_index, size):
    ...         return 2 * size
    >>> Doubling2D(data_format="channels_first").spatial_axes
    (2, 3)
"""
from kflow.engine import shapes
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import normalize_data_format


class SpatialLayer(Layer):
    """Inputs ``[batch, spatial..., channels]`` ("channels_last", default) or ``[batch, channels, spatial...]``.

    Subclasses set ``_rank``, the number of spatial axes (2 for images, 1 for sequences), and give each
    spatial axis's output size in ``_new_size`` (or override ``compute_output_shape``).
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

    def _new_size(self, axis_index, size):
        """The known output size of spatial axis number ``axis_index`` for an input size ``size``."""
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        dims = list(shapes.as_shape(input_shape).with_rank(self._rank + 2).dims)
        for i, axis in enumerate(self.spatial_axes):
            dims[axis] = None if dims[axis] is None else self._new_size(i, dims[axis])
        return shapes.TensorShape(dims)

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)
