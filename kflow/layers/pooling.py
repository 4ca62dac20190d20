"""2-D pooling layers: MaxPooling2D, AveragePooling2D and the global poolings.

Example:
    >>> h = MaxPooling2D(pool_size=2)(conv)          # halves height and width ("valid", strides = pool_size)
    >>> v = GlobalAveragePooling2D()(h)              # [batch, channels]
"""
from kflow.engine import shapes
from kflow.engine.ops import reduction_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import transpose
from kflow.layers.conv_utils import positive_tuple, layer_padding_mode, conv_output_length
from kflow import nn
from kflow.layers.spatial import SpatialLayer


class Pooling2D(SpatialLayer):
    """Shared by max and average pooling; ``_pool_fn`` names the ``kf.nn`` function."""

    _pool_fn = None

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        layer = type(self).__name__
        self.pool_size = positive_tuple(pool_size, self._rank, "pool_size", layer)
        self.strides = positive_tuple(strides if strides is not None else self.pool_size, self._rank, "strides",
                                      layer)
        self.padding = layer_padding_mode(padding, layer)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if self.data_format == "channels_first":
            x = transpose(x, [0, 2, 3, 1])
        out = getattr(nn, self._pool_fn)(x, ksize=[1, self.pool_size[0], self.pool_size[1], 1],
                                            strides=[1, self.strides[0], self.strides[1], 1],
                                            padding=self.padding.upper())
        return transpose(out, [0, 3, 1, 2]) if self.data_format == "channels_first" else out

    def _new_size(self, axis_index, size):
        return conv_output_length(size, self.pool_size[axis_index], self.padding, self.strides[axis_index])

    def get_config(self):
        return dict(super().get_config(), pool_size=self.pool_size, strides=self.strides, padding=self.padding)


class MaxPooling2D(Pooling2D):
    """Max over ``pool_size`` windows moved by ``strides`` (default: ``pool_size``)."""

    _pool_fn = "max_pool"


class AveragePooling2D(Pooling2D):
    """Mean over ``pool_size`` windows ("same" padding averages only the in-bounds values, as in TF)."""

    _pool_fn = "avg_pool"


class GlobalPooling2D(SpatialLayer):
    """Shared by the global poolings: ``_reduce`` over the spatial axes (the base of Keras's name)."""

    _reduce = None

    def call(self, inputs):
        return getattr(reduction_ops, self._reduce)(inputs, axis=list(self.spatial_axes))

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(self._rank + 2).dims
        return shapes.TensorShape([dims[0], dims[1] if self.data_format == "channels_first" else dims[-1]])


class GlobalAveragePooling2D(GlobalPooling2D):
    """Mean over height and width: ``[batch, h, w, c] -> [batch, c]``."""

    _reduce = "reduce_mean"


class GlobalMaxPooling2D(GlobalPooling2D):
    """Max over height and width: ``[batch, h, w, c] -> [batch, c]``."""

    _reduce = "reduce_max"


MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
