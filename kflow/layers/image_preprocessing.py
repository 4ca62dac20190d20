"""Image preprocessing layers that run inside the graph: Rescaling, Resizing, CenterCrop.

Being ops in the graph, they work inside a model (so a saved model carries its preprocessing), in ``fit``, and
in a ``Dataset.map`` function. Inputs are ``[batch, height, width, channels]`` (a single ``[height, width,
channels]`` image also works, as in a map function before ``batch``).

Example:
    >>> model = kf.keras.Sequential([Rescaling(1 / 255, input_shape=(32, 32, 3)), Resizing(16, 16),
    ...                              kf.keras.layers.Flatten(), kf.keras.layers.Dense(10)])
"""
from kflow.engine import dtypes, shapes
from kflow.engine.ops import math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.base import Layer
from kflow.layers.interpolation import METHODS, resize_images


def as_float(x, layer):
    x = convert_to_tensor(x)
    return x if x.dtype.is_floating else math_ops.cast(x, dtypes.as_dtype(layer.dtype or "float32"))


def image_axes(shape, layer):
    """The (height, width) axes of an image batch (rank 4) or a single image (rank 3)."""
    ndims = shapes.as_shape(shape).ndims
    if ndims not in (3, 4):
        raise ValueError("%s: expects images [batch, height, width, channels] or [height, width, channels], got "
                         "shape %s" % (layer, shapes.as_shape(shape)))
    return (ndims - 3, ndims - 2)


class Rescaling(Layer):
    """``inputs * scale + offset`` (e.g. ``Rescaling(1 / 255)`` to [0, 1], ``Rescaling(1 / 127.5, -1)`` to [-1, 1]);
    integer inputs become float32.

    Example:
        >>> Rescaling(1 / 255)(kf.constant([[0, 255]], kf.uint8))       # [[0., 1.]]
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale
        self.offset = offset

    def call(self, inputs):
        x = as_float(inputs, self)
        return x * math_ops.cast(self.scale, x.dtype) + math_ops.cast(self.offset, x.dtype)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), scale=self.scale, offset=self.offset)


class Resizing(Layer):
    """Resizes images to ``(height, width)`` by bilinear (default) or nearest-neighbour interpolation, on
    tf.image.resize's half-pixel grid. The input height and width must be known when the graph is built.

    Example:
        >>> Resizing(8, 8)(kf.zeros([2, 4, 4, 3])).shape                  # [2, 8, 8, 3]
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, **kwargs):
        super().__init__(**kwargs)
        if interpolation not in METHODS:
            raise ValueError("Resizing: interpolation must be one of %s, got %r" % (METHODS, interpolation))
        if crop_to_aspect_ratio:
            raise NotImplementedError("Resizing: crop_to_aspect_ratio=True is not supported by kflow")
        self.height, self.width = int(height), int(width)
        self.interpolation = interpolation

    def call(self, inputs):
        x = as_float(inputs, self)
        return resize_images(x, (self.height, self.width), self.interpolation, image_axes(x.shape, "Resizing"))

    def compute_output_shape(self, input_shape):
        dims = list(shapes.as_shape(input_shape).dims)
        rows, cols = image_axes(input_shape, "Resizing")
        dims[rows], dims[cols] = self.height, self.width
        return shapes.TensorShape(dims)

    def get_config(self):
        return dict(super().get_config(), height=self.height, width=self.width, interpolation=self.interpolation,
                    crop_to_aspect_ratio=False)


class CenterCrop(Layer):
    """Crops the central ``(height, width)`` window of each image (the input must be at least that large).

    Example:
        >>> CenterCrop(2, 2)(kf.zeros([1, 4, 5, 3])).shape                # [1, 2, 2, 3]: rows 1-2, columns 1-2
    """

    def __init__(self, height, width, **kwargs):
        super().__init__(**kwargs)
        self.height, self.width = int(height), int(width)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        rows, cols = image_axes(x.shape, "CenterCrop")
        key = [slice(None)] * x.shape.ndims
        for axis, size in ((rows, self.height), (cols, self.width)):
            old = x.shape.dims[axis]
            if old is None:
                raise ValueError("CenterCrop: the image height and width must be known when the graph is built, "
                                 "got input shape %s" % x.shape)
            if old < size:
                raise ValueError("CenterCrop: cannot crop %dx%d from images of shape %s"
                                 % (self.height, self.width, x.shape))
            start = (old - size) // 2
            key[axis] = slice(start, start + size)
        return x[tuple(key)]

    def compute_output_shape(self, input_shape):
        dims = list(shapes.as_shape(input_shape).dims)
        rows, cols = image_axes(input_shape, "CenterCrop")
        dims[rows], dims[cols] = self.height, self.width
        return shapes.TensorShape(dims)

    def get_config(self):
        return dict(super().get_config(), height=self.height, width=self.width)
