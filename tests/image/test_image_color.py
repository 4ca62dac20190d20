"""kf.image colour ops: convert_image_dtype (TF's scaling rules), grey/HSV, adjustments and their random
variants, per_image_standardization, total_variation: values against numpy/colorsys, float64 gradients, errors."""
import colorsys

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(11)
RGB = RNG.uniform(0, 1, (2, 4, 5, 3))


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def test_convert_image_dtype_rules():
    u8 = np.array([0, 1, 127, 255], np.uint8).reshape(1, 2, 2, 1)
    np.testing.assert_allclose(_run(kf.image.convert_image_dtype(u8, kf.float32)), u8 / 255.0, rtol=1e-6)
    f = np.array([0.0, 0.5, 1.0, 1.2, -0.1]).reshape(1, 5, 1)
    # TF: float -> uint8 multiplies by 255.5 and truncates (0.5 -> 127)
    assert _run(kf.image.convert_image_dtype(f, kf.uint8, saturate=True)).ravel().tolist() == [0, 127, 255, 255, 0]
    assert _run(kf.image.convert_image_dtype(f[:, :3], kf.uint8)).ravel().tolist() == [0, 127, 255]
    assert _run(kf.image.convert_image_dtype(u8, kf.int32)).ravel().tolist() == [0, 1 << 23, 127 << 23, 255 << 23]
    i32 = np.array([0, 1 << 23, (127 << 23) + 5, 2 ** 31 - 1], np.int32)
    assert _run(kf.image.convert_image_dtype(i32, kf.uint8)).tolist() == [0, 1, 127, 255]
    assert _run(kf.image.convert_image_dtype(f, kf.float64)).dtype == np.float64
    with pytest.raises(TypeError, match="convert_image_dtype.*bool"):
        kf.image.convert_image_dtype(f, kf.bool)


def test_grayscale_and_hsv():
    grey = _run(kf.image.rgb_to_grayscale(RGB))
    np.testing.assert_allclose(grey, RGB @ np.array([0.2989, 0.5870, 0.1140])[:, None], rtol=1e-6)
    u8 = (RGB * 255).astype(np.uint8)
    assert _run(kf.image.rgb_to_grayscale(u8)).dtype == np.uint8
    np.testing.assert_array_equal(_run(kf.image.grayscale_to_rgb(grey)), np.repeat(grey, 3, -1))
    hsv = _run(kf.image.rgb_to_hsv(RGB))
    ref = np.array([colorsys.rgb_to_hsv(*p) for p in RGB.reshape(-1, 3)]).reshape(RGB.shape)
    np.testing.assert_allclose(hsv, ref, atol=1e-12)
    np.testing.assert_allclose(_run(kf.image.hsv_to_rgb(ref)), RGB, atol=1e-12)
    grey_pixels = np.array([[[0.3, 0.3, 0.3], [0.0, 0.0, 0.0]]])
    np.testing.assert_allclose(_run(kf.image.rgb_to_hsv(grey_pixels)), [[[0, 0, 0.3], [0, 0, 0]]])


def test_adjustments_against_numpy():
    np.testing.assert_allclose(_run(kf.image.adjust_brightness(RGB, 0.1)), RGB + 0.1)
    mean = RGB.mean(axis=(1, 2), keepdims=True)
    np.testing.assert_allclose(_run(kf.image.adjust_contrast(RGB, 1.7)), (RGB - mean) * 1.7 + mean)
    np.testing.assert_allclose(_run(kf.image.adjust_gamma(RGB, 2.2, 0.9)), 0.9 * RGB ** 2.2)
    ref = np.array([colorsys.hsv_to_rgb(*(lambda h, s, v: (h, min(s * 0.4, 1.0), v))(*colorsys.rgb_to_hsv(*p)))
                    for p in RGB.reshape(-1, 3)]).reshape(RGB.shape)
    np.testing.assert_allclose(_run(kf.image.adjust_saturation(RGB, 0.4)), ref, atol=1e-12)
    ref = np.array([colorsys.hsv_to_rgb(*(lambda h, s, v: ((h + 0.3) % 1.0, s, v))(*colorsys.rgb_to_hsv(*p)))
                    for p in RGB.reshape(-1, 3)]).reshape(RGB.shape)
    np.testing.assert_allclose(_run(kf.image.adjust_hue(RGB, 0.3)), ref, atol=1e-12)
    u8 = np.array([[[10, 250, 128]]], np.uint8)
    assert _run(kf.image.adjust_brightness(u8, 0.5 / 255)).dtype == np.uint8


def test_random_adjustments_stay_in_range():
    x = kf.constant(RGB)
    delta = kf.image.random_brightness(x, 0.2, seed=1) - x
    d = _run(delta)
    assert np.allclose(d, d.flat[0]) and -0.2 <= d.flat[0] < 0.2
    mean = RGB.mean(axis=(1, 2), keepdims=True)
    c = _run(kf.image.random_contrast(x, 0.5, 1.5, seed=2))
    factor = ((c - mean) / (RGB - mean)).ravel()
    assert np.allclose(factor, factor[0]) and 0.5 <= factor[0] < 1.5
    s = _run(kf.image.rgb_to_hsv(kf.image.random_saturation(x, 0.2, 0.3, seed=3)))[..., 1]
    ratio = s / _run(kf.image.rgb_to_hsv(x))[..., 1]
    assert np.allclose(ratio, ratio.flat[0]) and 0.2 <= ratio.flat[0] < 0.3
    assert _run(kf.image.random_hue(x, 0.1, seed=4)).shape == RGB.shape
    with pytest.raises(ValueError, match="random_hue.*0.5"):
        kf.image.random_hue(x, 0.7)
    with pytest.raises(ValueError, match="random_contrast.*lower"):
        kf.image.random_contrast(x, 0.8, 0.2)


def test_per_image_standardization_and_total_variation():
    out = _run(kf.image.per_image_standardization(RGB))
    flat = RGB.reshape(2, -1)
    ref = (flat - flat.mean(1, keepdims=True)) / np.maximum(flat.std(1, keepdims=True), 1 / np.sqrt(60))
    np.testing.assert_allclose(out.reshape(2, -1), ref, rtol=1e-10)
    const = _run(kf.image.per_image_standardization(np.full((2, 2, 1), 7, np.uint8)))
    assert const.dtype == np.float32 and np.all(const == 0)
    tv = _run(kf.image.total_variation(RGB))
    ref = np.abs(np.diff(RGB, axis=1)).sum((1, 2, 3)) + np.abs(np.diff(RGB, axis=2)).sum((1, 2, 3))
    np.testing.assert_allclose(tv, ref)
    assert _run(kf.image.total_variation(RGB[0])).shape == ()


def test_differentiable_adjustments_float64():
    for fn in (lambda t: kf.image.adjust_brightness(t, 0.2), lambda t: kf.image.adjust_contrast(t, 0.6),
               lambda t: kf.image.adjust_gamma(t, 1.5, 2.0), kf.image.per_image_standardization,
               kf.image.total_variation, kf.image.rgb_to_grayscale):
        check_gradients(fn, [RGB + 0.05])


def test_hsv_is_not_differentiable_as_in_tf1():
    x = kf.constant(RGB)
    with pytest.raises(LookupError, match="RGBToHSV"):
        kf.gradients(kf.reduce_sum(kf.image.rgb_to_hsv(x)), x)
    with pytest.raises(TypeError, match="RGBToHSV.*float"):
        kf.image.rgb_to_hsv(np.zeros((2, 3), np.int32))
    with pytest.raises(ValueError, match="3 channels"):
        kf.image.rgb_to_hsv(np.zeros((2, 4)))
