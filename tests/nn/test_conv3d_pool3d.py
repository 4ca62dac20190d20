"""conv3d (and its backprops), max_pool3d, avg_pool3d: values against direct numpy loops (TF's SAME padding
and valid-count averaging), float64 gradients (second order for conv3d and avg_pool3d), errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(9)
X = RNG.standard_normal((2, 4, 5, 3, 2))
W = RNG.standard_normal((2, 3, 2, 2, 3))


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def _same_pads(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, (total // 2, total - total // 2)


def _windows(x, ksize, strides, padding, fill):
    """Yields (output index, window) over a padded copy, for direct reference loops."""
    pads, outs = [], []
    for size, k, s in zip(x.shape[1:4], ksize, strides):
        if padding == "SAME":
            o, p = _same_pads(size, k, s)
        else:
            o, p = (size - k) // s + 1, (0, 0)
        outs.append(o)
        pads.append(p)
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    for idx in np.ndindex(*outs):
        sl = tuple(slice(i * s, i * s + k) for i, s, k in zip(idx, strides, ksize))
        yield idx, xp[(slice(None),) + sl]
    return outs


@pytest.mark.parametrize("strides,padding", [((1, 1, 1), "SAME"), ((2, 1, 2), "VALID"), ((1, 2, 1), "SAME")])
def test_conv3d_matches_loops_and_gradients(strides, padding):
    got = _run(kf.nn.conv3d(X, W, [1, *strides, 1], padding))
    for idx, win in _windows(X, W.shape[:3], strides, padding, 0.0):
        np.testing.assert_allclose(got[(slice(None),) + idx], np.einsum("nabci,abcio->no", win, W), rtol=1e-10)
    check_gradients(lambda a, b: kf.nn.conv3d(a, b, [1, *strides, 1], padding), [X, W])
    check_gradients(lambda a, b: kf.gradients(kf.reduce_sum(kf.nn.conv3d(a, b, [1, *strides, 1], padding) ** 2),
                                              [a, b]), [X, W])


def test_conv3d_backprops_and_dilation():
    dy = RNG.standard_normal((2, 4, 5, 3, 3))
    x_t, w_t = kf.constant(X), kf.constant(W)
    gx, gw = kf.gradients(kf.nn.conv3d(x_t, w_t, [1, 1, 1, 1, 1], "SAME"), [x_t, w_t], grad_ys=kf.constant(dy))
    bx = kf.nn.conv3d_backprop_input_v2([2, 4, 5, 3, 2], W, dy, [1, 1, 1, 1, 1], "SAME")
    bw = kf.nn.conv3d_backprop_filter_v2(X, [2, 3, 2, 2, 3], dy, [1, 1, 1, 1, 1], "SAME")
    a, b, c, d = _run([gx, gw, bx, bw])
    np.testing.assert_allclose(a, c)
    np.testing.assert_allclose(b, d)
    dilated = np.zeros((3, 5, 3, 2, 3))
    dilated[::2, ::2, ::2] = W
    np.testing.assert_allclose(_run(kf.nn.conv3d(X, W, [1, 1, 1, 1, 1], "VALID", dilations=[1, 2, 2, 2, 1])[..., :1]),
                               _run(kf.nn.conv3d(X, dilated[:, :, :, :, :1], [1, 1, 1, 1, 1], "VALID")), rtol=1e-12)


@pytest.mark.parametrize("ksize,strides,padding", [((2, 2, 2), (2, 2, 1), "SAME"), ((2, 3, 2), (1, 1, 1), "VALID"),
                                                    ((3, 3, 3), (2, 2, 2), "SAME")])
def test_pool3d_match_loops_and_gradients(ksize, strides, padding):
    mx = _run(kf.nn.max_pool3d(X, [1, *ksize, 1], [1, *strides, 1], padding))
    av = _run(kf.nn.avg_pool3d(X, [1, *ksize, 1], [1, *strides, 1], padding))
    ones = np.ones_like(X[:1, ..., :1])
    counts = dict(_windows(ones, ksize, strides, padding, 0.0))
    for idx, win in _windows(X, ksize, strides, padding, -np.inf):
        np.testing.assert_allclose(mx[(slice(None),) + idx], win.max(axis=(1, 2, 3)))
        valid = np.where(np.isfinite(win), win, 0).sum(axis=(1, 2, 3))
        np.testing.assert_allclose(av[(slice(None),) + idx], valid / counts[idx].sum(), rtol=1e-12)
    check_gradients(lambda a: kf.nn.max_pool3d(a, [1, *ksize, 1], [1, *strides, 1], padding), [X])
    check_gradients(lambda a: kf.nn.avg_pool3d(a, [1, *ksize, 1], [1, *strides, 1], padding), [X])
    check_gradients(lambda a: kf.gradients(kf.reduce_sum(kf.nn.avg_pool3d(a, [1, *ksize, 1], [1, *strides, 1],
                                                                          padding) ** 2), a)[0], [X])


def test_conv3d_pool3d_errors():
    with pytest.raises(ValueError, match="input depth 2 does not match the filter's in_channels 4"):
        kf.nn.conv3d(X, np.zeros((1, 1, 1, 4, 1)), [1, 1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="rank-5"):
        kf.nn.conv3d(X[0], W, [1, 1, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="does not fit"):
        kf.nn.max_pool3d(X, [1, 5, 1, 1, 1], [1, 1, 1, 1, 1], "VALID")
    with pytest.raises(ValueError, match="padding must be 'SAME' or 'VALID'"):
        kf.nn.avg_pool3d(X, 2, 2, "FULL")
    with pytest.raises(ValueError, match="NDHWC"):
        kf.nn.conv3d(X, W, [1, 1, 1, 1, 1], "SAME", data_format="NCDHW")
