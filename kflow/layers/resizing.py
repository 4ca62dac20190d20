"""Weightless layers that change the height and width of images (ZeroPadding2D, Cropping2D, UpSampling2D)
or the length of sequences (ZeroPadding1D, Cropping1D, UpSampling1D).

The 2-D layers accept an int, a pair (symmetric per axis) or a pair of pairs ``((top, bottom), (left, right))``
(UpSampling2D: an int or a pair); the 1-D layers an int or a pair ``(left, right)`` (UpSampling1D: an int).
All take "channels_last" (default) or "channels_first" inputs.

Example:
    >>> h = ZeroPadding2D(1)(images)                  # [N, H + 2, W + 2, C]
    >>> h = Cropping2D(((2, 2), (4, 4)))(h)           # [N, H - 2, W - 6, C]
    >>> h = UpSampling2D(2)(h)                        # [N, 2 (H - 2), 2 (W - 6), C]
"""
from kflow.engine.ops import array_ops, shape_ops
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.conv_utils import normalize_tuple, positive_tuple
from kflow.layers.interpolation import METHODS, resize_images
from kflow.layers.spatial import SpatialLayer


def _non_negative(layer, name, values):
    if any(v < 0 for v in values):
        raise ValueError("%s: `%s` must be non-negative, got %r" % (layer, name, values))
    return values


def normalize_pairs(value, layer, name, rank=2):
    """``(before, after)`` per spatial axis, of non-negative ints, from an int (everywhere), a pair (2-D: one
    size per axis; 1-D: before and after) or ``rank`` pairs."""
    try:
        if isinstance(value, int):
            pairs = ((value, value),) * rank
        elif rank == 1 and len(value) == 2 and all(isinstance(v, int) for v in value):
            pairs = (tuple(value),)
        elif len(value) == 2 and all(isinstance(v, int) for v in value):
            pairs = ((value[0], value[0]), (value[1], value[1]))
        else:
            pairs = tuple(normalize_tuple(v, 2, name) for v in value)
            if len(pairs) != rank:
                raise ValueError
    except (TypeError, ValueError):
        raise ValueError("%s: `%s` must be an int, a pair of ints%s, got %r"
                         % (layer, name, " or a pair of pairs of ints" if rank == 2 else "", value)) from None
    _non_negative(layer, name, sum(pairs, ()))
    return pairs


class ZeroPadding2D(SpatialLayer):
    """Adds rows and columns of zeros at the top, bottom, left and right of each image.

    Example:
        >>> ZeroPadding2D(((1, 0), (2, 3)))(kf.zeros([1, 4, 4, 3])).shape   # [1, 5, 9, 3]
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.padding = normalize_pairs(padding, type(self).__name__, "padding", self._rank)

    def _new_size(self, axis_index, size):
        return size + sum(self.padding[axis_index])

    def call(self, inputs):
        paddings = [[0, 0]] * (self._rank + 2)
        for axis, pair in zip(self.spatial_axes, self.padding):
            paddings[axis] = list(pair)
        return shape_ops.pad(inputs, paddings)

    def get_config(self):
        return dict(super().get_config(), padding=self.padding)


class Cropping2D(SpatialLayer):
    """Removes rows and columns from the top, bottom, left and right of each image.

    Example:
        >>> Cropping2D(((1, 1), (0, 2)))(kf.zeros([1, 4, 4, 3])).shape     # [1, 2, 2, 3]
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.cropping = normalize_pairs(cropping, type(self).__name__, "cropping", self._rank)

    def _new_size(self, axis_index, size):
        out = size - sum(self.cropping[axis_index])
        if out <= 0:
            raise ValueError("%s: cropping %r leaves nothing of the size-%d axis %d of the inputs"
                             % (type(self).__name__, self.cropping[axis_index], size, self.spatial_axes[axis_index]))
        return out

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # raises now if a known size is cropped away
        super().build(input_shape)

    def call(self, inputs):
        key = [slice(None)] * (self._rank + 2)
        for axis, (before, after) in zip(self.spatial_axes, self.cropping):
            key[axis] = slice(before, -after if after else None)  # a negative stop works for unknown sizes
        return convert_to_tensor(inputs)[tuple(key)]

    def get_config(self):
        return dict(super().get_config(), cropping=self.cropping)


def resize_axes(x, axes, factors):
    """Bilinear upsampling of ``x`` by ``factors`` along ``axes`` (their sizes must be known)."""
    dims = x.shape.dims
    if any(dims[a] is None for a in axes):
        raise ValueError("UpSampling: interpolation='bilinear' needs known spatial sizes, got input shape %s"
                         % x.shape)
    return resize_images(x, [dims[a] * f for a, f in zip(axes, factors)], "bilinear", axes)


def repeat_elements(x, axis, times):
    """Repeats each entry of ``x`` ``times`` times along ``axis`` (nearest-neighbour upsampling on one axis):
    a new axis after ``axis`` is tiled, then merged into it."""
    dims = x.shape.dims
    multiples = [1] * (axis + 1) + [times] + [1] * (len(dims) - axis - 1)
    tiled = shape_ops.tile(shape_ops.expand_dims(x, axis + 1), multiples)
    target = [None if d is None else (d * times if i == axis else d) for i, d in enumerate(dims)]
    if all(d is not None for d in target[1:]):
        return array_ops.reshape(tiled, [-1] + target[1:])
    dynamic = array_ops.shape(x)
    sizes = [d if d is not None else (dynamic[i] * times if i == axis else dynamic[i]) for i, d in enumerate(target)]
    out = array_ops.reshape(tiled, stack([convert_to_tensor(s) for s in sizes]))
    out.set_shape(target)
    return out


class UpSampling2D(SpatialLayer):
    """Repeats each row ``size[0]`` times and each column ``size[1]`` times (nearest-neighbour upsampling).

    Example:
        >>> UpSampling2D((2, 3))(kf.zeros([1, 4, 4, 3])).shape             # [1, 8, 12, 3]
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.size = positive_tuple(size, self._rank, "size", type(self).__name__)
        if interpolation not in METHODS:
            raise ValueError("%s: interpolation must be one of %s, got %r" % (type(self).__name__, METHODS,
                                                                              interpolation))
        self.interpolation = interpolation

    def _new_size(self, axis_index, size):
        return size * self.size[axis_index]

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if self.interpolation == "bilinear":
            return resize_axes(x, self.spatial_axes, self.size)
        for axis, times in zip(self.spatial_axes, self.size):
            if times != 1:
                x = repeat_elements(x, axis, times)
        return x

    def get_config(self):
        return dict(super().get_config(), size=self.size, interpolation=self.interpolation)


class ZeroPadding1D(ZeroPadding2D):
    """Adds zero steps at the start and end of each sequence (``padding``: an int or ``(start, end)``).

    Example:
        >>> ZeroPadding1D((2, 0))(kf.zeros([1, 5, 3])).shape               # [1, 7, 3]
    """

    _rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding=padding, data_format=data_format, **kwargs)


class Cropping1D(Cropping2D):
    """Removes steps from the start and end of each sequence (``cropping``: an int or ``(start, end)``).

    Example:
        >>> Cropping1D((1, 2))(kf.zeros([1, 5, 3])).shape                  # [1, 2, 3]
    """

    _rank = 1

    def __init__(self, cropping=(1, 1), data_format=None, **kwargs):
        super().__init__(cropping=cropping, data_format=data_format, **kwargs)


class UpSampling1D(UpSampling2D):
    """Repeats each step ``size`` times.

    Example:
        >>> UpSampling1D(3)(kf.zeros([1, 5, 2])).shape                      # [1, 15, 2]
    """

    _rank = 1

    def __init__(self, size=2, data_format=None, **kwargs):
        super().__init__(size=size, data_format=data_format, **kwargs)
