"""``kf.image`` colour and value adjustments: dtype conversion, grey/HSV, brightness, contrast, saturation, hue,
gamma, their random variants, per-image standardization and total variation.

Integer images are converted to float (``convert_image_dtype``: [0, 1]), adjusted, and converted back, as TF1
does. Brightness, contrast, gamma, standardization and total variation are built from differentiable kflow
ops; saturation and hue go through HSV (TF's RGBToHSV/HSVToRGB, which have no gradient in TF1 either).

Example:
    >>> x = kf.image.convert_image_dtype(uint8_images, kf.float32)        # [0, 255] -> [0, 1]
    >>> x = kf.image.random_brightness(x, 0.2, seed=1)
    >>> x = kf.image.per_image_standardization(x)
"""
from kflow.engine import dtypes
from kflow.engine.ops import math_ops, reduction_ops, reshape_ops, unary_math_ops
from kflow.engine.ops.clip_ops import clip_by_value
from kflow.engine.ops.concat_ops import concat, unstack, stack
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.identity_ops import identity
from kflow.engine.ops.random_ops import random_uniform
from kflow.engine.ops.image_ops import rgb_to_hsv, hsv_to_rgb

_GREY_WEIGHTS = [0.2989, 0.5870, 0.1140]  # TF's rgb_to_grayscale (ITU-R 601-2 luma)


def convert_image_dtype(image, dtype, saturate=False, name=None):
    """Converts between image dtypes, rescaling values: floats are in [0, 1], integers in [0, MAX].

    As TF: int -> float divides by MAX; float -> int multiplies by MAX + 0.5 and truncates (``saturate`` clips
    to the range first); int -> int shifts by the bit-width difference.

    Example:
        >>> kf.image.convert_image_dtype(kf.constant([[[255]]], kf.uint8), kf.float32)   # [[[1.0]]]
    """
    x = convert_to_tensor(image, name="image")
    dtype = dtypes.as_dtype(dtype)
    for dt, what in ((x.dtype, "image"), (dtype, "target")):
        if not (dt.is_floating or dt.is_integer):
            raise TypeError("convert_image_dtype: the %s dtype must be an integer or floating type, got %s"
                            % (what, dt.name))
    if x.dtype is dtype:
        return identity(x, name=name)
    if x.dtype.is_integer and dtype.is_integer:
        in_max, out_max = int(x.dtype.max), int(dtype.max)
        if in_max > out_max:
            return cast(math_ops.floordiv(x, (in_max + 1) // (out_max + 1)), dtype, name=name)
        return math_ops.multiply(cast(x, dtype), (out_max + 1) // (in_max + 1), name=name)
    if x.dtype.is_floating and dtype.is_floating:
        return cast(x, dtype, name=name)
    if x.dtype.is_integer:
        return math_ops.multiply(cast(x, dtype), 1.0 / float(x.dtype.max), name=name)
    scaled = math_ops.multiply(x, float(dtype.max) + 0.5)
    if saturate:
        scaled = clip_by_value(scaled, float(dtype.min), float(dtype.max))
    return cast(scaled, dtype, name=name)


def _like(value, dtype):
    """``value`` (a Python number, list or tensor) as a tensor of ``dtype``, without a float32 detour."""
    return cast(value, dtype) if is_tensor_like(value) else convert_to_tensor(value, dtype=dtype)


def _as_float(image):
    x = convert_to_tensor(image, name="image")
    return x, (x if x.dtype.is_floating else convert_image_dtype(x, dtypes.float32))


def _back(adjusted, original, saturate=False):
    return adjusted if original.dtype.is_floating else convert_image_dtype(adjusted, original.dtype, saturate)


def _rgb(x, op_name):
    if x.shape.ndims is None or x.shape.ndims == 0 or x.shape.dims[-1] not in (None, 3):
        raise ValueError("%s: images need 3 channels in the last dimension, got shape %s" % (op_name, x.shape))


def rgb_to_grayscale(images, name=None):
    """The luma of RGB images (last dimension 3 -> 1), in the input's dtype.

    Example:
        >>> kf.image.rgb_to_grayscale(rgb)   # [..., 3] -> [..., 1]
    """
    x, flt = _as_float(images)
    _rgb(x, "rgb_to_grayscale")
    grey = reduction_ops.reduce_sum(math_ops.multiply(flt, _like(_GREY_WEIGHTS, flt.dtype)), -1, keepdims=True)
    return _back(grey, x)


def grayscale_to_rgb(images, name=None):
    """Repeats a 1-channel image into 3 channels."""
    x = convert_to_tensor(images, name="images")
    if x.shape.ndims is None or x.shape.dims[-1] not in (None, 1):
        raise ValueError("grayscale_to_rgb: images need 1 channel in the last dimension, got shape %s" % x.shape)
    return concat([x, x, x], -1, name=name or "grayscale_to_rgb")


def adjust_brightness(image, delta):
    """Adds ``delta`` to every (float-converted) value.

    Example:
        >>> kf.image.adjust_brightness(image, 0.1)
    """
    x, flt = _as_float(image)
    return _back(math_ops.add(flt, _like(delta, flt.dtype)), x)


def adjust_contrast(images, contrast_factor):
    """``(x - mean) * contrast_factor + mean`` with the mean over each image's height and width per channel."""
    x, flt = _as_float(images)
    mean = reduction_ops.reduce_mean(flt, [-3, -2], keepdims=True)
    factor = _like(contrast_factor, flt.dtype)
    return _back(math_ops.add(math_ops.multiply(math_ops.subtract(flt, mean), factor), mean), x, saturate=True)


def adjust_gamma(image, gamma=1, gain=1):
    """``gain * image ** gamma`` (integer images are scaled to [0, 1] first).

    Example:
        >>> kf.image.adjust_gamma(image, gamma=2.2)
    """
    x, flt = _as_float(image)
    if isinstance(gamma, (int, float)) and gamma < 0:
        raise ValueError("adjust_gamma: gamma must be non-negative, got %r" % (gamma,))
    out = math_ops.multiply(_like(gain, flt.dtype), math_ops.pow(flt, _like(gamma, flt.dtype)))
    return _back(out, x, saturate=True)


def _hsv_adjust(image, fn):
    x, flt = _as_float(image)
    _rgb(x, "adjust_hue/adjust_saturation")
    h, s, v = unstack(rgb_to_hsv(flt), axis=-1)
    h, s = fn(h, s)
    return _back(hsv_to_rgb(stack([h, s, v], axis=-1)), x)


def adjust_saturation(image, saturation_factor, name=None):
    """Scales the HSV saturation by ``saturation_factor`` (clipped to [0, 1])."""
    return _hsv_adjust(image, lambda h, s: (h, clip_by_value(math_ops.multiply(s, _like(saturation_factor, s.dtype)),
                                                             0.0, 1.0)))


def adjust_hue(image, delta, name=None):
    """Rotates the HSV hue by ``delta`` (in [-1, 1]; the hue wraps around)."""
    return _hsv_adjust(image, lambda h, s: (math_ops.mod(math_ops.add(h, _like(delta, h.dtype)), 1.0), s))


def _factor(lower, upper, seed, op_name):
    if not lower <= upper:
        raise ValueError("%s: lower must be <= upper, got %r and %r" % (op_name, lower, upper))
    if lower < 0:
        raise ValueError("%s: lower must be non-negative, got %r" % (op_name, lower))
    return random_uniform([], lower, upper, seed=seed)


def random_brightness(image, max_delta, seed=None):
    """``adjust_brightness`` by a delta drawn from [-max_delta, max_delta)."""
    if max_delta < 0:
        raise ValueError("random_brightness: max_delta must be non-negative, got %r" % (max_delta,))
    return adjust_brightness(image, random_uniform([], -max_delta, max_delta, seed=seed))


def random_contrast(image, lower, upper, seed=None):
    """``adjust_contrast`` by a factor drawn from [lower, upper)."""
    return adjust_contrast(image, _factor(lower, upper, seed, "random_contrast"))


def random_saturation(image, lower, upper, seed=None):
    """``adjust_saturation`` by a factor drawn from [lower, upper)."""
    return adjust_saturation(image, _factor(lower, upper, seed, "random_saturation"))


def random_hue(image, max_delta, seed=None):
    """``adjust_hue`` by a delta drawn from [-max_delta, max_delta), ``max_delta`` in [0, 0.5]."""
    if not 0 <= max_delta <= 0.5:
        raise ValueError("random_hue: max_delta must be in [0, 0.5], got %r" % (max_delta,))
    return adjust_hue(image, random_uniform([], -max_delta, max_delta, seed=seed))


def per_image_standardization(image):
    """``(x - mean) / max(stddev, 1 / sqrt(num_values))`` per image (3-D or 4-D), as float32 for integers.

    Example:
        >>> kf.image.per_image_standardization(image)
    """
    x = convert_to_tensor(image, name="image")
    if x.shape.ndims not in (3, 4):
        raise ValueError("per_image_standardization: image must be 3-D or 4-D, got shape %s" % x.shape)
    flt = x if x.dtype.is_floating else cast(x, dtypes.float32)
    axes = [-3, -2, -1]
    mean = reduction_ops.reduce_mean(flt, axes, keepdims=True)
    centered = math_ops.subtract(flt, mean)
    stddev = unary_math_ops.sqrt(reduction_ops.reduce_mean(unary_math_ops.square(centered), axes, keepdims=True))
    count = cast(reduction_ops.reduce_prod(reshape_ops.shape(flt)[-3:]), flt.dtype)
    floor = unary_math_ops.rsqrt(count)
    return math_ops.divide(centered, math_ops.maximum(stddev, floor))


def total_variation(images, name=None):
    """The sum of absolute differences of neighbouring pixels (a scalar for 3-D, [batch] for 4-D).

    Example:
        >>> loss = kf.reduce_sum(kf.image.total_variation(generated))
    """
    x = convert_to_tensor(images, name="images")
    if x.shape.ndims not in (3, 4):
        raise ValueError("total_variation: images must be 3-D or 4-D, got shape %s" % x.shape)
    axes = [-3, -2, -1]
    down = unary_math_ops.abs(math_ops.subtract(x[..., 1:, :, :], x[..., :-1, :, :]))
    right = unary_math_ops.abs(math_ops.subtract(x[..., :, 1:, :], x[..., :, :-1, :]))
    return math_ops.add(reduction_ops.reduce_sum(down, axes), reduction_ops.reduce_sum(right, axes),
                        name=name or "total_variation")
