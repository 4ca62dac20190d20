"""Convolutions with few input channels on the CPU (kflow/engine/ops/conv_ops.py): the narrow-patch im2col
(L2-sized chunks, whole-row chunks of one image, the column-shift copy for one input channel), the bias + relu
epilogue run inside the convolution's chunk loop, and the per-tap col2im of the input gradient.

Float32 results are compared with a float64 reference at rtol 1e-5, atol 1e-5 of the reference's largest value
(the sums have <= 800 terms); float64 results at 1e-10; gradients are checked numerically in float64.
"""
import itertools

import numpy as np
import pytest

import kflow as kf
from kflow.engine import bias_relu_rewrites, blas_threads, rewrites
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import batch_parallel, conv_ops, winograd

RNG = np.random.default_rng(7)
GEOMETRIES = [  # padding, strides, dilations (Winograd never takes these: Cin <= 3 or strides/dilations)
    ("SAME", (1, 1), (1, 1)), ("VALID", (1, 1), (1, 1)), ("SAME", (2, 2), (1, 1)), ("VALID", (2, 1), (1, 1)),
    ("SAME", (1, 1), (2, 2)), (("EXPLICIT", (2, 1), (0, 3)), (1, 2), (1, 1))]


def _pads(size, k, s, d, padding, axis):
    eff = (k - 1) * d + 1
    if padding == "SAME":
        out = -(-size // s)
        total = max((out - 1) * s + eff - size, 0)
        return out, total // 2
    before, after = (0, 0) if padding == "VALID" else padding[1 + axis]
    return (size + before + after - eff) // s + 1, before


def _reference(x, w, strides, padding, dilations):
    """float64 direct convolution: the sum over kernel positions of shifted input slices times the filter."""
    x, w = x.astype(np.float64), w.astype(np.float64)
    n, h, wd, c = x.shape
    kh, kw, _, oc = w.shape
    (sh, sw), (dh, dw) = strides, dilations
    oh, top = _pads(h, kh, sh, dh, padding, 0)
    ow, left = _pads(wd, kw, sw, dw, padding, 1)
    big = np.zeros((n, h + 2 * (kh * dh + sh * oh), wd + 2 * (kw * dw + sw * ow), c))
    oy, ox = kh * dh + sh * oh, kw * dw + sw * ow
    big[:, oy:oy + h, ox:ox + wd] = x
    out = np.zeros((n, oh, ow, oc))
    for i, j in itertools.product(range(kh), range(kw)):
        r0, c0 = oy - top + i * dh, ox - left + j * dw
        patch = big[:, r0:r0 + sh * (oh - 1) + 1:sh, c0:c0 + sw * (ow - 1) + 1:sw]
        out += patch @ w[i, j]
    return out


def _conf(padding, strides, dilations):
    return tuple(strides), padding, tuple(dilations)


def _assert_close32(got, want):
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5 * max(1.0, float(np.abs(want).max())))


def _kernel_grads(x, w, dy, conf):
    """(dX, dW) from the backprop kernels."""
    return (conv_ops._input_grad_kernel(w, dy, x.shape, conf=conf),
            conv_ops._filter_grad_kernel(x, dy, w.shape, conf=conf))


def _reference_grads(x, w, dy, strides, padding, dilations):
    """float64 (dX, dW) of sum(dy * conv(x, w)), from the reference's linearity in each argument."""
    x, w, dy = x.astype(np.float64), w.astype(np.float64), dy.astype(np.float64)
    dw = np.zeros(w.shape)
    for idx in np.ndindex(*w.shape[:3]):
        unit = np.zeros(w.shape[:3] + (1,))
        unit[idx] = 1.0
        dw[idx] = np.einsum("nhwo,nhw->o", dy, _reference(x, unit, strides, padding, dilations)[..., 0])
    dx = np.zeros(x.shape)
    for idx in np.ndindex(*x.shape[1:]):
        unit = np.zeros((1,) + x.shape[1:])
        unit[(0,) + idx] = 1.0
        dx[(slice(None),) + idx] = np.einsum("nhwo,hwo->n", dy, _reference(unit, w, strides, padding, dilations)[0])
    return dx, dw


@pytest.mark.parametrize("cin", [1, 3])
@pytest.mark.parametrize("padding,strides,dilations", GEOMETRIES)
def test_forward_and_both_gradients_match_float64_reference(cin, padding, strides, dilations):
    x = RNG.standard_normal((3, 11, 10, cin)).astype(np.float32)
    w = RNG.standard_normal((5, 3, cin, 8)).astype(np.float32)
    conf = _conf(padding, strides, dilations)
    want = _reference(x, w, strides, padding, dilations)
    y = conv_ops._conv2d_kernel(x, w, conf=conf)
    _assert_close32(y, want)
    dy = RNG.standard_normal(y.shape).astype(np.float32)
    dx, dw = _kernel_grads(x, w, dy, conf)
    want_dx, want_dw = _reference_grads(x, w, dy, strides, padding, dilations)
    _assert_close32(dx, want_dx)
    _assert_close32(dw, want_dw)


@pytest.mark.parametrize("padding,strides,dilations", GEOMETRIES[:5])
def test_deep_mnist_conv1_shape_matches_reference_in_float64(padding, strides, dilations):
    x, w = RNG.standard_normal((4, 28, 28, 1)), RNG.standard_normal((5, 5, 1, 32))
    conf = _conf(padding, strides, dilations)
    np.testing.assert_allclose(conv_ops._conv2d_kernel(x, w, conf=conf),
                               _reference(x, w, strides, padding, dilations), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("cin", [1, 2])
def test_row_chunks_of_one_image_and_several_pad_groups(monkeypatch, cin):
    """Chunks smaller than one image (a few output rows each) and groups of one image."""
    monkeypatch.setattr(conv_ops, "SMALL_CHUNK_BYTES", 3000)
    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 2000)
    x = RNG.standard_normal((3, 19, 17, cin)).astype(np.float32)
    w = RNG.standard_normal((5, 5, cin, 6)).astype(np.float32)
    for padding, strides in [("SAME", (1, 1)), ("VALID", (2, 1))]:
        conf = _conf(padding, strides, (1, 1))
        rows = conv_ops._chunk_rows(np, 25 * cin, 6, 4)
        assert rows < x.shape[1] * x.shape[2] // strides[0]  # the case under test: an image spans chunks
        y = conv_ops._conv2d_kernel(x, w, conf=conf)
        _assert_close32(y, _reference(x, w, strides, padding, (1, 1)))
        dy = RNG.standard_normal(y.shape).astype(np.float32)
        _assert_close32(conv_ops._filter_grad_kernel(x, dy, w.shape, conf=conf),
                        _reference_grads(x, w, dy, strides, padding, (1, 1))[1])


def test_thread_split_gives_the_same_values(monkeypatch):
    x = RNG.standard_normal((32, 28, 28, 1)).astype(np.float32)
    w = RNG.standard_normal((5, 5, 1, 32)).astype(np.float32)
    conf = _conf("SAME", (1, 1), (1, 1))
    dy = RNG.standard_normal((32, 28, 28, 32)).astype(np.float32)
    results, splits = [], []
    split = batch_parallel._split
    monkeypatch.setattr(batch_parallel, "_split", lambda fn, n, parts: (splits.append(parts), split(fn, n, parts)))
    for threads in (1, 2):
        monkeypatch.setattr(batch_parallel, "thread_count", lambda: threads)
        results.append([conv_ops._conv2d_kernel(x, w, conf=conf), *_kernel_grads(x, w, dy, conf)])
    if blas_threads.available():
        assert splits == [2, 2, 2]  # the forward and both gradients ran in two threads
    for one, two in zip(*results):
        np.testing.assert_allclose(one, two, rtol=1e-6, atol=1e-6 * float(np.abs(one).max()))
    _assert_close32(results[0][0], _reference(x, w, (1, 1), "SAME", (1, 1)))


@pytest.mark.parametrize("relu", [True, False])
@pytest.mark.parametrize("shape,use_winograd", [((6, 28, 28, 1), False), ((5, 12, 12, 16), True)])
def test_epilogue_in_the_conv_loop_matches_bias_and_relu_after_it(relu, shape, use_winograd):
    x = RNG.standard_normal(shape).astype(np.float32)
    w = RNG.standard_normal((3, 3, shape[3], 40)).astype(np.float32)
    b = RNG.standard_normal(40).astype(np.float32)
    conf = _conf("SAME", (1, 1), (1, 1))
    assert winograd.chooses(x.shape, w.shape, conf, x.dtype)[0] == use_winograd

    def conv(*args, **kw):
        return conv_ops._conv2d_kernel(*args, conf=conf, **kw)

    got = bias_relu_rewrites._bias_relu_kernel(conv, 2, relu, 0, True)(x, w, b)
    want = _reference(x, w, (1, 1), "SAME", (1, 1)) + b
    _assert_close32(got, np.maximum(want, 0) if relu else want)


def test_block_epilogue_on_blocks_longer_than_a_piece_and_ragged():
    b = np.arange(7, dtype=np.float64) - 3
    block = RNG.standard_normal((bias_relu_rewrites.EPILOGUE_PIECE // 7 * 2 + 5, 7))
    want = np.maximum(block + b, 0)
    bias_relu_rewrites.block_epilogue(b, True)(block)
    np.testing.assert_array_equal(block, want)
    empty = np.zeros((0, 7))
    bias_relu_rewrites.block_epilogue(b, False)(empty)
    assert empty.shape == (0, 7)
    with pytest.raises(ValueError, match=r"bias has 7 values .* shape \(4, 6\)"):
        bias_relu_rewrites.block_epilogue(b, True)(np.zeros((4, 6)))


def test_tf1_conv_bias_relu_is_fused_and_equals_unfused():
    x_val = RNG.standard_normal((20, 28, 28, 1)).astype(np.float32)
    w_val = RNG.standard_normal((5, 5, 1, 32)).astype(np.float32)
    values = []
    for flag in (True, False):
        g = kf.Graph()
        with g.as_default():
            x = kf.placeholder(kf.float32, [None, 28, 28, 1])
            w = kf.Variable(w_val)
            b = kf.Variable(np.linspace(-1, 1, 32).astype(np.float32))
            h = kf.nn.relu(kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)
            grads = kf.gradients(kf.reduce_sum(h * h), [w, b])
            init = kf.global_variables_initializer()
            with rewrites.enabled(flag), kf.Session(graph=g) as sess:
                sess.run(init)
                values.append(sess.run([h] + grads, {x: x_val}))
                applied = sorted(n for e in sess._plans.values() for n in rewrites.applied_rewrites(e[0]))
                assert ("conv2d_bias_relu" in applied) == flag
    for on, off in zip(*values):
        np.testing.assert_allclose(on, off, rtol=1e-5, atol=1e-5 * float(np.abs(off).max()))


@pytest.mark.parametrize("cin", [1, 3])
@pytest.mark.parametrize("padding,strides,dilations", [GEOMETRIES[0], GEOMETRIES[2], GEOMETRIES[4]])
def test_float64_gradient_check(cin, padding, strides, dilations):
    x, w = RNG.standard_normal((2, 9, 8, cin)), RNG.standard_normal((5, 5, cin, 4))
    b = RNG.standard_normal(4) * 0.1

    def fn(a, f, bias):
        return kf.nn.relu(kf.nn.conv2d(a, f, [1, *strides, 1], padding, dilations=[1, *dilations, 1]) + bias)

    check_gradients(fn, [x, w, b])


@pytest.mark.parametrize("cin", [1, 8])
def test_filter_gradient_of_a_window_larger_than_the_input_is_zero(cin):
    x = RNG.standard_normal((2, 2, 2, cin)).astype(np.float32)
    dw = conv_ops._filter_grad_kernel(x, np.ones((2, 0, 0, 4), np.float32), (3, 3, cin, 4),
                                      conf=_conf("VALID", (1, 1), (1, 1)))
    np.testing.assert_array_equal(dw, np.zeros((3, 3, cin, 4), np.float32))
