"""Winograd convolutions (kflow/engine/ops/winograd.py): the transforms, the three routines against a float64
direct reference and the im2col path, the selection rule, and numerical gradients through conv2d.

Tolerances: float64 results agree with the reference to 1e-12 of the largest |value|. float32 results agree
with the float64 reference to FLOAT32_TOL = 2e-5 of the largest |value| (measured worst case 6.5e-6, for
F(3x3, 5x5) gradients; im2col's float32 error is ~5e-7 on the same inputs).
"""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import conv_ops, winograd, winograd_transforms

RNG = np.random.default_rng(22)
FLOAT32_TOL = 2e-5
FLOAT64_TOL = 1e-12


def direct_conv(x, w, pads):
    """float64 correlation, one GEMM per kernel position over an explicitly padded (or cropped) input."""
    pt, pb, pl, pr = pads
    xp = np.pad(x.astype(np.float64), ((0, 0), (max(pt, 0), max(pb, 0)), (max(pl, 0), max(pr, 0)), (0, 0)))
    xp = xp[:, max(-pt, 0):xp.shape[1] - max(-pb, 0), max(-pl, 0):xp.shape[2] - max(-pr, 0)]
    r = w.shape[0]
    oh, ow = xp.shape[1] - r + 1, xp.shape[2] - r + 1
    out = np.zeros((x.shape[0], oh, ow, w.shape[3]))
    for i in range(r):
        for j in range(r):
            out += xp[:, i:i + oh, j:j + ow] @ w[i, j].astype(np.float64)
    return out


def assert_close(got, want, tol):
    assert got.shape == want.shape and got.dtype in (np.float32, np.float64)
    scale = max(np.abs(want).max(), 1e-30)
    err = np.abs(got.astype(np.float64) - want).max() / scale
    assert err <= tol, "error %.3g of the largest |value| exceeds %.3g" % (err, tol)


@pytest.fixture
def path(monkeypatch):
    """``path.use(True)`` puts the conv kernels on Winograd wherever it handles the shape, ``path.use(False)``
    on im2col; ``path.calls`` lists the Winograd routines that ran."""
    class Path:
        calls = []

        @staticmethod
        def use(on):
            monkeypatch.setattr(winograd, "chooses", lambda x_shape, w_shape, conf, dtype: (
                on and winograd.handles(x_shape, w_shape, conf, dtype),) * 3)

    for name in ("conv2d", "input_grad", "filter_grad"):
        def counted(*args, _run=getattr(winograd, name), _name=name):
            Path.calls.append(_name)
            return _run(*args)
        monkeypatch.setattr(winograd, name, counted)
    Path.calls = []
    return Path


@pytest.mark.parametrize("m,r,points", [(2, 3, [0, 1, -1]), (4, 3, [0, 1, -1, 2, -0.5]),
                                        (6, 3, [0, 1, -1, 2, -2, 0.5, -0.5]), (3, 5, [0, 1, -1, 0.5, -0.5, 2]),
                                        (2, 5, [0, 1, -1, 2, -2])])
def test_cook_toom_transforms_compute_the_1d_correlation(m, r, points):
    at, g, bt = winograd_transforms.cook_toom(m, r, points)
    assert at.shape == (m, m + r - 1) and g.shape == (m + r - 1, r) and bt.shape == (m + r - 1,) * 2
    for _ in range(5):
        d, f = RNG.standard_normal(m + r - 1), RNG.standard_normal(r)
        want = [d[i:i + r] @ f for i in range(m)]
        np.testing.assert_allclose(at @ ((g @ f) * (bt @ d)), want, rtol=1e-12, atol=1e-12)


def test_cook_toom_rejects_repeated_or_missing_points():
    with pytest.raises(ValueError, match="F\\(4, 3\\) needs 5 distinct finite points"):
        winograd_transforms.cook_toom(4, 3, [0, 1, -1, 1, 2])
    with pytest.raises(ValueError, match="needs 5"):
        winograd_transforms.cook_toom(4, 3, [0, 1, -1])


SHAPES = [  # (n, h, w, c, oc, r, pads): odd/even sizes, batch 1, one channel, many channels, cropped tiles
    (2, 8, 8, 3, 4, 3, (1, 1, 1, 1)),
    (1, 7, 9, 5, 2, 3, (0, 0, 0, 0)),
    (3, 11, 6, 1, 6, 3, (2, 0, 1, 2)),
    (2, 9, 10, 4, 3, 3, (-1, 2, 0, -1)),
    (1, 26, 26, 32, 64, 3, (0, 0, 0, 0)),
    (2, 5, 5, 130, 70, 3, (1, 1, 1, 1)),
    (1, 3, 3, 2, 2, 3, (0, 0, 0, 0)),
    (2, 14, 14, 8, 16, 5, (2, 2, 2, 2)),
    (1, 9, 12, 1, 3, 5, (0, 0, 0, 0)),
    (2, 7, 6, 3, 5, 5, (2, 1, 3, 0)),
    (1, 28, 28, 1, 32, 5, (2, 2, 2, 2)),
]


@pytest.mark.parametrize("dtype,tol", [(np.float64, FLOAT64_TOL), (np.float32, FLOAT32_TOL)])
@pytest.mark.parametrize("shape", SHAPES)
def test_routines_match_the_float64_direct_reference(shape, dtype, tol):
    n, h, wd, c, oc, r, pads = shape
    x = RNG.random((n, h, wd, c)).astype(dtype)  # non-negative, like activations after relu
    w = (RNG.uniform(-1, 1, (r, r, c, oc)) * np.sqrt(6.0 / (r * r * (c + oc)))).astype(dtype)
    want = direct_conv(x, w, pads)
    y = winograd.conv2d(x, w, pads)
    assert y.dtype == dtype
    assert_close(y, want, tol)
    dy = RNG.standard_normal(want.shape).astype(dtype)
    dx = winograd.input_grad(w, dy, pads, x.shape)
    dw = winograd.filter_grad(x, dy, pads, w.shape)
    # the adjoint identities <dy, conv(v, w)> = <dx, v> and <dy, conv(x, v)> = <dw, v>, in float64
    for v_shape, got, conv in [(x.shape, dx, lambda v: direct_conv(v, w, pads)),
                               (w.shape, dw, lambda v: direct_conv(x, v, pads))]:
        v = RNG.standard_normal(v_shape)
        lhs, rhs = np.sum(got.astype(np.float64) * v), np.sum(dy.astype(np.float64) * conv(v))
        assert abs(lhs - rhs) <= tol * 10 * np.sqrt(got.size) * (np.abs(got).max() + 1e-30), (lhs, rhs)


@pytest.mark.parametrize("shape", [(2, 26, 26, 32, 64, 3, "VALID"), (2, 14, 14, 32, 64, 5, "SAME"),
                                   (1, 9, 11, 16, 8, 3, "SAME"), (3, 10, 7, 6, 9, 5, "VALID")])
def test_kernels_through_winograd_match_the_im2col_path(shape, path):
    n, h, wd, c, oc, r, padding = shape
    conf = ((1, 1), padding, (1, 1))
    x, w = RNG.random((n, h, wd, c)), RNG.standard_normal((r, r, c, oc)) * 0.1
    assert_winograd_matches_im2col(path, x, w, conf)
    # input_grad of a SAME convolution runs conv2d on the flipped filter
    assert [c for c in path.calls if c != "conv2d"] == ["input_grad", "filter_grad"]
    assert path.calls.count("conv2d") == (2 if padding == "SAME" else 1)


def assert_winograd_matches_im2col(path, x, w, conf):
    """conv_ops' forward, input and filter gradient kernels with the Winograd path off, then on (``path``
    records the Winograd calls of the second run), agree within FLOAT64_TOL."""
    results = []
    for on in (False, True):
        path.use(on)
        y = conv_ops._conv2d_kernel(x, w, conf=conf)
        dy = np.cos(np.arange(y.size)).reshape(y.shape)
        results.append((y, conv_ops._input_grad_kernel(w, dy, x.shape, conf=conf),
                        conv_ops._filter_grad_kernel(x, dy, w.shape, conf=conf)))
    for got, want in zip(*results[::-1]):
        assert_close(got, want, FLOAT64_TOL)


@pytest.mark.parametrize("r,padding", [(3, "SAME"), (3, "VALID"), (5, "SAME"), (5, "VALID"),
                                       (3, [[0, 0], [2, 0], [0, 1], [0, 0]])])
def test_conv2d_gradients_check_numerically_through_winograd(r, padding, path):
    path.use(True)
    x, w = RNG.standard_normal((2, 7, 6, 3)), RNG.standard_normal((r, r, 3, 4))
    check_gradients(lambda a, b: kf.nn.conv2d(a, b, [1, 1, 1, 1], padding), [x, w])
    assert {"conv2d", "input_grad", "filter_grad"} <= set(path.calls)


def test_second_order_and_transpose_run_through_winograd(path):
    """conv2d_transpose (a Conv2DBackpropInput op) and the gradients of the backprop ops themselves."""
    path.use(True)
    v, w = RNG.standard_normal((2, 6, 6, 4)), RNG.standard_normal((3, 3, 2, 4))
    check_gradients(lambda a, b: kf.nn.conv2d_transpose(a, b, [2, 8, 8, 2], [1, 1, 1, 1], "VALID"), [v, w])
    x, dy = RNG.standard_normal((1, 6, 5, 2)), RNG.standard_normal((1, 6, 5, 3))
    check_gradients(lambda a, g: kf.nn.conv2d_backprop_filter(a, [3, 3, 2, 3], g, [1, 1, 1, 1], "SAME"), [x, dy])
    assert {"conv2d", "input_grad", "filter_grad"} <= set(path.calls)


@pytest.mark.parametrize("x_shape,pads,flipped", [((2, 26, 26, 4), (0, 0, 0, 0), False),  # VALID: 7x7 vs 6x6 tiles
                                                 ((2, 9, 7, 4), (0, 0, 0, 0), False),
                                                 ((2, 26, 26, 4), (1, 1, 1, 1), True),   # SAME: as many tiles
                                                 ((2, 9, 10, 4), (-1, 2, 0, -1), False)])
def test_input_grad_takes_the_form_with_fewer_tiles(x_shape, pads, flipped, path):
    w = RNG.standard_normal((3, 3, 4, 5))
    x = RNG.standard_normal(x_shape)
    dy = RNG.standard_normal(direct_conv(x, w, pads).shape)
    dx = winograd.input_grad(w, dy, pads, x_shape)
    assert path.calls == ["input_grad"] + ["conv2d"] * flipped
    v = RNG.standard_normal(x_shape)
    np.testing.assert_allclose(np.sum(dx * v), np.sum(dy * direct_conv(v, w, pads)), rtol=1e-11)


def assert_threaded_split_matches_serial(threaded, x, w, dy, pads, tol):
    """The three kernels split over threads (the ``threaded`` fixture) give one thread's values within ``tol``."""
    def run():
        return (winograd.conv2d(x, w, pads), winograd.input_grad(w, dy, pads, x.shape),
                winograd.filter_grad(x, dy, pads, w.shape))

    split = run()
    threaded.serial()
    for got, want in zip(split, run()):  # the GEMMs' sizes differ, so float32 roundings may too
        assert_close(got, want.astype(np.float64), tol)


def test_threaded_split_gives_the_one_thread_values(threaded):
    x = RNG.random((6, 10, 10, 8)).astype(np.float32)
    w = RNG.standard_normal((3, 3, 8, 16)).astype(np.float32)
    dy = RNG.standard_normal((6, 10, 10, 16)).astype(np.float32)
    assert_threaded_split_matches_serial(threaded, x, w, dy, (1, 1, 1, 1), FLOAT32_TOL)


def test_zero_bordered_padding_is_not_shared_between_interiors():
    """Two inputs whose padded tile grids have one shape but different interiors (26 vs 25 rows, VALID)."""
    w = RNG.standard_normal((3, 3, 2, 2))
    for h in (26, 25, 26):
        x = RNG.random((1, h, h, 2))
        assert_close(winograd.conv2d(x, w, (0, 0, 0, 0)), direct_conv(x, w, (0, 0, 0, 0)), FLOAT64_TOL)


SAME1, VALID1 = ((1, 1), "SAME", (1, 1)), ((1, 1), "VALID", (1, 1))


@pytest.mark.parametrize("x_shape,w_shape,conf,dtype,expected", [
    ((128, 28, 28, 1), (3, 3, 1, 32), VALID1, np.float32, (False, False, False)),   # MNIST CNN conv1: Cin=1
    ((128, 26, 26, 32), (3, 3, 32, 64), VALID1, np.float32, (True, True, True)),    # MNIST CNN conv2
    ((50, 28, 28, 1), (5, 5, 1, 32), SAME1, np.float32, (False, False, False)),     # deep MNIST conv1
    ((50, 14, 14, 32), (5, 5, 32, 64), SAME1, np.float32, (True, True, True)),      # deep MNIST conv2
    ((8, 28, 28, 64), (3, 3, 64, 64), SAME1, np.float64, (True, True, True)),
    ((8, 28, 28, 3), (3, 3, 3, 32), SAME1, np.float32, (False, False, False)),     # RGB input layer
    ((8, 2, 2, 64), (3, 3, 64, 64), SAME1, np.float32, (False, False, False)),     # 2x2 output: tiles mostly empty
    ((8, 28, 28, 64), (3, 3, 64, 64), ((2, 2), "SAME", (1, 1)), np.float32, (False, False, False)),
    ((8, 28, 28, 64), (3, 3, 64, 64), ((1, 1), "SAME", (2, 2)), np.float32, (False, False, False)),
    ((8, 28, 28, 64), (1, 1, 64, 64), SAME1, np.float32, (False, False, False)),
    ((8, 28, 28, 64), (7, 7, 64, 64), SAME1, np.float32, (False, False, False)),
    ((8, 28, 28, 64), (3, 5, 64, 64), SAME1, np.float32, (False, False, False)),
    ((8, 28, 28, 64), (3, 3, 64, 64), SAME1, np.float16, (False, False, False)),
    ((0, 28, 28, 64), (3, 3, 64, 64), SAME1, np.float32, (False, False, False)),
    ((8, 2, 2, 64), (3, 3, 64, 64), VALID1, np.float32, (False, False, False)),    # no output at all
    ((1, 8, 8, 16), (3, 3, 16, 16), SAME1, np.float32, (False, False, False)),     # too small to pay
    ((16, 8, 8, 16), (3, 3, 16, 16), SAME1, np.float32, (True, True, True)),
])
def test_selection_rule(x_shape, w_shape, conf, dtype, expected):
    assert winograd.chooses(x_shape, w_shape, conf, dtype) == expected


def test_conv_ops_take_the_path_the_rule_chooses(path):
    x = RNG.random((2, 26, 26, 32)).astype(np.float32)
    w = (RNG.standard_normal((3, 3, 32, 64)) * 0.05).astype(np.float32)
    y = kf.nn.conv2d(x, w, 1, "VALID")
    first = kf.nn.conv2d(x[..., :1], w[:, :, :1], 1, "VALID")
    with kf.Session() as sess:
        got, got_first = sess.run([y, first])
    assert path.calls == ["conv2d"]  # the 32-channel layer only; the 1-channel one stays on im2col
    assert_close(got, direct_conv(x, w, (0, 0, 0, 0)), FLOAT32_TOL)
    assert_close(got_first, direct_conv(x[..., :1], w[:, :, :1], (0, 0, 0, 0)), FLOAT32_TOL)
