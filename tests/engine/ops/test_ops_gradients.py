"""Numerical gradient checks (float64, central differences along random directions) for every differentiable op.

Each case is ``(id, fn, inputs)``: ``fn`` builds the op from placeholders shaped like ``inputs``; integer
inputs are fed but not differentiated. ``check_gradients`` does the rest.
"""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from op_cases import rand, away_from_zero

A = rand(3, 4, seed=1)
B = rand(3, 4, seed=2)
ROW = rand(4, seed=3)
COL = rand(3, 1, seed=4)
POS = rand(3, 4, low=0.5, high=2.0, seed=5)
CUBE = rand(2, 3, 4, seed=6)
NZ = away_from_zero(3, 4, seed=7)
NZ2 = away_from_zero(3, 4, seed=8)


def _dyn(x):
    """``x`` with an unknown static shape (the reshape target is computed at run time)."""
    return kf.reshape(x, kf.shape(x) + 0)


MATH = [
    ("add", kf.add, [A, B]),
    ("add_broadcast_row", kf.add, [A, ROW]),
    ("add_broadcast_col", kf.add, [COL, A]),
    ("add_scalar", lambda x: x + 2.0, [A]),
    ("subtract_broadcast", kf.subtract, [COL, ROW]),
    ("multiply_broadcast", kf.multiply, [A, ROW]),
    ("multiply_both_broadcast", kf.multiply, [COL, ROW]),
    ("divide_broadcast", kf.divide, [A, away_from_zero(4, seed=9)]),
    ("rdivide", lambda x: 1.5 / x, [NZ]),
    ("mod", kf.mod, [rand(3, 4, low=0.1, high=0.9, seed=10) + 2.0, np.full((3, 4), 1.0)]),
    ("pow", kf.pow, [POS, rand(3, 4, seed=11)]),
    ("pow_broadcast", kf.pow, [POS, rand(4, seed=12)]),
    ("maximum_broadcast", kf.maximum, [NZ, away_from_zero(4, seed=13) * 0.3]),
    ("minimum_broadcast", kf.minimum, [COL * 3.0, NZ]),
    ("squared_difference", kf.squared_difference, [A, ROW]),
    ("negative", kf.negative, [A]),
    ("square", kf.square, [A]),
    ("sqrt", kf.sqrt, [POS]),
    ("rsqrt", kf.rsqrt, [POS]),
    ("reciprocal", kf.reciprocal, [NZ]),
    ("exp", kf.exp, [A]),
    ("log", kf.log, [POS]),
    ("log1p", kf.log1p, [POS]),
    ("abs", kf.abs, [NZ]),
    ("sin", kf.sin, [A]),
    ("cos", kf.cos, [A]),
    ("tanh", kf.tanh, [A]),
    ("sigmoid", kf.sigmoid, [A * 3.0]),
    ("matmul", kf.matmul, [rand(3, 4, seed=14), rand(4, 2, seed=15)]),
    ("matmul_ta", lambda a, b: kf.matmul(a, b, transpose_a=True), [rand(4, 3, seed=14), rand(4, 2, seed=15)]),
    ("matmul_tb", lambda a, b: kf.matmul(a, b, transpose_b=True), [rand(3, 4, seed=14), rand(2, 4, seed=15)]),
    ("matmul_tab", lambda a, b: kf.matmul(a, b, transpose_a=True, transpose_b=True),
     [rand(4, 3, seed=14), rand(2, 4, seed=15)]),
    ("matmul_batched_broadcast", kf.matmul, [rand(2, 3, 4, seed=16), rand(4, 5, seed=17)]),
    ("matmul_batched_1", kf.matmul, [rand(1, 3, 4, seed=16), rand(2, 4, 5, seed=17)]),
    ("matmul_batched_ta_tb", lambda a, b: kf.matmul(a, b, transpose_a=True, transpose_b=True),
     [rand(2, 4, 3, seed=18), rand(2, 5, 4, seed=19)]),
    ("add_n_broadcast", lambda a, b, c: kf.add_n([a, b, c]), [A, B, ROW]),
    ("where_broadcast", lambda x, y: kf.where(x > 0.0, x, y), [NZ, ROW]),
    ("where_rows_tf1", lambda x, y: kf.where(np.array([True, False, True]), x, y), [A, B]),
    ("fill_value", lambda v: kf.fill([2, 3], v), [np.float64(1.5)]),
    ("reshape", lambda x: kf.reshape(x, [4, -1]), [A]),
    ("reshape_dynamic", lambda x: kf.reshape(x, [kf.shape(x)[0], 2, -1]), [A]),
]

REDUCTIONS = [
    ("reduce_sum_all", kf.reduce_sum, [CUBE]),
    ("reduce_sum_axis", lambda x: kf.reduce_sum(x, axis=[0, 2]), [CUBE]),
    ("reduce_sum_keepdims_neg", lambda x: kf.reduce_sum(x, axis=-1, keepdims=True), [CUBE]),
    ("reduce_mean_axis", lambda x: kf.reduce_mean(x, reduction_indices=1), [CUBE]),
    ("reduce_mean_all", kf.reduce_mean, [CUBE]),
    ("reduce_max_axis", lambda x: kf.reduce_max(x, 1), [CUBE]),
    ("reduce_min_keepdims", lambda x: kf.reduce_min(x, [0, 1], keepdims=True), [CUBE]),
    ("reduce_prod", lambda x: kf.reduce_prod(x, 1), [NZ]),
    ("cumsum", lambda x: kf.cumsum(x, axis=1), [CUBE]),
    ("cumsum_exclusive_reverse", lambda x: kf.cumsum(x, axis=-1, exclusive=True, reverse=True), [CUBE]),
]

INDEXING = [
    ("strided_slice", lambda x: x[1:, ::-2], [A]),
    ("strided_slice_ellipsis_newaxis", lambda x: x[..., 0, None], [CUBE]),
    ("strided_slice_tensor_index", lambda x, i: x[i, 1:], [A, np.int32(2)]),
    ("gather_axis0_repeats", lambda x: kf.gather(x, [2, 0, 2]), [A]),
    ("gather_axis2_2d_indices", lambda x, i: kf.gather(x, i, axis=2), [CUBE, np.array([[0, 3], [3, 3]])]),
    ("slice", lambda x: kf.slice(x, [1, 0, 1], [1, -1, 2]), [CUBE]),
    ("slice_dynamic_begin", lambda x, b: kf.slice(x, b, [2, 2]), [A, np.array([1, 1], np.int32)]),
    ("boolean_mask", lambda x: kf.boolean_mask(x, np.array([True, False, True])), [A]),
    ("boolean_mask_axis", lambda x, m: kf.boolean_mask(x, m, axis=1), [CUBE, np.arange(12).reshape(3, 4) % 3 == 0]),
]

SHAPES = [
    ("transpose", lambda x: kf.transpose(x, [2, 0, 1]), [CUBE]),
    ("transpose_default", kf.transpose, [CUBE]),
    ("transpose_dynamic_perm", lambda x, p: kf.transpose(x, p), [CUBE, np.array([1, 2, 0], np.int32)]),
    ("expand_dims", lambda x: kf.expand_dims(x, -1), [A]),
    ("squeeze_axis", lambda x: kf.squeeze(x, [1]), [rand(3, 1, 2, 1)]),
    ("squeeze_all", kf.squeeze, [rand(3, 1, 2, 1)]),
    ("tile", lambda x: kf.tile(x, [2, 1, 3]), [CUBE]),
    ("tile_dynamic", lambda x: kf.tile(x, [kf.shape(x)[0], 2]), [A]),
    ("pad_constant", lambda x: kf.pad(x, [[1, 0], [2, 1]], constant_values=3.0), [A]),
    ("pad_reflect", lambda x: kf.pad(x, [[2, 1], [3, 3]], mode="REFLECT"), [A]),
    ("pad_symmetric", lambda x: kf.pad(x, [[0, 2], [3, 1], [1, 4]], mode="symmetric"), [CUBE]),
    ("reverse", lambda x: kf.reverse(x, [0, -1]), [CUBE]),
    ("broadcast_to", lambda x: kf.broadcast_to(x, [2, 3, 4]), [COL]),
    ("concat", lambda x, y: kf.concat([x, y, x], axis=1), [A, rand(3, 2)]),
    ("concat_dynamic", lambda x, y: kf.concat([_dyn(x), _dyn(y)], axis=0), [A, rand(1, 4)]),
    ("stack", lambda x, y: kf.stack([x, y], axis=1), [A, B]),
    ("unstack_partial", lambda x: kf.unstack(x, axis=1)[1:3], [A]),
    ("split_equal", lambda x: kf.split(x, 2, axis=1)[1], [A]),
    ("split_sizes", lambda x: kf.split(x, [1, -1, 1], axis=2), [CUBE]),
    ("split_dynamic_sizes", lambda x, s: kf.split(x, s, axis=1, num=2), [A, np.array([3, 1], np.int32)]),
    ("einsum_matmul", lambda a, b: kf.einsum("ij,jk->ik", a, b), [A, rand(4, 2)]),
    ("einsum_implicit_sum", lambda a: kf.einsum("ij->i", a), [A]),
    ("einsum_three", lambda a, b, c: kf.einsum("ij,jk,k->i", a, b, c), [A, rand(4, 2), rand(2)]),
    ("einsum_ellipsis_broadcast", lambda a, b: kf.einsum("...ij,...jk->...ik", a, b), [rand(2, 3, 4), rand(4, 5)]),
]

CLIPS = [
    ("clip_by_value", lambda x: kf.clip_by_value(x, -0.3, 0.4), [NZ * 0.7]),
    ("clip_by_value_tensor_bounds", kf.clip_by_value, [A, rand(4, low=-1.0, high=-0.5), np.float64(0.35)]),
    ("clip_by_norm_clipped", lambda x: kf.clip_by_norm(x, 0.5), [A]),
    ("clip_by_norm_unclipped", lambda x: kf.clip_by_norm(x, 50.0), [A]),
    ("clip_by_norm_axes", lambda x: kf.clip_by_norm(x, 1.0, axes=[1]), [A * 2.0]),
    ("global_norm", lambda x, y: kf.global_norm([x, None, y]), [A, ROW]),
    ("clip_by_global_norm", lambda x, y: kf.clip_by_global_norm([x, y], 1.0)[0], [A, ROW]),
    ("clip_by_global_norm_norm", lambda x, y: kf.clip_by_global_norm([x, y], 1.0)[1], [A, ROW]),
]

ALL = MATH + REDUCTIONS + INDEXING + SHAPES + CLIPS


@pytest.mark.parametrize("fn,inputs", [c[1:] for c in ALL], ids=[c[0] for c in ALL])
def test_gradient_matches_numeric(fn, inputs):
    check_gradients(fn, inputs)


def test_cast_gradient():
    # float32 in the middle: a linear op, so a wide step keeps the float32 rounding out of the check
    check_gradients(lambda x: kf.cast(kf.cast(x, kf.float32) * 3.0, kf.float64), [A], eps=1e-2, rtol=1e-4)


SECOND_ORDER = [
    ("tile", lambda x: kf.tile(x, [2, 3]) ** 2),
    ("pad_reflect", lambda x: kf.pad(x, [[1, 2], [2, 2]], mode="REFLECT") ** 2),
    ("pad_constant", lambda x: kf.pad(x, [[1, 0], [0, 2]]) ** 2),
    ("slice", lambda x: kf.slice(x, [1, 1], [-1, 2]) ** 2),
    ("strided_slice", lambda x: x[::2, 1:] ** 2),
    ("gather", lambda x: kf.gather(x, [0, 2, 2]) ** 2),
    ("boolean_mask", lambda x: kf.boolean_mask(x, np.array([True, False, True])) ** 2),
    ("transpose", lambda x: kf.transpose(x) ** 2),
    ("concat_split", lambda x: kf.concat(kf.split(x, [1, 3], axis=1)[::-1], 1) ** 2),
    ("reduce_max", lambda x: kf.reduce_max(x, 1) ** 2),
    ("broadcast_to", lambda x: kf.broadcast_to(x, [2, 3, 4]) ** 2),
]


@pytest.mark.parametrize("fn", [c[1] for c in SECOND_ORDER], ids=[c[0] for c in SECOND_ORDER])
def test_second_order_gradient(fn):
    check_gradients(lambda t: kf.gradients(kf.reduce_sum(fn(t)), [t])[0], [A])


def test_transpose_dynamic_perm_second_order():
    perm = np.array([1, 0], np.int32)
    check_gradients(lambda x, p: kf.gradients(kf.reduce_sum(kf.transpose(x, p) ** 3), [x])[0], [A, perm])


def test_random_normal_gradient_wrt_mean_and_stddev():
    mean = kf.placeholder(kf.float64, [])
    std = kf.placeholder(kf.float64, [])
    y = kf.random_normal([1000], mean=mean, stddev=std, dtype=kf.float64, seed=3)
    z = (y - mean) / std
    g_mean, g_std = kf.gradients(kf.reduce_sum(y), [mean, std])
    with kf.Session() as sess:
        gm, gs, zv = sess.run([g_mean, g_std, z], {mean: 2.0, std: 3.0})
    assert gm == 1000.0
    assert abs(gs) < 150  # the sum of 1000 standard normals: ~N(0, 1000)
    assert abs(np.mean(zv)) < 0.2 and 0.8 < np.std(zv) < 1.2


def test_random_uniform_gradient_wrt_tensor_bounds():
    lo = kf.placeholder(kf.float32, [])
    hi = kf.placeholder(kf.float32, [])
    y = kf.random_uniform([4], lo, hi, seed=1)
    g_lo, g_hi = kf.gradients(kf.reduce_sum(y), [lo, hi])
    with kf.Session() as sess:
        v, a, b = sess.run([y, g_lo, g_hi], {lo: 2.0, hi: 5.0})
    assert np.all((v >= 2.0) & (v < 5.0))
    assert np.isclose(a + b, 4.0)  # d/dlo + d/dhi of lo + u (hi - lo) sums to one per element
