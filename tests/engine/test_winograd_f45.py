"""F(4x4, 5x5) Winograd (kflow/engine/ops/winograd.py): which transform a 5x5 convolution takes, its float32 error
against float64, forward and both gradients against the im2col path and numerical gradients through it, and the
buffer helpers the transforms run on (row pitch, even chunks, overlap-add).

Tolerances: F(4x4, 5x5) (points 0, +-1, +-2, +-1/2, infinity) measured at most 1.0e-5 float32 error relative to
the largest |value| of forward, input gradient and filter gradient, over uniform and normal inputs with 8-256
channels (F(3x3, 5x5) on the same inputs: 8.7e-6); F45_FLOAT32_TOL holds it to 2e-5.
"""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import winograd, winograd_transforms

from test_winograd import (FLOAT64_TOL, assert_close, assert_threaded_split_matches_serial,  # noqa: F401
                           assert_winograd_matches_im2col, direct_conv, path)  # (path: a fixture)

RNG = np.random.default_rng(45)
F45_FLOAT32_TOL = 2e-5


def _picks(oh, ow):
    t = winograd.transform(5, oh, ow)
    return t.m, t.a


@pytest.mark.parametrize("oh,ow,m", [(14, 14, 4), (28, 28, 4), (24, 24, 4), (13, 11, 4), (8, 8, 4),
                                     (9, 9, 3), (5, 5, 3), (3, 3, 3), (6, 6, 3)])
def test_5x5_kernels_take_the_transform_with_fewer_transformed_elements(oh, ow, m):
    assert _picks(oh, ow)[0] == m
    works = {t.m: winograd_transforms.transformed_elements(t, oh, ow) for t in winograd_transforms.TRANSFORMS[5]}
    assert works[m] == min(works.values())


def test_ties_take_the_smaller_tile_and_3x3_kernels_keep_f4x4():
    # 12x12: F(3x3) 16 tiles of 49 = 784, F(4x4) 9 of 64 = 576; 4x4: F(3x3) 4 of 49 = 196, F(4x4) 1 of 64
    assert _picks(12, 12) == (4, 8) and _picks(4, 4) == (4, 8)
    assert _picks(1, 1) == (3, 7)  # 49 vs 64
    assert {winograd.transform(3, n, n).m for n in (4, 14, 24, 26, 28)} == {4}


def test_f4x4_5x5_matrices_compute_the_1d_correlation():
    t = winograd.transform(5, 14, 14)
    at, g, bt = t.matrices(np.float64)
    assert (at.shape, g.shape, bt.shape) == ((4, 8), (8, 5), (8, 8))
    for _ in range(5):
        d, f = RNG.standard_normal(8), RNG.standard_normal(5)
        np.testing.assert_allclose(at @ ((g @ f) * (bt @ d)), [d[i:i + 5] @ f for i in range(4)],
                                   rtol=1e-12, atol=1e-12)


F45_SHAPES = [  # (n, h, w, c, oc, pads): all take F(4x4, 5x5) for the forward pass
    (4, 14, 14, 32, 64, (2, 2, 2, 2)),     # deep MNIST conv2
    (3, 13, 11, 16, 24, (2, 2, 2, 2)),     # odd sizes: cropped tiles on both axes
    (2, 12, 12, 32, 8, (0, 0, 0, 0)),      # VALID: the input gradient takes the forward pass's adjoint
    (2, 16, 16, 128, 64, (2, 2, 2, 2)),
    (2, 9, 10, 256, 16, (1, 2, 0, 3)),     # uneven padding
    (1, 10, 9, 3, 5, (-1, 2, 1, 0)),       # a cropped input row
]


@pytest.mark.parametrize("dist", ["uniform", "normal"])
@pytest.mark.parametrize("shape", F45_SHAPES)
def test_f45_float32_error_against_float64(shape, dist):
    n, h, wd, c, oc, pads = shape
    oh, ow = h + pads[0] + pads[1] - 4, wd + pads[2] + pads[3] - 4
    assert _picks(oh, ow)[0] == 4
    x = RNG.random((n, h, wd, c)) if dist == "uniform" else RNG.standard_normal((n, h, wd, c))
    w = RNG.uniform(-1, 1, (5, 5, c, oc)) * np.sqrt(6.0 / (25 * (c + oc)))
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    x64, w64 = x32.astype(np.float64), w32.astype(np.float64)  # the same values: only the arithmetic differs
    y = winograd.conv2d(x32, w32, pads)
    assert y.dtype == np.float32
    assert_close(y, direct_conv(x64, w64, pads), F45_FLOAT32_TOL)
    assert_close(winograd.conv2d(x64, w64, pads), direct_conv(x64, w64, pads), FLOAT64_TOL)
    dy = RNG.standard_normal(y.shape).astype(np.float32)
    dx, dw = winograd.input_grad(w32, dy, pads, x.shape), winograd.filter_grad(x32, dy, pads, w.shape)
    assert dx.dtype == dw.dtype == np.float32
    assert_close(dx, winograd.input_grad(w64, dy.astype(np.float64), pads, x.shape), F45_FLOAT32_TOL)
    assert_close(dw, winograd.filter_grad(x64, dy.astype(np.float64), pads, w.shape), F45_FLOAT32_TOL)


@pytest.mark.parametrize("shape,adjoint", [((2, 14, 14, 32, 64, "SAME"), False),
                                           ((3, 12, 12, 6, 9, "VALID"), True),
                                           ((2, 13, 11, 5, 7, "SAME"), False),
                                           ((1, 15, 13, 4, 3, "VALID"), True)])
def test_f45_kernels_match_the_im2col_path(shape, adjoint, path):
    n, h, wd, c, oc, padding = shape
    conf = ((1, 1), padding, (1, 1))
    x, w = RNG.random((n, h, wd, c)), RNG.standard_normal((5, 5, c, oc)) * 0.1
    oh, ow = (h, wd) if padding == "SAME" else (h - 4, wd - 4)
    assert _picks(oh, ow)[0] == 4
    assert_winograd_matches_im2col(path, x, w, conf)
    # the input gradient: the forward pass's adjoint (VALID) or a convolution with the flipped filter (SAME)
    assert path.calls.count("conv2d") == 1 + (not adjoint)


@pytest.mark.parametrize("x_shape,padding", [((1, 8, 8, 2), "SAME"), ((2, 12, 12, 2), "VALID"),
                                             ((1, 9, 7, 2), "SAME"),
                                             ((1, 11, 10, 2), [[0, 0], [3, 0], [1, 2], [0, 0]])])
def test_gradients_check_numerically_through_f45(x_shape, padding, path, monkeypatch):
    taken = []
    pick = winograd.transform

    def recorded(r, oh, ow):
        taken.append(pick(r, oh, ow).m)
        return pick(r, oh, ow)

    monkeypatch.setattr(winograd, "transform", recorded)
    path.use(True)
    x, w = RNG.standard_normal(x_shape), RNG.standard_normal((5, 5, 2, 3))
    check_gradients(lambda a, b: kf.nn.conv2d(a, b, [1, 1, 1, 1], padding), [x, w])
    assert {"conv2d", "input_grad", "filter_grad"} <= set(path.calls)
    assert 4 in taken


def test_f45_threaded_split_gives_the_one_thread_values(threaded):
    x = RNG.random((7, 14, 14, 16)).astype(np.float32)
    w = RNG.standard_normal((5, 5, 16, 8)).astype(np.float32)
    dy = RNG.standard_normal((7, 14, 14, 8)).astype(np.float32)
    assert_threaded_split_matches_serial(threaded, x, w, dy, (2, 2, 2, 2), F45_FLOAT32_TOL)


@pytest.mark.parametrize("cols,dtype", [(4096, np.float32), (6400, np.float32), (1, np.float32), (100, np.float64),
                                        (2048, np.float64)])
def test_pitched_rows_lie_an_odd_number_of_cache_lines_apart(cols, dtype):
    buf = winograd._pitched("test-pitched", 6, cols, dtype)
    assert buf.shape == (6, cols) and buf.dtype == dtype and buf.strides[1] == buf.itemsize
    lines, rest = divmod(buf.strides[0], 64)
    assert rest == 0 and lines % 2 == 1 and buf.strides[0] >= cols * buf.itemsize
    buf[:] = np.arange(6 * cols).reshape(6, cols)  # rows are distinct memory
    assert buf[5, -1] == 6 * cols - 1 and buf[0, 0] == 0


@pytest.mark.parametrize("start,stop,step", [(0, 25, 8), (25, 50, 8), (0, 8, 8), (0, 1, 8), (3, 20, 1), (5, 5, 4)])
def test_chunks_cover_the_range_in_even_sizes(start, stop, step):
    chunks = list(winograd._chunks(start, stop, step))
    assert [s for s, _ in chunks[1:]] == [e for _, e in chunks[:-1]]
    if stop > start:
        assert chunks[0][0] == start and chunks[-1][1] == stop
        sizes = [e - s for s, e in chunks]
        assert max(sizes) <= step and max(sizes) - min(sizes) <= 1 and len(chunks) == -(-(stop - start) // step)
    else:
        assert chunks == []


@pytest.mark.parametrize("k,m,n", [(8, 4, 3), (7, 3, 5), (3, 3, 2), (5, 2, 4)])
def test_fold_overlap_adds_tiles(k, m, n):
    parts = RNG.standard_normal((k, 2, n, 3))
    dst = np.full((2, n * m + k - m, 3), np.nan)
    winograd._fold(parts, m, dst)
    want = np.zeros_like(dst)
    for i in range(k):
        for t in range(n):
            want[:, t * m + i] += parts[i, :, t]
    np.testing.assert_allclose(dst, want, rtol=1e-14, atol=1e-14)
