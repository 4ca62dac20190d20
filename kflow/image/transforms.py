"""``kf.image`` geometry: flips, transposes, rotations and crops/pads of 3-D images or 4-D NHWC batches.

All of them are built from kflow's array ops (reverse, transpose, slice, pad, select), so their gradients
come with those ops. Offsets and target sizes may be ints or scalar int tensors, as in TF1, except where a
docstring says static.

Example:
    >>> x = kf.image.random_flip_left_right(kf.image.random_crop(image, [24, 24, 3], seed=1), seed=2)
    >>> y = kf.image.resize_image_with_crop_or_pad(image, 32, 32)
"""
from kflow.engine import dtypes
from kflow.engine.ops import comparison_ops, math_ops, reshape_ops, shape_ops
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.gather_ops import slice as slice_
from kflow.engine.ops.random_ops import random_uniform


def _image(image, op_name):
    x = convert_to_tensor(image, name="image")
    if x.shape.ndims not in (3, 4):
        raise ValueError("%s: 'image' must be 3-D [height, width, channels] or 4-D [batch, height, width, channels]"
                         ", got shape %s for '%s'" % (op_name, x.shape, x.name))
    return x


def flip_left_right(image):
    """Mirrors the width axis.

    Example:
        >>> kf.image.flip_left_right(image)
    """
    return shape_ops.reverse(_image(image, "flip_left_right"), [-2])


def flip_up_down(image):
    """Mirrors the height axis."""
    return shape_ops.reverse(_image(image, "flip_up_down"), [-3])


def transpose_image(image):
    """Swaps height and width (``kf.image.transpose`` in later TF)."""
    x = _image(image, "transpose_image")
    return shape_ops.transpose(x, [1, 0, 2] if x.shape.ndims == 3 else [0, 2, 1, 3])


def rot90(image, k=1, name=None):
    """Rotates by ``k`` quarter turns counter-clockwise (``k`` a Python int).

    Example:
        >>> kf.image.rot90(image, k=2)
    """
    x = _image(image, "rot90")
    if is_tensor_like(k):
        raise TypeError("rot90: k must be a Python int in kflow, got the tensor '%s'" % k.name)
    k = int(k) % 4
    if k == 0:
        return x
    if k == 2:
        return shape_ops.reverse(x, [-3, -2])
    if k == 1:
        return flip_up_down(transpose_image(x))
    return transpose_image(flip_up_down(x))


def _random_flip(image, seed, flip, op_name):
    x = _image(image, op_name)
    batch = reshape_ops.shape(x)[:1] if x.shape.ndims == 4 else []
    coin = comparison_ops.less(random_uniform(batch, 0, 1.0, seed=seed), 0.5)
    coin = reshape_ops.reshape(coin, [-1, 1, 1, 1] if x.shape.ndims == 4 else [1, 1, 1])
    return comparison_ops.where_v2(coin, flip(x), x)


def random_flip_left_right(image, seed=None):
    """Mirrors each image's width axis with probability 1/2 (per image of a batch).

    Example:
        >>> kf.image.random_flip_left_right(images, seed=3)
    """
    return _random_flip(image, seed, flip_left_right, "random_flip_left_right")


def random_flip_up_down(image, seed=None):
    """Mirrors each image's height axis with probability 1/2 (per image of a batch)."""
    return _random_flip(image, seed, flip_up_down, "random_flip_up_down")


def _static_hw(x, op_name):
    h, w = x.shape.dims[-3:-1]
    if h is None or w is None:
        raise ValueError("%s: needs a static height and width, got image shape %s" % (op_name, x.shape))
    return h, w


def central_crop(image, central_fraction):
    """The central ``central_fraction`` (in (0, 1]) of each image, as TF rounds it (static height and width).

    Example:
        >>> kf.image.central_crop(image, 0.5)     # [32, 32, 3] -> [16, 16, 3]
    """
    x = _image(image, "central_crop")
    if not 0.0 < central_fraction <= 1.0:
        raise ValueError("central_crop: central_fraction must be in (0, 1], got %r" % (central_fraction,))
    if central_fraction == 1.0:
        return x
    h, w = _static_hw(x, "central_crop")
    top, left = int((h - h * central_fraction) / 2), int((w - w * central_fraction) / 2)
    return crop_to_bounding_box(x, top, left, h - 2 * top, w - 2 * left)


def _check_box(x, op_name, offsets, sizes, inside):
    """Static checks: non-negative numbers, and the box inside (crop) or around (pad) the image."""
    known = [v for v in offsets + sizes if not is_tensor_like(v)]
    if any(v < 0 for v in known):
        raise ValueError("%s: offsets and sizes must be non-negative, got offsets %s and target size %s"
                         % (op_name, offsets, sizes))
    hw = x.shape.dims[-3:-1]
    for d, o, s, axis in zip(hw, offsets, sizes, ("height", "width")):
        if d is None or is_tensor_like(o) or is_tensor_like(s):
            continue
        if (o + s > d) if inside else (o + d > s):
            raise ValueError("%s: the %s box (offset %d, size %d) does not fit the image %s %d (image shape %s)"
                             % (op_name, axis, o, s, axis, d, x.shape))


def crop_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """The ``[target_height, target_width]`` box whose top-left corner is at the offsets.

    Example:
        >>> kf.image.crop_to_bounding_box(image, 4, 4, 24, 24)
    """
    x = _image(image, "crop_to_bounding_box")
    _check_box(x, "crop_to_bounding_box", [offset_height, offset_width], [target_height, target_width], True)
    if x.shape.ndims == 3:
        return slice_(x, [offset_height, offset_width, 0], [target_height, target_width, -1])
    return slice_(x, [0, offset_height, offset_width, 0], [-1, target_height, target_width, -1])


def pad_to_bounding_box(image, offset_height, offset_width, target_height, target_width):
    """Zero-pads to ``[target_height, target_width]``, the image's top-left corner at the offsets.

    Example:
        >>> kf.image.pad_to_bounding_box(image, 2, 2, 32, 32)   # [28, 28, 1] -> [32, 32, 1]
    """
    x = _image(image, "pad_to_bounding_box")
    _check_box(x, "pad_to_bounding_box", [offset_height, offset_width], [target_height, target_width], False)
    hw = x.shape.dims[-3:-1]
    dyn = reshape_ops.shape(x)
    after = []
    for i, (d, o, s) in enumerate(zip(hw, (offset_height, offset_width), (target_height, target_width))):
        size = d if d is not None else dyn[x.shape.ndims - 3 + i]
        after.append(math_ops.subtract(math_ops.subtract(s, o), size) if any(is_tensor_like(v) for v in (o, s, size))
                     else s - o - size)
    pads = ([[0, 0]] if x.shape.ndims == 4 else []) + [[offset_height, after[0]], [offset_width, after[1]], [0, 0]]
    if any(is_tensor_like(v) for row in pads for v in row):  # shape_ops.pad takes a [rank, 2] tensor then
        pads = stack([stack([cast(v, dtypes.int32) if is_tensor_like(v) else v for v in row]) for row in pads])
    return shape_ops.pad(x, pads)


def resize_image_with_crop_or_pad(image, target_height, target_width):
    """Centrally crops and/or zero-pads each image to ``[target_height, target_width]`` (static sizes).

    Example:
        >>> kf.image.resize_image_with_crop_or_pad(image, 24, 40)
    """
    x = _image(image, "resize_image_with_crop_or_pad")
    h, w = _static_hw(x, "resize_image_with_crop_or_pad")
    if target_height <= 0 or target_width <= 0:
        raise ValueError("resize_image_with_crop_or_pad: target sizes must be positive, got %s"
                         % ([target_height, target_width],))
    crop_h, crop_w = min(h, target_height), min(w, target_width)
    x = crop_to_bounding_box(x, max((h - target_height) // 2, 0), max((w - target_width) // 2, 0), crop_h, crop_w)
    return pad_to_bounding_box(x, max((target_height - h) // 2, 0), max((target_width - w) // 2, 0),
                               target_height, target_width)


resize_with_crop_or_pad = resize_image_with_crop_or_pad


def random_crop(value, size, seed=None, name=None):
    """A random ``size`` block of ``value`` (any rank), every offset equally likely.

    Example:
        >>> kf.image.random_crop(image, [24, 24, 3], seed=1)
    """
    x = convert_to_tensor(value, name="value")
    size = convert_to_tensor(size, dtype=dtypes.int32, name="size")
    dims = x.shape.dims
    if dims is not None and size.shape.dims is not None and size.shape.as_list() not in ([len(dims)], [None]):
        raise ValueError("random_crop: size must have one entry per dimension of value (shape %s), got shape %s"
                         % (x.shape, size.shape))
    limit = math_ops.add(math_ops.subtract(reshape_ops.shape(x), size), 1)
    offset = math_ops.mod(random_uniform(reshape_ops.shape(size), 0, dtypes.int32.max, dtype=dtypes.int32,
                                         seed=seed), limit)
    return slice_(x, offset, size, name=name or "random_crop")

