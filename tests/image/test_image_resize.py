"""kf.image resizing: the four methods against per-pixel references written from TF1's kernels, align_corners and
half_pixel_centers, dtypes, 3-D images, float64 gradient checks (first and second order) and errors."""
import math

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(7)


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def _scale(i, o, align):
    return (i - 1) / (o - 1) if align and o > 1 else i / o


def _ref_bilinear(x, oh, ow, align, half):
    n, h, w, c = x.shape
    out = np.zeros((n, oh, ow, c))
    sh, sw = _scale(h, oh, align), _scale(w, ow, align)
    for y in range(oh):
        for xx in range(ow):
            iy = (y + 0.5) * sh - 0.5 if half else y * sh
            ix = (xx + 0.5) * sw - 0.5 if half else xx * sw
            y0, x0 = math.floor(iy), math.floor(ix)
            dy, dx = iy - y0, ix - x0
            ya, yb = min(max(y0, 0), h - 1), min(max(math.ceil(iy), 0), h - 1)
            xa, xb = min(max(x0, 0), w - 1), min(max(math.ceil(ix), 0), w - 1)
            top = x[:, ya, xa] * (1 - dx) + x[:, ya, xb] * dx
            bottom = x[:, yb, xa] * (1 - dx) + x[:, yb, xb] * dx
            out[:, y, xx] = top * (1 - dy) + bottom * dy
    return out


def _ref_nearest(x, oh, ow, align, half):
    n, h, w, c = x.shape
    sh, sw = _scale(h, oh, align), _scale(w, ow, align)

    def src(o, s, size):
        v = (o + 0.5) * s if half else o * s
        return min(int(math.floor(v + 0.5)) if align else int(math.floor(v)), size - 1)
    rows = [src(y, sh, h) for y in range(oh)]
    cols = [src(xx, sw, w) for xx in range(ow)]
    return x[:, rows][:, :, cols]


def _keys(t, a):
    t = abs(t)
    if t <= 1:
        return ((a + 2) * t - (a + 3)) * t * t + 1
    if t < 2:
        return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
    return 0.0


def _ref_bicubic(x, oh, ow, align, half):
    n, h, w, c = x.shape
    a = -0.5 if half else -0.75

    def taps(o, s, size):
        v = (o + 0.5) * s - 0.5 if half else o * s
        base = math.floor(v)
        idx = [base + k for k in range(-1, 3)]
        wts = [_keys(v - i, a) for i in idx]
        if half:
            wts = [wt if 0 <= i < size else 0.0 for wt, i in zip(wts, idx)]
            total = sum(wts)
            wts = [wt / total for wt in wts]
        return [min(max(i, 0), size - 1) for i in idx], wts
    out = np.zeros((n, oh, ow, c))
    sh, sw = _scale(h, oh, align), _scale(w, ow, align)
    for y in range(oh):
        ry, wy = taps(y, sh, h)
        for xx in range(ow):
            rx, wx = taps(xx, sw, w)
            out[:, y, xx] = sum(wy[i] * wx[j] * x[:, ry[i], rx[j]] for i in range(4) for j in range(4))
    return out


def _ref_area(x, oh, ow, align, half):
    n, h, w, c = x.shape
    sh, sw = _scale(h, oh, align), _scale(w, ow, align)
    out = np.zeros((n, oh, ow, c))
    for y in range(oh):
        y0, y1 = y * sh, (y + 1) * sh
        for xx in range(ow):
            x0, x1 = xx * sw, (xx + 1) * sw
            acc = 0
            for i in range(math.floor(y0), math.ceil(y1)):
                for j in range(math.floor(x0), math.ceil(x1)):
                    acc = acc + (min(i + 1, y1) - max(i, y0)) * (min(j + 1, x1) - max(j, x0)) * x[
                        :, min(i, h - 1), min(j, w - 1)]
            out[:, y, xx] = acc / (sh * sw)
    return out


REFS = {"bilinear": (kf.image.resize_bilinear, _ref_bilinear),
        "nearest": (kf.image.resize_nearest_neighbor, _ref_nearest),
        "bicubic": (kf.image.resize_bicubic, _ref_bicubic),
        "area": (kf.image.resize_area, _ref_area)}
MODES = [(False, False), (True, False), (False, True)]


@pytest.mark.parametrize("method", sorted(REFS))
@pytest.mark.parametrize("align,half", MODES)
@pytest.mark.parametrize("size", [(9, 4), (3, 11), (5, 7)])
def test_resize_ops_match_tf1_kernels(method, align, half, size):
    op, ref = REFS[method]
    if method == "area" and half:
        pytest.skip("ResizeArea has no half_pixel_centers in TF1")
    x = RNG.standard_normal((2, 5, 7, 3))
    kwargs = {"half_pixel_centers": half} if method != "area" else {}
    got = _run(op(x, list(size), align_corners=align, **kwargs))
    np.testing.assert_allclose(got, ref(x, size[0], size[1], align, half), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", sorted(REFS))
def test_resize_gradients_float64(method):
    op = REFS[method][0]
    x = RNG.standard_normal((2, 4, 5, 2))
    kwargs = {"half_pixel_centers": True} if method != "area" else {}
    check_gradients(lambda t: op(t, [7, 3], **kwargs), [x])
    check_gradients(lambda t: kf.gradients(kf.reduce_sum(op(t, [3, 8]) ** 2), t)[0], [x])


def test_resize_images_methods_dtypes_and_3d():
    img = RNG.integers(0, 255, (6, 8, 3)).astype(np.uint8)
    up = kf.image.resize_images(img, [12, 16], method=kf.image.ResizeMethod.NEAREST_NEIGHBOR)
    assert up.dtype == kf.uint8 and up.shape.as_list() == [12, 16, 3]
    np.testing.assert_array_equal(_run(up), np.repeat(np.repeat(img, 2, 0), 2, 1))
    bil = kf.image.resize_images(img, [3, 4], method="bilinear")
    assert bil.dtype == kf.float32
    np.testing.assert_allclose(_run(bil), _ref_bilinear(img[None].astype(np.float64), 3, 4, False, False)[0],
                               rtol=1e-5)
    assert kf.image.resize(img, [6, 8]) is not None and _run(kf.image.resize(img, [6, 8])).dtype == np.uint8
    ratio = kf.image.resize_images(np.zeros((10, 20, 1), np.float32), [10, 10], preserve_aspect_ratio=True)
    assert ratio.shape.as_list() == [5, 10, 1]


def test_resize_dynamic_size_and_shape():
    x = kf.placeholder(kf.float32, [None, None, None, 1])
    size = kf.placeholder(kf.int32, [2])
    y = kf.image.resize_area(x, size)
    assert y.shape.as_list() == [None, None, None, 1]
    with kf.Session() as sess:
        out = sess.run(y, {x: np.ones((1, 4, 4, 1)), size: [2, 2]})
    np.testing.assert_allclose(out, np.ones((1, 2, 2, 1)))
    g = kf.gradients(kf.reduce_sum(y), x)[0]
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: np.ones((1, 4, 4, 1)), size: [2, 2]}), np.full((1, 4, 4, 1), 0.25))


def test_resize_errors():
    with pytest.raises(ValueError, match="ResizeBilinear.*4-D"):
        kf.image.resize_bilinear(np.zeros((2, 3), np.float32), [4, 4])
    with pytest.raises(ValueError, match="positive"):
        kf.image.resize_bilinear(np.zeros((1, 2, 3, 1), np.float32), [0, 4])
    with pytest.raises(ValueError, match="cannot both"):
        kf.image.resize_bilinear(np.zeros((1, 2, 3, 1), np.float32), [4, 4], align_corners=True,
                                 half_pixel_centers=True)
    with pytest.raises(ValueError, match="resize_area.*half_pixel_centers"):
        kf.image.resize_area(np.zeros((1, 2, 3, 1), np.float32), [4, 4], half_pixel_centers=True)
    with pytest.raises(ValueError, match="unknown method"):
        kf.image.resize_images(np.zeros((2, 3, 1), np.float32), [4, 4], method="lanczos")
