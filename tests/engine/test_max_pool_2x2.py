"""The 2x2 stride-2 max-pool kernels (engine/ops/max_pool_2x2.py): bit for bit the generic per-position kernels'
results (pooled values, argmax, gradients with their zero signs), on even and odd sizes, ties, NaN and -inf
windows, both float types, batches split over threads; and through a training plan's fused relu(+bias)
gradient, the same as with the rewrites off."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import rewrites
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import batch_parallel, max_pool_2x2, pool_ops
from kflow.engine.ops.window_geometry import Window


def _same_bits(a, b):
    assert a.dtype == b.dtype and a.shape == b.shape
    assert a.tobytes() == b.tobytes(), "first differences at %s" % (np.argwhere(
        a.view(np.uint8).reshape(a.shape + (-1,)) != b.view(np.uint8).reshape(b.shape + (-1,)))[:3].tolist(),)


def _signed(rng, shape, dtype, low=-2, high=3):
    """Small integers (many ties) with random zero signs (+0 and -0 compare equal but differ in bits)."""
    return (rng.randint(low, high, shape) * rng.choice([1.0, -1.0], shape)).astype(dtype)


def _inputs(shape, dtype, kind, seed=0):
    rng = np.random.RandomState(seed)
    if kind == "random":
        return rng.randn(*shape).astype(dtype)
    if kind == "ties":
        return _signed(rng, shape, dtype)
    if kind == "relu":  # many tied zeros, most windows' maximum positive
        return np.maximum(rng.randn(*shape), 0).astype(dtype)
    if kind == "equal":  # every window a tie
        return np.full(shape, 1.5, dtype)
    x = _signed(rng, shape, dtype)
    flat = x.reshape(-1)
    flat[rng.choice(flat.size, max(1, flat.size // 20), replace=False)] = np.nan
    flat[rng.choice(flat.size, max(1, flat.size // 20), replace=False)] = -np.inf
    x[0, :2, :2, 0] = -np.inf  # a window of -inf only: argmax 0
    return x


def _assert_kernels_match(x, padding, seed=1):
    window = Window((2, 2), (2, 2), padding)
    assert max_pool_2x2.is_2x2(window, x.dtype)
    y, argmax = pool_ops.max_pool_with_argmax(x, window)
    y_ref, argmax_ref = pool_ops.max_pool_with_argmax_by_taps(x, window)
    _same_bits(y, y_ref)
    _same_bits(argmax, argmax_ref)
    _same_bits(y, pool_ops._max_pool_kernel(x, window))  # the inference forward: the same values
    dy = _signed(np.random.RandomState(seed), y.shape, x.dtype, -3, 4)
    dy.reshape(-1)[::7] = np.random.RandomState(seed).randn(len(dy.reshape(-1)[::7]))
    with np.errstate(invalid="ignore"):
        if dy.size > 3:
            dy.reshape(-1)[3] = np.inf  # inf * a miss: NaN, as in the generic kernel
        dx = pool_ops.max_pool_grad_from_argmax(x, argmax, dy, window)
        dx_ref = pool_ops.max_pool_grad_from_argmax_by_taps(x, argmax_ref, dy, window)
    _same_bits(dx, dx_ref)
    return y, argmax, dx


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("kind", ["random", "ties", "relu", "equal", "nan"])
@pytest.mark.parametrize("shape", [(3, 8, 6, 5), (3, 7, 9, 2), (2, 5, 4, 3), (2, 4, 5, 1), (2, 3, 3, 4),
                                   (2, 2, 2, 3)])
def test_kernels_match_the_generic_ones_bit_for_bit(shape, kind, dtype, padding):
    _assert_kernels_match(_inputs(shape, dtype, kind), padding)


@pytest.mark.parametrize("shape", [(2, 1, 1, 3), (2, 1, 6, 2), (2, 5, 1, 2)])
def test_same_pools_of_a_single_row_or_column(shape):
    for kind in ("ties", "nan"):
        _assert_kernels_match(_inputs(shape, np.float32, kind), "SAME")


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
@pytest.mark.parametrize("shape", [(300, 12, 12, 64), (257, 13, 11, 48)])
def test_large_batches_split_over_threads_and_blocks(shape, padding):
    assert np.prod(shape) // 4 >= 2 ** 18  # the kernels split the batch and walk each part in several blocks
    assert batch_parallel.l2_block(np.empty(shape, np.float32)) < shape[0] // 2
    _assert_kernels_match(_inputs(shape, np.float32, "nan", seed=5), padding)


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_small_batches_forced_over_two_threads_in_one_image_blocks(threaded, padding):
    assert batch_parallel.l2_block(np.empty((6, 7, 9, 3), np.float32)) == 1
    for kind in ("ties", "nan"):
        _assert_kernels_match(_inputs((6, 7, 9, 3), np.float64, kind, seed=6), padding)


def test_first_maximum_in_row_major_order_gets_the_gradient():
    window = Window((2, 2), (2, 2), "VALID")
    cases = {  # window (row-major) -> expected argmax
        (1, 5, 5, 0): 1, (5, 1, 5, 5): 0, (0, 1, 5, 5): 2, (0, 1, 2, 5): 3, (0, 5, 5, 5): 1, (3, 3, 3, 3): 0,
        (-np.inf,) * 4: 0, (1, np.nan, 2, 3): max_pool_2x2.NO_POSITION, (5, 1, 1, np.nan): max_pool_2x2.NO_POSITION}
    x = np.array([list(k) for k in cases], np.float32).reshape(len(cases), 2, 2, 1)
    y, argmax = pool_ops.max_pool_with_argmax(x, window)
    np.testing.assert_array_equal(argmax.reshape(-1), list(cases.values()))
    dx = pool_ops.max_pool_grad_from_argmax(x, argmax, np.full(y.shape, 2.0, np.float32), window)
    expected = np.zeros((len(cases), 4), np.float32)
    for i, k in enumerate(cases.values()):
        if k != max_pool_2x2.NO_POSITION:
            expected[i, k] = 2.0
    np.testing.assert_array_equal(dx.reshape(len(cases), 4), expected)


def test_signed_zeros_keep_the_generic_kernels_bits():
    # the pooled value of tied zeros is the last tied input (np.maximum keeps its second operand); the gradient
    # of a miss is dy * 0 (-0 for a negative dy), and VALID's zero-filled accumulation turns -0 into +0
    x = np.array([[0.0, -0.0, -0.0, -1.0], [-0.0, 0.0, 0.0, -0.0], [0.0, 0.0, -0.0, 0.0]], np.float32)
    for shape in [(3, 2, 2, 1), (1, 2, 6, 1)]:
        for padding in ("VALID", "SAME"):
            _assert_kernels_match(x.reshape(shape), padding)
    odd = np.concatenate([x.reshape(1, 2, 6, 1), -np.zeros((1, 1, 6, 1), np.float32)], axis=1)
    _assert_kernels_match(odd, "SAME")
    _, _, dx = _assert_kernels_match(odd, "VALID")
    assert not np.signbit(dx[0, 2]).any()  # the dropped odd row: +0, as the generic zero fill


def test_non_contiguous_inputs():
    base = _inputs((4, 6, 10, 8), np.float64, "ties")
    x = base.transpose(0, 2, 1, 3)  # as an NCHW input reaches the kernel: a strided view
    assert not x.flags.c_contiguous
    _assert_kernels_match(x, "SAME")
    _assert_kernels_match(x[:, :, :, ::2], "VALID")


def test_other_windows_and_types_keep_the_generic_kernels():
    assert not max_pool_2x2.is_2x2(Window((3, 3), (2, 2), "VALID"), np.float32)
    assert not max_pool_2x2.is_2x2(Window((2, 2), (1, 1), "VALID"), np.float32)
    assert not max_pool_2x2.is_2x2(Window((2, 2), (2, 2), "VALID", dilations=(2, 2)), np.float32)
    assert not max_pool_2x2.is_2x2(Window((2, 2), (2, 2), ("EXPLICIT", (0, 1), (0, 1))), np.float32)
    assert not max_pool_2x2.is_2x2(Window((2, 2), (2, 2), "VALID"), np.int32)
    assert max_pool_2x2.is_2x2(Window((2, 2), (2, 2), "SAME"), np.float16)


def _train_step(x_value, padding, bias, flag):
    """(pooled, d relu-input, d bias) of sum(max_pool(relu(x * 1 + b)) * weights) with the rewrites on/off."""
    dtype = x_value.dtype
    rng = np.random.RandomState(7)
    with kf.Graph().as_default(), rewrites.enabled(flag):
        x = kf.placeholder(dtype, [None] + list(x_value.shape[1:]))
        b = kf.constant(rng.randn(x_value.shape[-1]).astype(dtype) * 0.1)
        pre = x * kf.constant(1.0, dtype)
        pre = kf.nn.bias_add(pre, b) if bias else pre
        p = kf.nn.max_pool(kf.nn.relu(pre), [1, 2, 2, 1], [1, 2, 2, 1], padding)
        weights = kf.constant(rng.randn(*p.shape.as_list()[1:]).astype(dtype))
        wrt = [x, b] if bias else [x]
        with kf.Session() as sess:
            values = sess.run([p] + kf.gradients(kf.reduce_sum(p * weights), wrt), {x: x_value})
            applied = sorted(n for entry in sess._plans.values() for n in rewrites.applied_rewrites(entry[0]))
    return values, applied


@pytest.mark.parametrize("size, padding", [(10, "VALID"), (11, "VALID"), (11, "SAME"), (24, "VALID")])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [False, True])
def test_fused_relu_gradient_in_a_training_plan_matches_rewrites_off(size, padding, dtype, bias):
    x = _inputs((40, size, size, 16), dtype, "ties", seed=3)
    on, applied = _train_step(x, padding, bias, True)
    off, none = _train_step(x, padding, bias, False)
    assert none == [] and "max_pool_argmax_relu_grad" + ("_bias_grad" if bias else "") in applied
    _same_bits(on[0], off[0])
    if padding == "VALID" and size % 2:
        # known, and the same with the generic kernels: the unfused MaxPoolGrad zero-fills and accumulates where
        # an input lies in no window, so its (0 + dy) * relu_mask is -0 where dy < 0 and the mask 0; the fused
        # 0 + (dy * mask) is +0 there: equal values, other zero signs
        np.testing.assert_array_equal(on[1], off[1])
    else:
        _same_bits(on[1], off[1])  # zero signs included
    if bias:
        np.testing.assert_allclose(on[2], off[2], rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-4)


def test_gradient_check_through_the_2x2_kernels():
    x = np.random.RandomState(4).randn(2, 5, 7, 3)  # odd sizes: SAME border windows
    for padding in ("VALID", "SAME"):
        def f(x, padding=padding):
            return kf.nn.max_pool(x * x, [1, 2, 2, 1], [1, 2, 2, 1], padding)
        check_gradients(f, [x])
