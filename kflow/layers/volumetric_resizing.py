"""The 3-D forms of padding, cropping, upsampling and global pooling: ZeroPadding3D, Cropping3D, UpSampling3D,
GlobalAveragePooling3D, GlobalMaxPooling3D (inputs ``[batch, d1, d2, d3, channels]`` or channels_first).

They are the 2-D layers with three spatial axes: the same code walks ``spatial_axes``.

Example:
    >>> ZeroPadding3D(1)(kf.zeros([1, 2, 3, 4, 5])).shape                   # [1, 4, 5, 6, 5]
"""
from kflow.layers.pooling import GlobalPooling2D
from kflow.layers.resizing import Cropping2D, UpSampling2D, ZeroPadding2D


class ZeroPadding3D(ZeroPadding2D):
    """Zeros around each volume: an int, three sizes, or three ``(before, after)`` pairs."""

    _rank = 3

    def __init__(self, padding=(1, 1, 1), data_format=None, **kwargs):
        super().__init__(padding=padding, data_format=data_format, **kwargs)


class Cropping3D(Cropping2D):
    """Removes planes from the sides of each volume: an int, three sizes, or three ``(before, after)`` pairs."""

    _rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


class UpSampling3D(UpSampling2D):
    """Repeats each entry ``size[i]`` times along spatial axis ``i`` (nearest neighbour)."""

    _rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size=size, data_format=data_format, **kwargs)


class GlobalAveragePooling3D(GlobalPooling2D):
    """Mean over the three spatial axes: ``[batch, d1, d2, d3, c] -> [batch, c]``."""

    _rank = 3
    _reduce = "reduce_mean"


class GlobalMaxPooling3D(GlobalPooling2D):
    """Max over the three spatial axes: ``[batch, d1, d2, d3, c] -> [batch, c]``."""

    _rank = 3
    _reduce = "reduce_max"


GlobalAvgPool3D = GlobalAveragePooling3D
GlobalMaxPool3D = GlobalMaxPooling3D
