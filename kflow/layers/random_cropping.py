"""Random crop and resize augmentation, as tf.keras 2.x: RandomCrop, RandomHeight, RandomWidth.

While training, RandomCrop cuts a ``(height, width)`` window at one random place for the whole batch;
RandomHeight / RandomWidth resize the batch to a random height / width (one factor per batch, so the batch
keeps one shape). At inference RandomHeight and RandomWidth pass their inputs through, and RandomCrop returns
the largest central window of the target's aspect ratio resized to ``(height, width)`` (Keras's
``smart_resize``, which is a plain center crop when the aspect ratios match and the sizes are the target's);
it does the same while training when an image is smaller than the target. Inputs are
``[batch, height, width, channels]`` or a single image; image sizes may be unknown until run time.

Example:
    >>> augment = kf.keras.Sequential([RandomCrop(24, 24, seed=1), RandomHeight(0.2), RandomWidth(0.2)])
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.control_flow_ops import cond, identity
from kflow.engine.ops.gather_ops import slice as slice_
from kflow.engine.ops.image_ops import resize
from kflow.engine.ops.random_ops import random_uniform
from kflow.engine.ops.shape_ops import expand_dims, squeeze
from kflow.engine.ops.unary_math_ops import floor
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers import training_flag
from kflow.layers.base import Layer
from kflow.layers.image_augmentation import factor_range
from kflow.layers.image_preprocessing import as_float, image_axes

INTERPOLATIONS = {"bilinear": "ResizeBilinear", "nearest": "ResizeNearestNeighbor", "bicubic": "ResizeBicubic",
                  "area": "ResizeArea"}


def _choose(pred, true_fn, false_fn):
    """``true_fn()`` or ``false_fn()``, chosen now when ``pred`` is static, else by a cond (only one runs)."""
    pred = training_flag.static_value(pred)
    if isinstance(pred, bool):
        return true_fn() if pred else false_fn()
    return cond(pred, true_fn, false_fn)


def _size(images, axis):
    """The static size of ``axis`` when known, else its run-time int32 scalar."""
    dim = images.shape.dims[axis]
    return dim if dim is not None else array_ops.shape(images)[axis]


def _at_least(size, target):
    return size >= target if isinstance(size, int) else comparison_ops.greater_equal(size, target)


def _resize(images, height, width, interpolation):
    """tf.image.resize (TF 2: half-pixel centers, no antialiasing) of a 4-D batch; a no-op at its own size."""
    if images.shape.dims[1:3] == [height, width]:
        return images
    size = [height, width] if all(isinstance(d, int) for d in (height, width)) else stack(
        [convert_to_tensor(height), convert_to_tensor(width)])
    return math_ops.cast(resize(images, size, INTERPOLATIONS[interpolation], half_pixel_centers=True),
                         images.dtype)


def smart_resize(images, height, width, interpolation="bilinear"):
    """Keras's ``smart_resize`` of a 4-D batch: the largest centered window of aspect ratio ``height/width``,
    resized to ``(height, width)``.

    Example:
        >>> smart_resize(kf.zeros([1, 6, 8, 3]), 3, 3)      # the central 6x6 window, resized to 3x3
    """
    in_h, in_w = _size(images, 1), _size(images, 2)
    if isinstance(in_h, int) and isinstance(in_w, int):
        crop_h = max(min(in_h, int(in_w * height / width)), 1)
        crop_w = max(min(in_w, int(in_h * width / height)), 1)
        window = images[:, (in_h - crop_h) // 2:(in_h - crop_h) // 2 + crop_h,
                        (in_w - crop_w) // 2:(in_w - crop_w) // 2 + crop_w]
    else:
        h, w = math_ops.cast(in_h, "float64"), math_ops.cast(in_w, "float64")
        crop_h = math_ops.cast(math_ops.maximum(math_ops.minimum(h, floor(w * height / width)), 1.0),
                               "int32")
        crop_w = math_ops.cast(math_ops.maximum(math_ops.minimum(w, floor(h * width / height)), 1.0),
                               "int32")
        window = slice_(images, stack([0, (in_h - crop_h) // 2, (in_w - crop_w) // 2, 0]),
                        stack([-1, crop_h, crop_w, -1]))
    out = _resize(window, height, width, interpolation)
    out.set_shape([images.shape.dims[0], height, width, images.shape.dims[3]])
    return out


class _BatchAugmentation(Layer):
    """Runs ``_train(images)`` / ``_infer(images)`` on a 4-D float batch (a single image gets a batch axis)."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed

    def _uniform(self, lower, upper):
        return random_uniform([], lower, upper, dtype="float32", seed=self.seed)

    def call(self, inputs, training=None):
        x = as_float(inputs, self)
        if x.shape.ndims not in (3, 4):
            raise ValueError("%s: expects images [batch, height, width, channels] or [height, width, channels], "
                             "got shape %s" % (type(self).__name__, x.shape))
        single = x.shape.ndims == 3
        images = expand_dims(x, 0) if single else x
        out = _choose(training_flag.resolve(training), lambda: self._train(images), lambda: self._infer(images))
        return squeeze(out, [0]) if single else out

    def compute_output_shape(self, input_shape):
        dims = list(shapes.as_shape(input_shape).dims)
        rows = image_axes(input_shape, type(self).__name__)[0]
        dims[rows:rows + 2] = self._output_size(dims[rows], dims[rows + 1])
        return shapes.TensorShape(dims)

    def get_config(self):
        return dict(super().get_config(), seed=self.seed)


class RandomCrop(_BatchAugmentation):
    """Crops ``(height, width)`` at one random place per batch while training; ``smart_resize`` otherwise.

    Example:
        >>> RandomCrop(2, 2, seed=3)(kf.zeros([4, 5, 5, 3]), training=True).shape     # [4, 2, 2, 3]
    """

    def __init__(self, height, width, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.height, self.width = int(height), int(width)
        if self.height <= 0 or self.width <= 0:
            raise ValueError("RandomCrop: height and width must be positive, got %r and %r" % (height, width))

    def _output_size(self, height, width):
        return [self.height, self.width]

    def _random_crop(self, images):
        h_room = _size(images, 1) - self.height + 1
        w_room = _size(images, 2) - self.width + 1
        starts = [math_ops.cast(floor(self._uniform(0.0, 1.0) * math_ops.cast(room, "float32")), "int32")
                  for room in (h_room, w_room)]
        out = slice_(images, stack([0, starts[0], starts[1], 0]), [-1, self.height, self.width, -1])
        out.set_shape([images.shape.dims[0], self.height, self.width, images.shape.dims[3]])
        return out

    def _train(self, images):
        fits = [_at_least(_size(images, 1), self.height), _at_least(_size(images, 2), self.width)]
        fits = fits[0] and fits[1] if all(isinstance(f, bool) for f in fits) else comparison_ops.logical_and(
            convert_to_tensor(fits[0]), convert_to_tensor(fits[1]))
        return _choose(fits, lambda: self._random_crop(images), lambda: self._infer(images))

    def _infer(self, images):
        return smart_resize(images, self.height, self.width)

    def get_config(self):
        return dict(super().get_config(), height=self.height, width=self.width)


class _RandomResize(_BatchAugmentation):
    """Resizes the batch along ``_axis`` (1: height, 2: width) by a factor drawn from ``1 + factor``."""

    def __init__(self, factor, interpolation="bilinear", seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        layer = type(self).__name__
        self.factor = factor
        self._range = factor_range(factor, "factor", layer)
        if self._range[0] < -1.0:
            raise ValueError("%s: factor must be >= -1 (no negative sizes), got %r" % (layer, factor))
        if interpolation not in INTERPOLATIONS:
            raise ValueError("%s: interpolation must be one of %s, got %r" % (layer, sorted(INTERPOLATIONS),
                                                                             interpolation))
        self.interpolation = interpolation

    def _output_size(self, height, width):
        return [None, width] if self._axis == 1 else [height, None]

    def _train(self, images):
        old = math_ops.cast(_size(images, self._axis), "float32")
        scale = self._uniform(1.0 + self._range[0], 1.0 + self._range[1])
        new = math_ops.maximum(math_ops.cast(scale * old, "int32"), 1)
        size = [new, _size(images, 2)] if self._axis == 1 else [_size(images, 1), new]
        return _resize(images, size[0], size[1], self.interpolation)

    def _infer(self, images):
        return identity(images)

    def get_config(self):
        return dict(super().get_config(), factor=self.factor, interpolation=self.interpolation)


class RandomHeight(_RandomResize):
    """While training, resizes the batch to ``int(height * (1 + f))`` rows, ``f`` drawn from ``factor`` (a number
    ``f`` means ``[-f, f]``); the width stays.

    Example:
        >>> RandomHeight((-0.5, 0.0), seed=1)(images, training=True)      # between half and all the rows
    """

    _axis = 1


class RandomWidth(_RandomResize):
    """While training, resizes the batch to ``int(width * (1 + f))`` columns, ``f`` drawn from ``factor``.

    Example:
        >>> RandomWidth(0.2)(images, training=True)
    """

    _axis = 2
