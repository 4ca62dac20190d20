"""Random image augmentation layers, active only while training (as Keras's): RandomFlip, RandomRotation,
RandomZoom, RandomTranslation, RandomContrast, RandomBrightness.

Each image of the batch draws its own flip, angle, zoom, shift or contrast factor in the graph; outside
training (``training=False`` or the Keras learning phase off) the layers return their inputs unchanged.
Rotation, zoom and translation resample through ``transform_images`` (fill modes "reflect", "wrap",
"nearest", "constant"). Inputs are ``[batch, height, width, channels]`` or a single image.

Example:
    >>> augment = kf.keras.Sequential([RandomFlip("horizontal"), RandomRotation(0.1), RandomZoom(0.2)])
    >>> model = kf.keras.Sequential([kf.keras.Input((32, 32, 3)), augment, ...])
"""
import math

from kflow.engine import shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.clip_ops import clip_by_value
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.image_transform_ops import FILL_MODES, INTERPOLATIONS, transform_images
from kflow.engine.ops.random_ops import random_uniform
from kflow.engine.ops.reduction_ops import reduce_mean
from kflow.engine.ops.shape_ops import expand_dims, reverse, squeeze
from kflow.engine.ops.unary_math_ops import cos, sin
from kflow.layers import training_flag
from kflow.layers.base import Layer
from kflow.layers.image_preprocessing import as_float


def factor_range(factor, name, layer):
    """``(lower, upper)`` from a number ``f`` (``(-f, f)``) or a pair."""
    lower, upper = (-abs(factor), abs(factor)) if isinstance(factor, (int, float)) else tuple(factor)
    if lower > upper:
        raise ValueError("%s: %s lower bound %r is above the upper bound %r" % (layer, name, lower, upper))
    return float(lower), float(upper)


class _RandomAugmentation(Layer):
    """Applies ``_augment(images)`` (on a ``[batch, h, w, c]`` float batch) while training."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed

    def _uniform(self, images, lower, upper):
        return random_uniform(array_ops.shape(images)[:1], lower, upper, dtype=images.dtype, seed=self.seed)

    def call(self, inputs, training=None):
        x = as_float(inputs, self)
        single = x.shape.ndims == 3
        if x.shape.ndims not in (3, 4):
            raise ValueError("%s: expects images [batch, height, width, channels] or [height, width, channels], "
                             "got shape %s" % (type(self).__name__, x.shape))

        def augmented():
            out = self._augment(expand_dims(x, 0) if single else x)
            return squeeze(out, [0]) if single else out

        return training_flag.smart_select(training_flag.resolve(training), augmented, lambda: identity(x))

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), seed=self.seed)


class RandomFlip(_RandomAugmentation):
    """Flips each image left-right and/or up-down with probability 1/2 each.

    Args:
        mode: "horizontal", "vertical" or "horizontal_and_vertical" (default).
    """

    def __init__(self, mode="horizontal_and_vertical", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError("RandomFlip: mode must be 'horizontal', 'vertical' or 'horizontal_and_vertical', got "
                             "%r" % (mode,))
        self.mode = mode

    def _augment(self, images):
        axes = {"horizontal": [2], "vertical": [1], "horizontal_and_vertical": [2, 1]}[self.mode]
        for axis in axes:
            flip = comparison_ops.less(self._uniform(images, 0.0, 1.0), 0.5)
            images = array_ops.where(flip, reverse(images, [axis]), images)
        return images

    def get_config(self):
        return dict(super().get_config(), mode=self.mode)


class RandomContrast(_RandomAugmentation):
    """Scales each image's deviation from its per-channel mean by a factor drawn from ``[1 - lower, 1 + upper]``.

    Example:
        >>> RandomContrast(0.2)(images, training=True)       # factors in [0.8, 1.2]
    """

    def __init__(self, factor, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        lower, upper = (factor, factor) if isinstance(factor, (int, float)) else tuple(factor)
        if lower < 0 or upper < 0 or lower > 1:
            raise ValueError("RandomContrast: factor must be non-negative (and the lower one <= 1), got %r"
                             % (factor,))
        self.factor = factor
        self._range = (1.0 - lower, 1.0 + upper)

    def _augment(self, images):
        mean = reduce_mean(images, axis=[1, 2], keepdims=True)
        scale = array_ops.reshape(self._uniform(images, *self._range), [-1, 1, 1, 1])
        return (images - mean) * scale + mean

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class RandomBrightness(_RandomAugmentation):
    """Adds to each image a delta drawn from ``factor`` times the width of ``value_range`` (a number ``f``
    means ``[-f, f]``), then clips to ``value_range``.

    Example:
        >>> RandomBrightness(0.2, value_range=(0, 1))(images, training=True)
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = factor
        self._range = factor_range(factor, "factor", "RandomBrightness")
        if not -1 <= self._range[0] <= self._range[1] <= 1:
            raise ValueError("RandomBrightness: factor must lie in [-1, 1], got %r" % (factor,))
        self.value_range = tuple(float(v) for v in value_range)

    def _augment(self, images):
        low, high = self.value_range
        delta = self._uniform(images, *self._range) * (high - low)
        return clip_by_value(images + array_ops.reshape(delta, [-1, 1, 1, 1]), low, high)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, value_range=self.value_range)


class _RandomTransform(_RandomAugmentation):
    """Shared by rotation, zoom and translation: ``_transforms(images, height, width)`` -> ``[batch, 8]``."""

    def __init__(self, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if fill_mode not in FILL_MODES or interpolation not in INTERPOLATIONS:
            raise ValueError("%s: fill_mode must be one of %s and interpolation one of %s, got %r and %r"
                             % (type(self).__name__, FILL_MODES, INTERPOLATIONS, fill_mode, interpolation))
        self.fill_mode, self.interpolation, self.fill_value = fill_mode, interpolation, float(fill_value)

    def _augment(self, images):
        height = math_ops.cast(array_ops.shape(images)[1], images.dtype)
        width = math_ops.cast(array_ops.shape(images)[2], images.dtype)
        return transform_images(images, self._transforms(images, height, width), self.interpolation,
                                self.fill_mode, self.fill_value)

    def get_config(self):
        return dict(super().get_config(), fill_mode=self.fill_mode, interpolation=self.interpolation,
                    fill_value=self.fill_value)


def _rows(columns):
    return stack(columns, axis=1)


class RandomRotation(_RandomTransform):
    """Rotates each image about its center by an angle drawn from ``factor * [-2 pi, 2 pi]`` (or the range
    given as a pair of fractions of a full turn).

    Example:
        >>> RandomRotation(0.1)(images, training=True)       # up to 36 degrees either way
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.factor = factor
        self._range = factor_range(factor, "factor", "RandomRotation")

    def _transforms(self, images, height, width):
        lower, upper = self._range
        angle = self._uniform(images, lower * 2 * math.pi, upper * 2 * math.pi)
        c, s = cos(angle), sin(angle)
        x_offset = ((width - 1) - (c * (width - 1) - s * (height - 1))) / 2.0
        y_offset = ((height - 1) - (s * (width - 1) + c * (height - 1))) / 2.0
        zero = array_ops.zeros_like(angle)
        return _rows([c, -s, x_offset, s, c, y_offset, zero, zero])

    def get_config(self):
        return dict(super().get_config(), factor=self.factor)


class RandomZoom(_RandomTransform):
    """Zooms each image about its center: the sampled region is ``1 + f`` times the image's size per axis, ``f``
    drawn from ``height_factor`` (positive: zoom out, negative: zoom in); ``width_factor`` None keeps the
    aspect ratio.

    Example:
        >>> RandomZoom((-0.2, 0.0))(images, training=True)   # zoom in by up to 20%
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = factor_range(height_factor, "height_factor", "RandomZoom")
        self._width = None if width_factor is None else factor_range(width_factor, "width_factor", "RandomZoom")
        if self._height[0] < -1 or (self._width is not None and self._width[0] < -1):
            raise ValueError("RandomZoom: factors must be >= -1, got %r and %r" % (height_factor, width_factor))

    def _transforms(self, images, height, width):
        zoom_y = 1.0 + self._uniform(images, *self._height)
        zoom_x = zoom_y if self._width is None else 1.0 + self._uniform(images, *self._width)
        zero = array_ops.zeros_like(zoom_y)
        return _rows([zoom_x, zero, (width - 1) / 2.0 * (1.0 - zoom_x), zero, zoom_y,
                      (height - 1) / 2.0 * (1.0 - zoom_y), zero, zero])

    def get_config(self):
        return dict(super().get_config(), height_factor=self.height_factor, width_factor=self.width_factor)


class RandomTranslation(_RandomTransform):
    """Shifts each image by fractions of its height and width drawn from ``height_factor`` and
    ``width_factor`` (a number ``f`` means ``[-f, f]``).

    Example:
        >>> RandomTranslation(0.1, 0.1)(images, training=True)
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, **kwargs):
        super().__init__(fill_mode, interpolation, seed, fill_value, **kwargs)
        self.height_factor, self.width_factor = height_factor, width_factor
        self._height = factor_range(height_factor, "height_factor", "RandomTranslation")
        self._width = factor_range(width_factor, "width_factor", "RandomTranslation")

    def _transforms(self, images, height, width):
        dy = self._uniform(images, *self._height) * height
        dx = self._uniform(images, *self._width) * width
        one, zero = array_ops.ones_like(dx), array_ops.zeros_like(dx)
        return _rows([one, zero, -dx, zero, one, -dy, zero, zero])

    def get_config(self):
        return dict(super().get_config(), height_factor=self.height_factor, width_factor=self.width_factor)
