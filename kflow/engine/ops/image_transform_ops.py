"""``transform_images``: each image resampled through its own projective transform (TF's
``ImageProjectiveTransformV2`` op, under ``tf.contrib.image.transform``), the op under the Keras layers
RandomRotation, RandomZoom and RandomTranslation.

A transform ``[a0, a1, a2, b0, b1, b2, c0, c1]`` maps an output pixel ``(x, y)`` to the input point
``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)`` with ``k = c0 x + c1 y + 1``. Points outside the image
are filled by ``fill_mode``: "reflect" (``d c b a | a b c d | d c b a``), "wrap", "nearest" (the edge pixel)
or "constant" (``fill_value``). The op has no gradient: it augments data before any weight sees it.

Example:
    >>> shifted = transform_images(images, kf.constant([[1, 0, -2, 0, 1, 0, 0, 0]], kf.float32))  # 2 px right
"""
from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor

FILL_MODES = ("reflect", "wrap", "nearest", "constant")
INTERPOLATIONS = ("bilinear", "nearest")


def _map_coordinates(xp, coord, size, fill_mode):
    """Input coordinates folded back into ``[0, size - 1]`` by ``fill_mode`` (constant: left as they are)."""
    if fill_mode == "reflect":
        period = 2 * size
        folded = xp.mod(coord + 0.5, period) - 0.5  # reflection about the pixel edges: period 2 * size
        return xp.clip(xp.where(folded > size - 0.5, period - 1 - folded, folded), 0, size - 1)
    if fill_mode == "wrap":
        return xp.clip(xp.mod(coord + 0.5, size) - 0.5, 0, size - 1)
    if fill_mode == "nearest":
        return xp.clip(coord, 0, size - 1)
    return coord


def _read(xp, images, batch, ys, xs, fill_value):
    """``images[b, y, x]`` at integer coordinates, ``fill_value`` where they fall outside the image."""
    h, w = images.shape[1:3]
    inside = (ys >= 0) & (ys <= h - 1) & (xs >= 0) & (xs <= w - 1)
    values = images[batch, xp.clip(ys, 0, h - 1), xp.clip(xs, 0, w - 1)]
    return xp.where(inside[..., None], values, images.dtype.type(fill_value))


def _transform_kernel(images, transforms, interpolation, fill_mode, fill_value):
    xp = devices.array_module(images)
    n, h, w = images.shape[:3]
    ys, xs = xp.meshgrid(xp.arange(h, dtype=transforms.dtype), xp.arange(w, dtype=transforms.dtype), indexing="ij")
    t = transforms[:, :, None, None]
    k = t[:, 6] * xs + t[:, 7] * ys + 1
    src_x = _map_coordinates(xp, (t[:, 0] * xs + t[:, 1] * ys + t[:, 2]) / k, w, fill_mode)
    src_y = _map_coordinates(xp, (t[:, 3] * xs + t[:, 4] * ys + t[:, 5]) / k, h, fill_mode)
    batch = xp.arange(n)[:, None, None]
    if interpolation == "nearest":
        return _read(xp, images, batch, xp.round(src_y).astype(int), xp.round(src_x).astype(int), fill_value)
    x0, y0 = xp.floor(src_x), xp.floor(src_y)
    fx, fy = (src_x - x0)[..., None].astype(images.dtype), (src_y - y0)[..., None].astype(images.dtype)
    x0, y0 = x0.astype(int), y0.astype(int)
    top = _read(xp, images, batch, y0, x0, fill_value) * (1 - fx) + _read(xp, images, batch, y0, x0 + 1,
                                                                          fill_value) * fx
    bottom = _read(xp, images, batch, y0 + 1, x0, fill_value) * (1 - fx) + _read(xp, images, batch, y0 + 1,
                                                                                 x0 + 1, fill_value) * fx
    return top * (1 - fy) + bottom * fy


IMAGE_PROJECTIVE_TRANSFORM = OpDef("ImageProjectiveTransformV2", _transform_kernel, grad=None)


def transform_images(images, transforms, interpolation="bilinear", fill_mode="reflect", fill_value=0.0, name=None):
    """``images`` ``[batch, height, width, channels]`` resampled through ``transforms`` ``[batch, 8]``."""
    if fill_mode not in FILL_MODES:
        raise ValueError("fill_mode must be one of %s, got %r" % (FILL_MODES, fill_mode))
    if interpolation not in INTERPOLATIONS:
        raise ValueError("interpolation must be one of %s, got %r" % (INTERPOLATIONS, interpolation))
    images, transforms = convert_to_tensor(images), convert_to_tensor(transforms)
    if images.shape.ndims != 4 or transforms.shape.ndims != 2:
        raise ValueError("transform_images: expects images [batch, height, width, channels] and transforms "
                         "[batch, 8], got shapes %s and %s" % (images.shape, transforms.shape))
    params = {"interpolation": interpolation, "fill_mode": fill_mode, "fill_value": float(fill_value)}
    return make_op(IMAGE_PROJECTIVE_TRANSFORM, [images, transforms], [(images.dtype, images.shape)],
                   name or "transform_images", params=params).outputs[0]
