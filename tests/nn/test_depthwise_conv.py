"""depthwise_conv2d (native forms and backprops), separable_conv2d and atrous_conv2d: values against
per-channel conv2d / numpy references, float64 gradients (first and second order), NCHW, errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(4)
X = RNG.standard_normal((2, 6, 7, 3))
W = RNG.standard_normal((3, 2, 3, 2))
CASES = [([1, 1, 1, 1], "SAME", None), ([1, 2, 2, 1], "VALID", None), ([1, 1, 1, 1], "SAME", [2, 2]),
         ([1, 2, 1, 1], [[0, 0], [1, 2], [0, 1], [0, 0]], None)]


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def _numpy_depthwise(x, w, stride, pad):
    """Direct loops over output pixels (VALID after explicit zero padding)."""
    x = np.pad(x, [[0, 0], pad[0], pad[1], [0, 0]])
    kh, kw, c, m = w.shape
    oh, ow = (x.shape[1] - kh) // stride[0] + 1, (x.shape[2] - kw) // stride[1] + 1
    out = np.zeros((x.shape[0], oh, ow, c, m))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i * stride[0]:i * stride[0] + kh, j * stride[1]:j * stride[1] + kw]
            out[:, i, j] = np.einsum("nijc,ijcm->ncm", patch, w)
    return out.reshape(x.shape[0], oh, ow, c * m)


def test_depthwise_matches_direct_loops():
    np.testing.assert_allclose(_run(kf.nn.depthwise_conv2d(X, W, [1, 2, 1, 1], "VALID")),
                               _numpy_depthwise(X, W, (2, 1), [[0, 0], [0, 0]]), rtol=1e-12)
    # SAME with a 3x2 window, stride 1: pads (1, 1) rows and (0, 1) columns, as TF
    np.testing.assert_allclose(_run(kf.nn.depthwise_conv2d_native(X, W, [1, 1, 1, 1], "SAME")),
                               _numpy_depthwise(X, W, (1, 1), [[1, 1], [0, 1]]), rtol=1e-12)


@pytest.mark.parametrize("strides,padding,rate", CASES)
def test_depthwise_equals_per_channel_conv2d_and_gradients(strides, padding, rate):
    y = kf.nn.depthwise_conv2d(X, W, strides, padding, rate=rate)
    ref = [kf.nn.conv2d(X[..., c:c + 1], W[:, :, c:c + 1, :], strides, padding, dilations=rate) for c in range(3)]
    np.testing.assert_allclose(_run(y), np.concatenate(_run(ref), -1), rtol=1e-12, atol=1e-12)
    check_gradients(lambda a, b: kf.nn.depthwise_conv2d(a, b, strides, padding, rate=rate), [X, W])
    check_gradients(lambda a, b: kf.gradients(kf.reduce_sum(kf.nn.depthwise_conv2d(a, b, strides, padding,
                                                                                  rate=rate) ** 2), [a, b]), [X, W])


def test_native_backprops_are_the_gradients():
    dy = RNG.standard_normal((2, 6, 7, 6))
    x_t, w_t = kf.constant(X), kf.constant(W)
    y = kf.nn.depthwise_conv2d_native(x_t, w_t, [1, 1, 1, 1], "SAME")
    gx, gw = kf.gradients(y, [x_t, w_t], grad_ys=kf.constant(dy))
    bx = kf.nn.depthwise_conv2d_native_backprop_input([2, 6, 7, 3], W, dy, [1, 1, 1, 1], "SAME")
    bw = kf.nn.depthwise_conv2d_native_backprop_filter(X, [3, 2, 3, 2], dy, [1, 1, 1, 1], "SAME")
    a, b, c, d = _run([gx, gw, bx, bw])
    np.testing.assert_allclose(a, c)
    np.testing.assert_allclose(b, d)


def test_nchw_separable_and_atrous():
    nchw = _run(kf.nn.depthwise_conv2d(X.transpose(0, 3, 1, 2), W, [1, 1, 1, 1], "SAME", data_format="NCHW"))
    np.testing.assert_allclose(nchw.transpose(0, 2, 3, 1), _run(kf.nn.depthwise_conv2d(X, W, [1, 1, 1, 1], "SAME")))
    pw = RNG.standard_normal((1, 1, 6, 4))
    sep = kf.nn.separable_conv2d(X, W, pw, [1, 1, 1, 1], "SAME")
    ref = np.einsum("nhwc,co->nhwo", _run(kf.nn.depthwise_conv2d(X, W, [1, 1, 1, 1], "SAME")), pw[0, 0])
    np.testing.assert_allclose(_run(sep), ref, rtol=1e-12)
    check_gradients(lambda a, b, c: kf.nn.separable_conv2d(a, b, c, [1, 1, 1, 1], "VALID"), [X, W, pw])
    f = RNG.standard_normal((2, 2, 3, 4))
    np.testing.assert_allclose(_run(kf.nn.atrous_conv2d(X, f, 2, "SAME")),
                               _run(kf.nn.conv2d(X, f, [1, 1, 1, 1], "SAME", dilations=[1, 2, 2, 1])))


def test_depthwise_errors():
    with pytest.raises(ValueError, match="input depth 3 does not match the filter's in_channels 4"):
        kf.nn.depthwise_conv2d(X, np.zeros((3, 3, 4, 1)), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="does not fit"):
        kf.nn.depthwise_conv2d(X, np.zeros((9, 1, 3, 1)), [1, 1, 1, 1], "VALID")
    with pytest.raises(TypeError, match="floating"):
        kf.nn.depthwise_conv2d(X.astype(np.int32), W.astype(np.int32), [1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="rate must be >= 1"):
        kf.nn.atrous_conv2d(X, W, 0, "SAME")
