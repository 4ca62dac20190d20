import numpy as np
import pytest

import kflow as kf
from kflow.layers import (Conv2D, Conv2DTranspose, MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D,
                          GlobalMaxPooling2D)


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def _same_pad(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2


def conv2d_ref(x, w, stride, padding):
    """NHWC x, HWIO w: a direct loop over output positions."""
    n, h, wd, _ = x.shape
    kh, kw, _, f = w.shape
    if padding == "same":
        oh, ph = _same_pad(h, kh, stride)
        ow, pw = _same_pad(wd, kw, stride)
    else:
        oh, ph, ow, pw = (h - kh) // stride + 1, 0, (wd - kw) // stride + 1, 0
    xp = np.zeros((n, h + kh + stride, wd + kw + stride, x.shape[3]))
    xp[:, ph:ph + h, pw:pw + wd] = x
    out = np.zeros((n, oh, ow, f))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * stride:i * stride + kh, j * stride:j * stride + kw]
            out[:, i, j] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def conv2d_transpose_ref(x, w, stride, padding):
    """x NHWC, w [kh, kw, out_channels, in_channels]: scatter each input position through the kernel."""
    n, h, wd, _ = x.shape
    kh, kw, f, _ = w.shape
    if padding == "same":
        oh, ow = h * stride, wd * stride
        ph = max((h - 1) * stride + kh - oh, 0) // 2
        pw = max((wd - 1) * stride + kw - ow, 0) // 2
    else:
        oh, ow, ph, pw = h * stride + max(kh - stride, 0), wd * stride + max(kw - stride, 0), 0, 0
    full = np.zeros((n, oh + kh + stride, ow + kw + stride, f))
    for i in range(h):
        for j in range(wd):
            full[:, i * stride:i * stride + kh, j * stride:j * stride + kw] += np.einsum("nc,xyfc->nxyf", x[:, i, j],
                                                                                        w)
    return full[:, ph:ph + oh, pw:pw + ow]


@pytest.mark.parametrize("padding,stride", [("valid", 1), ("same", 1), ("same", 2), ("valid", 2)])
def test_conv2d_matches_numpy(padding, stride):
    rng = np.random.RandomState(0)
    xv = rng.randn(2, 7, 6, 3)
    layer = Conv2D(4, (3, 2), strides=stride, padding=padding, bias_initializer=kf.constant_initializer(0.5))
    y = layer(kf.constant(xv))
    assert layer.kernel.name == "conv2d/kernel:0" and layer.kernel.shape.as_list() == [3, 2, 3, 4]
    out, k = _run([y, layer.kernel])
    expect = conv2d_ref(xv, k, stride, padding) + 0.5
    assert y.shape.as_list() == list(expect.shape) == layer.compute_output_shape(xv.shape).as_list()
    np.testing.assert_allclose(out, expect, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("padding,stride", [("same", 2), ("valid", 2), ("valid", 1)])
def test_conv2d_transpose_matches_numpy(padding, stride):
    rng = np.random.RandomState(1)
    xv = rng.randn(2, 3, 4, 5)
    layer = Conv2DTranspose(2, 3, strides=stride, padding=padding)
    y = layer(kf.placeholder_with_default(xv, [None, 3, 4, 5]))
    assert layer.kernel.shape.as_list() == [3, 3, 2, 5]
    out, k = _run([y, layer.kernel])
    expect = conv2d_transpose_ref(xv, k, stride, padding)
    assert y.shape.as_list() == [None] + list(expect.shape[1:])
    np.testing.assert_allclose(out, expect, rtol=1e-6, atol=1e-6)


def test_conv_channels_first_and_functional_names():
    rng = np.random.RandomState(2)
    xv = rng.randn(1, 5, 5, 2)
    nhwc = kf.layers.conv2d(kf.constant(xv), 3, 3, padding="same", name="c")
    nchw = kf.layers.conv2d(kf.constant(xv.transpose(0, 3, 1, 2)), 3, 3, padding="same", data_format="channels_first",
                            name="c", reuse=True)
    assert [v.name for v in kf.global_variables()] == ["c/kernel:0", "c/bias:0"]
    a, b = _run([nhwc, nchw])
    np.testing.assert_allclose(a, b.transpose(0, 2, 3, 1), rtol=1e-6, atol=1e-6)
    d = kf.layers.conv2d_transpose(kf.constant(xv), 4, 2, strides=2, padding="same")
    assert d.shape.as_list() == [1, 10, 10, 4]
    assert kf.global_variables()[-2].name == "conv2d_transpose/kernel:0"


def test_pooling_matches_numpy():
    rng = np.random.RandomState(3)
    xv = rng.randn(2, 6, 4, 3)
    mx = MaxPooling2D(2)(kf.constant(xv))
    av = AveragePooling2D((2, 2), strides=2)(kf.constant(xv))
    fm = kf.layers.max_pooling2d(kf.constant(xv), 3, 3, padding="same")
    gap, gmp = GlobalAveragePooling2D()(kf.constant(xv)), GlobalMaxPooling2D()(kf.constant(xv))
    a, b, c, d, e = _run([mx, av, fm, gap, gmp])
    blocks = xv.reshape(2, 3, 2, 2, 2, 3)
    np.testing.assert_allclose(a, blocks.max(axis=(2, 4)))
    np.testing.assert_allclose(b, blocks.mean(axis=(2, 4)))
    assert c.shape == (2, 2, 2, 3) and fm.shape.as_list() == [2, 2, 2, 3]
    # SAME on width 4 with window 3, stride 3: one column of padding before, so windows cover columns 0-1, 2-3
    np.testing.assert_allclose(c[:, 0, 0], xv[:, :3, :2].max(axis=(1, 2)))
    np.testing.assert_allclose(c[:, 1, 1], xv[:, 3:, 2:].max(axis=(1, 2)))
    np.testing.assert_allclose(d, xv.mean(axis=(1, 2)))
    np.testing.assert_allclose(e, xv.max(axis=(1, 2)))
    assert MaxPooling2D(2).compute_output_shape([None, 7, 7, 3]).as_list() == [None, 3, 3, 3]


def test_conv_errors():
    with pytest.raises(ValueError, match="expected ndim=4"):
        Conv2D(2, 3)(kf.zeros([2, 5, 5]))
    with pytest.raises(ValueError, match="channel dimension"):
        Conv2D(2, 3)(kf.placeholder(kf.float32, [None, 5, 5, None]))
    with pytest.raises(ValueError, match="padding"):
        Conv2D(2, 3, padding="full")


def test_layer_padding_mode_takes_any_case_and_names_the_layer():
    assert Conv2D(2, 3, padding="SAME").padding == "same" and MaxPooling2D(2, padding="Valid").padding == "valid"
    with pytest.raises(ValueError, match="MaxPooling2D.*'valid' or 'same', got 'full'"):
        MaxPooling2D(2, padding="full")


def test_conv2d_layer_gradients():
    from kflow.engine.gradient_check import check_gradients

    rng = np.random.RandomState(4)

    def fn(x, kernel, bias):
        given = {"g/conv2d/kernel": kernel, "g/conv2d/bias": bias}
        with kf.variable_scope("g", custom_getter=lambda getter, name, *a, **k: given[name]):
            return kf.layers.conv2d(x, 2, 2, strides=2, padding="same", activation=kf.tanh)

    check_gradients(fn, [rng.randn(1, 3, 3, 2), rng.randn(2, 2, 2, 2), rng.randn(2)])
