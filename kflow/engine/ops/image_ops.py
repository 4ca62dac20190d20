"""Image ops (NHWC): the four resize methods with their gradients, and RGB <-> HSV conversions.

Every resize method of TF1 is a linear map applied separately along the height and the width: the output is
``A_h @ image @ A_w^T`` per image and channel, where ``A`` (out_size x in_size) holds the interpolation
weights of the method (one 1 per row for nearest neighbour, two for bilinear, four for bicubic, the box
overlaps for area). So one kernel serves every method, and the gradient is the same map transposed:
``A_h^T @ grad @ A_w``, whose own gradient is the forward map again. The weights follow TF1's kernels
(``resize_bilinear_op.cc`` etc.), including ``align_corners`` and ``half_pixel_centers``.

Example:
    >>> y = resize(images, [64, 64], "ResizeBilinear", align_corners=False, half_pixel_centers=True)
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops import reshape_ops
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.params import make_param_op, data_grads, ints, partial_shape

METHODS = ("ResizeBilinear", "ResizeNearestNeighbor", "ResizeBicubic", "ResizeArea")


def _scale(in_size, out_size, align_corners):
    if align_corners and out_size > 1:
        return (in_size - 1) / (out_size - 1)
    return in_size / out_size


def _nearest(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    src = (np.arange(out_size) + (0.5 if half_pixel else 0.0)) * scale
    # TF rounds half away from zero (roundf) with align_corners, else floors
    idx = np.floor(src + 0.5) if align_corners else np.floor(src)
    idx = np.clip(idx.astype(np.int64), 0, in_size - 1)
    a = np.zeros((out_size, in_size))
    a[np.arange(out_size), idx] = 1.0
    return a


def _bilinear(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    out = np.arange(out_size)
    src = (out + 0.5) * scale - 0.5 if half_pixel else out * scale
    low = np.floor(src)
    frac = src - low
    lo = np.clip(low.astype(np.int64), 0, in_size - 1)
    hi = np.clip(np.ceil(src).astype(np.int64), 0, in_size - 1)
    a = np.zeros((out_size, in_size))
    np.add.at(a, (out, lo), 1.0 - frac)
    np.add.at(a, (out, hi), frac)
    return a


def _cubic_weights(t, coeff):
    """Keys' cubic convolution weights of the four taps at offsets -1, 0, 1, 2 for fractions ``t``."""
    def near(x):
        return ((coeff + 2) * x - (coeff + 3)) * x * x + 1

    def far(x):
        return ((coeff * x - 5 * coeff) * x + 8 * coeff) * x - 4 * coeff
    return np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)


def _bicubic(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    out = np.arange(out_size)
    src = (out + 0.5) * scale - 0.5 if half_pixel else out * scale
    base = np.floor(src)
    # TF1 legacy resize_bicubic uses a = -0.75; half_pixel_centers uses Keys' a = -0.5 and drops (then
    # renormalizes) the taps that fall outside the image instead of clamping them onto the border
    w = _cubic_weights(src - base, -0.5 if half_pixel else -0.75)
    taps = base.astype(np.int64)[:, None] + np.arange(-1, 3)[None, :]
    if half_pixel:
        w = np.where((taps >= 0) & (taps < in_size), w, 0.0)
        w = w / w.sum(axis=1, keepdims=True)
    a = np.zeros((out_size, in_size))
    np.add.at(a, (np.repeat(out, 4), np.clip(taps, 0, in_size - 1).ravel()), w.ravel())
    return a


def _area(in_size, out_size, align_corners, half_pixel):
    scale = _scale(in_size, out_size, align_corners)
    a = np.zeros((out_size, in_size))
    for o in range(out_size):
        lo, hi = o * scale, (o + 1) * scale
        for i in range(int(np.floor(lo)), int(np.ceil(hi))):
            a[o, min(i, in_size - 1)] += (min(i + 1, hi) - max(i, lo)) / scale
    return a


_WEIGHTS = {"ResizeBilinear": _bilinear, "ResizeNearestNeighbor": _nearest, "ResizeBicubic": _bicubic,
            "ResizeArea": _area}


def _matrices(method, in_hw, out_hw, align_corners, half_pixel_centers, dtype, xp):
    fn = _WEIGHTS[method]
    return [xp.asarray(fn(int(i), int(o), align_corners, half_pixel_centers).astype(dtype))
            for i, o in zip(in_hw, out_hw)]


def _apply(x, ah, aw):
    """``ah @ x @ aw^T`` over the height and width axes of the NHWC batch ``x``."""
    n, h, w, c = x.shape
    # two batched GEMMs (einsum would not reach BLAS here: 10x slower on a 32x224x224x3 batch)
    y = (ah @ x.reshape(n, h, w * c)).reshape(n * ah.shape[0], w, c)
    return (aw @ y).reshape(n, ah.shape[0], aw.shape[0], c)


def _out_dtype(dtype):
    return dtype if dtype.kind == "f" and dtype.itemsize >= 4 else np.dtype(np.float32)


def _resize_kernel(x, size, method, align_corners, half_pixel_centers):
    out_h, out_w = ints(size)
    if x.ndim != 4 or out_h <= 0 or out_w <= 0 or min(x.shape[1:3]) <= 0:
        raise ValueError("%s: needs a non-empty [batch, height, width, channels] image and a positive size, got "
                         "image shape %s and size %s" % (method, x.shape, (out_h, out_w)))
    xp = devices.array_module(x)
    dt = x.dtype if method == "ResizeNearestNeighbor" else _out_dtype(x.dtype)
    work = np.float64 if dt == np.float64 or dt.kind != "f" else dt
    ah, aw = _matrices(method, x.shape[1:3], (out_h, out_w), align_corners, half_pixel_centers, work, xp)
    y = _apply(x.astype(work, copy=False), ah, aw)
    return y.astype(dt, copy=False)


def _resize_grad_kernel(grad, image, method, align_corners, half_pixel_centers):
    xp = devices.array_module(grad)
    ah, aw = _matrices(method, image.shape[1:3], grad.shape[1:3], align_corners, half_pixel_centers, grad.dtype, xp)
    return _apply(grad, ah.T, aw.T).astype(image.dtype if image.dtype.kind == "f" else grad.dtype, copy=False)


def _conf(op):
    return {k: op.attrs[k] for k in ("method", "align_corners", "half_pixel_centers")}


def _resize_grad(op, grad):
    x = op.inputs[0]
    if not x.dtype.is_floating:
        return data_grads(op, [None])
    return data_grads(op, [make_op(RESIZE_GRAD[op.attrs["method"]], [grad, x], [(x.dtype, x.shape)],
                                   params=_conf(op)).outputs[0]])


def _resize_grad_grad(op, grad):
    dy = op.inputs[0]  # the forward output's gradient: the gradient's gradient has its size
    size = partial_shape(reshape_ops.shape(dy))
    size = size[1:3] if size is not None and None not in size[1:3] else gather(reshape_ops.shape(dy), [1, 2])
    return [resize(grad, size, **_conf(op)), None]


RESIZE = {m: OpDef(m, _resize_kernel, grad=_resize_grad) for m in METHODS}
RESIZE_GRAD = {m: OpDef(m + "Grad", _resize_grad_kernel, grad=_resize_grad_grad) for m in METHODS}


def resize(images, size, method, align_corners=False, half_pixel_centers=False, name=None):
    """Resizes the 4-D NHWC ``images`` to ``size`` ([height, width]: ints or an int tensor) with one of
    :data:`METHODS`. Nearest neighbour keeps the dtype; the others give float32 (float64 stays float64).

    Example:
        >>> resize(x, [16, 16], "ResizeArea")      # [8, 32, 32, 3] -> [8, 16, 16, 3]
    """
    x = convert_to_tensor(images)
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise build_error(method, name, [x], "%s: images must be 4-D [batch, height, width, channels], got shape %s"
                          % (method, x.shape))
    if align_corners and half_pixel_centers:
        raise build_error(method, name, [x], "%s: align_corners and half_pixel_centers cannot both be True" % method)
    if not (x.dtype.is_floating or x.dtype.is_integer):
        raise build_error(method, name, [x], "%s: images must be a real number type, got %s" % (method, x.dtype.name),
                          TypeError)
    dims = x.shape.dims or [None] * 4
    static = partial_shape(size)
    if static is not None and (len(static) != 2 or any(s is not None and s <= 0 for s in static)):
        raise build_error(method, name, [x], "%s: size must be 2 positive ints [new_height, new_width], got %r"
                          % (method, size))
    out_dt = x.dtype if method == "ResizeNearestNeighbor" else (
        x.dtype if x.dtype in (dtypes.float32, dtypes.float64) else dtypes.float32)
    out = [dims[0], static[0] if static else None, static[1] if static else None, dims[3]]
    return make_param_op(RESIZE[method], [x], [size], [(out_dt, out)], name or method,
                         kernel_params={"method": method, "align_corners": bool(align_corners),
                                        "half_pixel_centers": bool(half_pixel_centers)}).outputs[0]


# ---- RGB <-> HSV (TF's RGBToHSV / HSVToRGB; not differentiable in TF1) ---------------------------------------
def _rgb_to_hsv_kernel(rgb):
    xp = devices.array_module(rgb)
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = xp.max(rgb, axis=-1)
    rng = v - xp.min(rgb, axis=-1)
    safe = xp.where(rng > 0, rng, 1)
    s = xp.where(v > 0, rng / xp.where(v > 0, v, 1), 0)
    h = xp.where(v == r, (g - b) / safe, xp.where(v == g, (b - r) / safe + 2, (r - g) / safe + 4))
    h = xp.where(rng > 0, h / 6, 0)
    h = xp.where(h < 0, h + 1, h)
    return xp.stack([h, s, v], axis=-1).astype(rgb.dtype, copy=False)


def _hsv_to_rgb_kernel(hsv):
    xp = devices.array_module(hsv)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    dh = (h - xp.floor(h)) * 6
    # each channel is v * (1 - s * clamp(...)) of a piecewise-linear function of the hue sector
    r = xp.clip(xp.abs(dh - 3) - 1, 0, 1)
    g = xp.clip(2 - xp.abs(dh - 2), 0, 1)
    b = xp.clip(2 - xp.abs(dh - 4), 0, 1)
    out = xp.stack([r, g, b], axis=-1)
    return (((out - 1) * s[..., None] + 1) * v[..., None]).astype(hsv.dtype, copy=False)


RGB_TO_HSV = OpDef("RGBToHSV", _rgb_to_hsv_kernel)
HSV_TO_RGB = OpDef("HSVToRGB", _hsv_to_rgb_kernel)


def _color_op(op_def, images, name):
    x = convert_to_tensor(images)
    if not x.dtype.is_floating:
        raise build_error(op_def.type, name, [x], "%s: images must be float, got %s (use convert_image_dtype first)"
                          % (op_def.type, x.dtype.name), TypeError)
    if x.shape.ndims is not None and (x.shape.ndims == 0 or x.shape.dims[-1] not in (None, 3)):
        raise build_error(op_def.type, name, [x], "%s: the last dimension must be 3 channels, got shape %s"
                          % (op_def.type, x.shape))
    return make_op(op_def, [x], [(x.dtype, x.shape)], name or op_def.type).outputs[0]


def rgb_to_hsv(images, name=None):
    """RGB (float, in [0, 1]) to HSV, each channel in [0, 1], as TF's RGBToHSV."""
    return _color_op(RGB_TO_HSV, images, name)


def hsv_to_rgb(images, name=None):
    """HSV (each in [0, 1]) to RGB, as TF's HSVToRGB."""
    return _color_op(HSV_TO_RGB, images, name)
