"""Forward values of every op against numpy, with static input shapes and with unknown (None) dims.

Each case is ``(id, fn, inputs, expected_fn, flags)``; ``expected_fn(*inputs)`` is the numpy reference.
With static inputs the inferred shape must be fully defined and equal to the value's shape (unless the
case is flagged "data_shape": a data-dependent shape); with unknown dims it must be compatible.
"""
import numpy as np
import pytest

import kflow as kf
from op_cases import run_op, rand, away_from_zero

A = rand(3, 4, seed=1).astype(np.float32)
B = rand(3, 4, seed=2).astype(np.float32)
ROW = rand(4, seed=3).astype(np.float32)
POS = rand(3, 4, low=0.5, high=2.0, seed=5).astype(np.float32)
CUBE = rand(2, 3, 4, seed=6)
I = np.array([[7, -3, 5], [0, 9, -8]], np.int32)
J = np.array([[2, 4, -3], [5, -2, 3]], np.int32)
BA = np.array([[True, False, True], [False, False, True]])
BB = np.array([[True, True, False], [False, True, True]])
NZ = away_from_zero(3, 4, seed=7)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def one_hot_ref(idx, depth, axis=-1, on=1.0, off=0.0):
    out = np.where(idx[..., None] == np.arange(depth), on, off).astype(np.float32)
    return np.moveaxis(out, -1, axis)


MATH = [
    ("add", kf.add, [A, ROW], np.add, ""),
    ("subtract", kf.subtract, [A, B], np.subtract, ""),
    ("multiply", kf.multiply, [A, ROW], np.multiply, ""),
    ("divide", kf.divide, [A, POS], np.divide, ""),
    ("divide_int_to_float64", kf.divide, [I, J], lambda a, b: a.astype(np.float64) / b, ""),
    ("floordiv_int", kf.floordiv, [I, J], np.floor_divide, ""),
    ("mod_int", kf.mod, [I, J], np.mod, ""),
    ("floordiv_float", kf.floordiv, [A, POS], np.floor_divide, ""),
    ("mod_float", kf.mod, [A, POS], np.mod, ""),
    ("pow", kf.pow, [POS, A], np.power, ""),
    ("maximum", kf.maximum, [A, ROW], np.maximum, ""),
    ("minimum", kf.minimum, [A, B], np.minimum, ""),
    ("squared_difference", kf.squared_difference, [A, ROW], lambda a, b: (a - b) ** 2, ""),
    ("negative", kf.negative, [I], np.negative, ""),
    ("square", kf.square, [I], np.square, ""),
    ("sqrt", kf.sqrt, [POS], np.sqrt, ""),
    ("rsqrt", kf.rsqrt, [POS], lambda x: 1 / np.sqrt(x), ""),
    ("reciprocal", kf.reciprocal, [POS], np.reciprocal, ""),
    ("exp", kf.exp, [A], np.exp, ""),
    ("log", kf.log, [POS], np.log, ""),
    ("log1p", kf.log1p, [POS], np.log1p, ""),
    ("abs", kf.abs, [I], np.abs, ""),
    ("sign", kf.sign, [A], np.sign, ""),
    ("sin", kf.sin, [A], np.sin, ""),
    ("cos", kf.cos, [A], np.cos, ""),
    ("tanh", kf.tanh, [A], np.tanh, ""),
    ("sigmoid", kf.sigmoid, [A * 30], sigmoid, ""),
    ("floor", kf.floor, [A * 3], np.floor, ""),
    ("ceil", kf.ceil, [A * 3], np.ceil, ""),
    ("round", kf.round, [np.array([0.5, 1.5, 2.5, -0.5], np.float32)], np.round, ""),
    ("matmul", kf.matmul, [A, B.T.copy()], np.matmul, ""),
    ("matmul_transpose_b", lambda a, b: kf.matmul(a, b, transpose_b=True), [A, B], lambda a, b: a @ b.T, ""),
    ("matmul_batched", kf.matmul, [CUBE, rand(4, 5)], np.matmul, ""),
    ("cast", lambda x: kf.cast(x, kf.int32), [A * 5], lambda x: (x * 1).astype(np.int32), ""),
    ("add_n", lambda a, b: kf.add_n([a, b, a]), [A, B], lambda a, b: a + b + a, ""),
    ("equal", kf.equal, [I, J], np.equal, ""),
    ("not_equal", kf.not_equal, [I, ROW[:3].astype(np.int32)], np.not_equal, ""),
    ("less", kf.less, [A, B], np.less, ""),
    ("less_equal", kf.less_equal, [I, J], np.less_equal, ""),
    ("greater", kf.greater, [A, ROW], np.greater, ""),
    ("greater_equal", kf.greater_equal, [I, J], np.greater_equal, ""),
    ("logical_and", kf.logical_and, [BA, BB], np.logical_and, ""),
    ("logical_or", kf.logical_or, [BA, BB], np.logical_or, ""),
    ("logical_xor", kf.logical_xor, [BA, BB], np.logical_xor, ""),
    ("logical_not", kf.logical_not, [BA], np.logical_not, ""),
    ("where_select", lambda c, a, b: kf.where(c, a, b), [BA, I, J], np.where, ""),
    ("where_coords", kf.where, [BA], lambda c: np.argwhere(c), "data_shape"),
    ("where_rows_tf1", kf.where, [np.array([True, False, True]), A, B], lambda c, a, b: np.where(c[:, None], a, b),
     ""),
    ("where_v2_broadcast", kf.where_v2, [np.array([True, False, True, False]), A, ROW], np.where, ""),
]

ARRAY = [
    ("zeros_like", kf.zeros_like, [I], np.zeros_like, ""),
    ("ones_like_dtype", lambda x: kf.ones_like(x, dtype=kf.float64), [I], lambda x: np.ones(x.shape), ""),
    ("fill_dynamic", lambda x: kf.fill([2, kf.shape(x)[0]], 7.5), [A], lambda x: np.full((2, 3), 7.5, np.float32),
     ""),
    ("zeros_dynamic", lambda x: kf.zeros(kf.shape(x), kf.int32), [A], lambda x: np.zeros((3, 4), np.int32), ""),
    ("shape", kf.shape, [CUBE], lambda x: np.array(x.shape, np.int32), ""),
    ("size", kf.size, [CUBE], lambda x: np.int32(x.size), ""),
    ("rank", kf.rank, [CUBE], lambda x: np.int32(x.ndim), ""),
    ("reshape", lambda x: kf.reshape(x, [4, -1]), [CUBE], lambda x: x.reshape(4, -1), ""),
    ("reshape_mixed", lambda x: kf.reshape(x, [kf.shape(x)[0], -1]), [CUBE], lambda x: x.reshape(2, -1), ""),
    ("range_tensor_limit", lambda n: kf.range(1, n, 2), [np.int32(8)], lambda n: np.arange(1, n, 2, dtype=np.int32),
     "data_shape"),
    ("one_hot", lambda i: kf.one_hot(i, 4), [np.array([0, 3, -1, 9])], lambda i: one_hot_ref(i, 4), ""),
    ("one_hot_axis0", lambda i: kf.one_hot(i, 3, axis=0), [np.array([[0, 2], [1, 1]])],
     lambda i: one_hot_ref(i, 3, axis=0), ""),
    ("one_hot_on_off", lambda i: kf.one_hot(i, 3, on_value=5, off_value=-1), [np.array([2, 0])],
     lambda i: np.where(i[:, None] == np.arange(3), 5, -1).astype(np.int32), ""),
]

REDUCE = [
    ("reduce_sum", lambda x: kf.reduce_sum(x, 1), [CUBE], lambda x: x.sum(1), ""),
    ("reduce_sum_int_all", kf.reduce_sum, [I], lambda x: np.int32(x.sum()), ""),
    ("reduce_mean_keepdims", lambda x: kf.reduce_mean(x, [0, 2], keepdims=True), [CUBE],
     lambda x: x.mean((0, 2), keepdims=True), ""),
    ("reduce_mean_int_truncates", lambda x: kf.reduce_mean(x, 0), [I], lambda x: (x.sum(0) // 2).astype(np.int32),
     ""),
    ("reduce_max", lambda x: kf.reduce_max(x, -1), [CUBE], lambda x: x.max(-1), ""),
    ("reduce_min", lambda x: kf.reduce_min(x, reduction_indices=[0]), [CUBE], lambda x: x.min(0), ""),
    ("reduce_prod", lambda x: kf.reduce_prod(x, 0), [I], lambda x: x.prod(0).astype(np.int32), ""),
    ("reduce_any", lambda x: kf.reduce_any(x, 1), [BA], lambda x: x.any(1), ""),
    ("reduce_all", lambda x: kf.reduce_all(x, keepdims=True), [BA], lambda x: x.all(keepdims=True), ""),
    ("argmax", lambda x: kf.argmax(x, 1), [CUBE], lambda x: x.argmax(1), ""),
    ("argmin", lambda x: kf.argmin(x, axis=2, output_type=kf.int32), [CUBE], lambda x: x.argmin(2).astype(np.int32),
     ""),
    ("cumsum", lambda x: kf.cumsum(x, 1), [I], lambda x: np.cumsum(x, 1).astype(np.int32), ""),
    ("cumsum_exclusive", lambda x: kf.cumsum(x, exclusive=True), [ROW], lambda x: np.r_[0, np.cumsum(x)[:-1]], ""),
    ("cumsum_reverse", lambda x: kf.cumsum(x, -1, reverse=True), [A], lambda x: np.cumsum(x[:, ::-1], 1)[:, ::-1],
     ""),
    ("cumsum_exclusive_reverse", lambda x: kf.cumsum(x, 0, True, True), [I],
     lambda x: np.r_[np.cumsum(x[::-1], 0)[::-1][1:], np.zeros((1, 3), np.int32)].astype(np.int32), ""),
]

SHAPE = [
    ("strided_slice", lambda x: x[1:, ::-2, None], [CUBE], lambda x: x[1:, ::-2, None], ""),
    ("transpose", lambda x: kf.transpose(x, [1, 2, 0]), [CUBE], lambda x: x.transpose(1, 2, 0), ""),
    ("transpose_default", kf.transpose, [CUBE], np.transpose, ""),
    ("transpose_dynamic", lambda x, p: kf.transpose(x, p), [CUBE, np.array([2, 0, 1], np.int32)],
     lambda x, p: x.transpose(p), "data_shape"),
    ("expand_dims", lambda x: kf.expand_dims(x, 1), [A], lambda x: x[:, None], ""),
    ("expand_dims_neg", lambda x: kf.expand_dims(x, -1), [A], lambda x: x[..., None], ""),
    ("squeeze", lambda x: kf.squeeze(x, [0, -1]), [np.zeros((1, 3, 1))], lambda x: x[0, :, 0], ""),
    ("squeeze_all", kf.squeeze, [np.zeros((1, 3, 1, 2))], np.squeeze, "static_only"),
    ("concat", lambda a, b: kf.concat([a, b], 0), [A, B], lambda a, b: np.concatenate([a, b], 0), ""),
    ("concat_neg_axis", lambda a, b: kf.concat([a, b, a], -1), [I, J], lambda a, b: np.concatenate([a, b, a], 1), ""),
    ("stack", lambda a, b: kf.stack([a, b], 2), [I, J], lambda a, b: np.stack([a, b], 2), ""),
    ("stack_python_values", lambda a: kf.stack([a, 3]), [np.int32(1)], lambda a: np.array([1, 3], np.int32), ""),
    ("unstack", lambda x: kf.unstack(x, axis=1), [CUBE], lambda x: [x[:, i] for i in range(3)], "static_only"),
    ("unstack_num", lambda x: kf.unstack(x, num=2), [CUBE], lambda x: [x[0], x[1]], ""),
    ("split_equal", lambda x: kf.split(x, 2, 2), [CUBE], lambda x: np.split(x, 2, 2), "static_only"),
    ("split_sizes", lambda x: kf.split(x, [1, -1], 1), [CUBE], lambda x: np.split(x, [1], 1), ""),
    ("split_one", lambda x: kf.split(x, 1, 0), [A], lambda x: [x], ""),
    ("tile", lambda x: kf.tile(x, [2, 1, 3]), [CUBE], lambda x: np.tile(x, [2, 1, 3]), ""),
    ("pad_constant", lambda x: kf.pad(x, [[1, 2], [0, 1]], constant_values=-1), [I],
     lambda x: np.pad(x, [[1, 2], [0, 1]], constant_values=-1), ""),
    ("pad_reflect", lambda x: kf.pad(x, [[1, 1], [2, 2]], "REFLECT"), [I], lambda x: np.pad(x, [[1, 1], [2, 2]],
                                                                                           "reflect"), ""),
    ("pad_symmetric", lambda x: kf.pad(x, [[2, 0], [3, 1]], "SYMMETRIC"), [I],
     lambda x: np.pad(x, [[2, 0], [3, 1]], "symmetric"), ""),
    ("reverse", lambda x: kf.reverse(x, [1]), [CUBE], lambda x: x[:, ::-1], ""),
    ("broadcast_to", lambda x: kf.broadcast_to(x, [2, 3, 4]), [ROW], lambda x: np.broadcast_to(x, (2, 3, 4)), ""),
    ("gather", lambda x: kf.gather(x, [[2, 0], [1, 1]]), [A], lambda x: x[[[2, 0], [1, 1]]], ""),
    ("gather_axis", lambda x, i: kf.gather(x, i, axis=-1), [CUBE, np.array([3, 0])], lambda x, i: x[..., i], ""),
    ("slice", lambda x: kf.slice(x, [0, 1, 2], [-1, 2, 1]), [CUBE], lambda x: x[:, 1:3, 2:3], ""),
    ("boolean_mask", lambda x, m: kf.boolean_mask(x, m), [I, np.array([False, True])], lambda x, m: x[m],
     "data_shape"),
    ("boolean_mask_2d", lambda x, m: kf.boolean_mask(x, m), [I, BA], lambda x, m: x[m], "data_shape"),
    ("einsum", lambda a, b: kf.einsum("bij,jk->bki", a, b), [CUBE, rand(4, 2)],
     lambda a, b: np.einsum("bij,jk->bki", a, b), ""),
    ("einsum_trace", lambda a: kf.einsum("ii", a), [rand(3, 3)], lambda a: np.trace(a), ""),
    ("clip_by_value", lambda x: kf.clip_by_value(x, -0.2, 0.3), [A], lambda x: np.clip(x, -0.2, 0.3), ""),
    ("clip_by_value_int", lambda x: kf.clip_by_value(x, 0, 5), [I], lambda x: np.clip(x, 0, 5), ""),
    ("clip_by_norm", lambda x: kf.clip_by_norm(x, 1.0), [A], lambda x: x / max(np.linalg.norm(x), 1.0), ""),
    ("clip_by_norm_axes", lambda x: kf.clip_by_norm(x, 0.5, axes=[1]), [A],
     lambda x: x * 0.5 / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 0.5), ""),
    ("global_norm", lambda a, b: kf.global_norm([a, b]), [A, ROW],
     lambda a, b: np.sqrt(np.sum(a ** 2) + np.sum(b ** 2)).astype(np.float32), ""),
]

# ops whose shape-like arguments are fed at run time (their outputs' static shapes are partly unknown)
RUNTIME_ARGS = [
    ("linspace", lambda n: kf.linspace(0.0, 1.0, n), [np.int32(5)], lambda n: np.linspace(0, 1, 5, dtype=np.float32),
     "data_shape"),
    ("eye", lambda n: kf.eye(n, 2, dtype=kf.int64), [np.int32(3)], lambda n: np.eye(3, 2, dtype=np.int64),
     "data_shape"),
    ("range_float", lambda a: kf.range(a, 2.0, 0.5), [np.float32(0.5)], lambda a: np.arange(0.5, 2.0, 0.5,
                                                                                            dtype=np.float32),
     "data_shape"),
    ("one_hot_depth", lambda i, d: kf.one_hot(i, d), [np.array([1, 0]), np.int32(3)],
     lambda i, d: one_hot_ref(i, 3), "data_shape"),
    ("pad", lambda x, p, c: kf.pad(x, p, constant_values=c), [I, np.array([[1, 0], [0, 2]]), np.int32(4)],
     lambda x, p, c: np.pad(x, p, constant_values=c), "data_shape"),
    ("tile", lambda x, m: kf.tile(x, m), [I, np.array([1, 2])], lambda x, m: np.tile(x, m), "data_shape"),
    ("broadcast_to", lambda x, s: kf.broadcast_to(x, s), [ROW, np.array([2, 4])],
     lambda x, s: np.broadcast_to(x, s), "data_shape"),
    ("slice", lambda x, b, n: kf.slice(x, b, n), [CUBE, np.array([1, 0, 2]), np.array([1, -1, 2])],
     lambda x, b, n: x[1:, :, 2:4], "data_shape"),
    ("split", lambda x, s: kf.split(x, s, axis=2, num=2), [CUBE, np.array([3, 1])], lambda x, s: np.split(x, [3], 2),
     "data_shape"),
    ("reshape", lambda x, s: kf.reshape(x, s), [CUBE, np.array([-1, 6])], lambda x, s: x.reshape(-1, 6),
     "data_shape"),
    ("fill", lambda s, v: kf.fill(s, v), [np.array([2, 1]), np.float64(2.5)], lambda s, v: np.full((2, 1), 2.5),
     "data_shape"),
]

ALL = MATH + ARRAY + REDUCE + SHAPE + RUNTIME_ARGS


def _check(case, static):
    _, fn, inputs, expected_fn, flags = case
    outs, values, _ = run_op(fn, inputs, static=static)
    expected = expected_fn(*inputs)
    expected = list(expected) if isinstance(expected, list) else [expected]
    assert len(values) == len(expected)
    for t, v, e in zip(outs, values, expected):
        e = np.asarray(e)
        assert v.dtype == e.dtype, (t, v.dtype, e.dtype)
        np.testing.assert_allclose(v, e, rtol=1e-6, atol=1e-6)
        assert t.shape.is_compatible_with(v.shape), (t, v.shape)
        if static and "data_shape" not in flags:
            assert t.shape.is_fully_defined() and tuple(t.shape.as_list()) == v.shape, (t, v.shape)


@pytest.mark.parametrize("case", ALL, ids=[c[0] for c in ALL])
def test_forward_static_shapes(case):
    _check(case, static=True)


DYNAMIC = [c for c in ALL if "static_only" not in c[4]]


@pytest.mark.parametrize("case", DYNAMIC, ids=[c[0] for c in DYNAMIC])
def test_forward_unknown_dims(case):
    _check(case, static=False)


def test_static_argument_ops():
    r = kf.range(3, 18, 3)
    rf = kf.range(0.0, 1.0, 0.25)
    rd = kf.range(5, dtype=kf.int64)
    ls = kf.linspace(10.0, 12.0, 3)
    e = kf.eye(2, 3, batch_shape=[2], dtype=kf.int32)
    z = kf.zeros([2, 3], kf.int64)
    o = kf.ones(kf.TensorShape([2]))
    oh = kf.one_hot(kf.constant([1, 0]), 2, axis=0)
    with kf.Session() as sess:
        vr, vrf, vrd, vls, ve, vz, vo, voh = sess.run([r, rf, rd, ls, e, z, o, oh])
    np.testing.assert_array_equal(vr, [3, 6, 9, 12, 15])
    assert vr.dtype == np.int32 and r.shape.as_list() == [5]
    np.testing.assert_array_equal(vrf, [0, 0.25, 0.5, 0.75])
    assert vrf.dtype == np.float32 and vrd.dtype == np.int64
    np.testing.assert_allclose(vls, [10, 11, 12])
    assert vls.dtype == np.float32
    np.testing.assert_array_equal(ve, np.broadcast_to(np.eye(2, 3, dtype=np.int32), (2, 2, 3)))
    assert ve.dtype == np.int32 and e.shape.as_list() == [2, 2, 3]
    assert vz.dtype == np.int64 and vz.shape == (2, 3) and not vz.any()
    np.testing.assert_array_equal(vo, [1, 1])
    np.testing.assert_array_equal(voh, [[0, 1], [1, 0]])


def test_clip_by_global_norm_values_and_none_entries():
    a = kf.constant([3.0, 0.0])
    b = kf.constant([[4.0]])
    clipped, norm = kf.clip_by_global_norm([a, None, b], 1.0)
    unclipped, _ = kf.clip_by_global_norm([a, b], 10.0)
    given, _ = kf.clip_by_global_norm([a], 1.0, use_norm=kf.constant(2.0))
    assert clipped[1] is None
    with kf.Session() as sess:
        (ca, cb), n, (ua, ub), (ga,) = sess.run([[clipped[0], clipped[2]], norm, unclipped, given])
    assert np.isclose(n, 5.0)
    np.testing.assert_allclose(ca, [0.6, 0.0], rtol=1e-6)
    np.testing.assert_allclose(cb, [[0.8]], rtol=1e-6)
    np.testing.assert_allclose(ua, [3.0, 0.0])
    np.testing.assert_allclose(ub, [[4.0]])
    np.testing.assert_allclose(ga, [1.5, 0.0])


def test_clip_by_global_norm_zero_and_infinite_norm():
    x = kf.placeholder(kf.float32, [2])
    (c,), n = kf.clip_by_global_norm([x], 1.0)
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(c, {x: [0.0, 0.0]}), [0.0, 0.0])
        assert np.all(np.isnan(sess.run(c, {x: [np.inf, 1.0]})))


def test_clip_by_norm_zero_tensor_has_finite_gradient():
    x = kf.placeholder(kf.float64, [3])
    y = kf.clip_by_norm(x, 1.0)
    g, = kf.gradients(kf.reduce_sum(y), [x])
    with kf.Session() as sess:
        yv, gv = sess.run([y, g], {x: np.zeros(3)})
    np.testing.assert_array_equal(yv, 0.0)
    assert np.all(np.isfinite(gv))


def test_clip_ops_names_and_errors():
    with pytest.raises(TypeError, match="sequence"):
        kf.clip_by_global_norm(kf.constant([1.0]), 1.0)
    _, norm = kf.clip_by_global_norm([kf.constant([1.0])], 1.0)
    assert norm.name == "global_norm/global_norm:0"


def test_fetched_views_of_variables_are_copies():
    v = kf.Variable([[1.0, 2.0], [3.0, 4.0]])
    views = [kf.transpose(v), kf.reshape(v, [4]), kf.expand_dims(v, 0), v[0], kf.split(v, 2)[0], kf.unstack(v)[1],
             kf.slice(v, [0, 0], [1, 2]), kf.reverse(v, [0])]
    with kf.Session() as sess:
        sess.run(v.initializer)
        for out in sess.run(views):
            out[...] = 0.0
        np.testing.assert_array_equal(sess.run(v), [[1.0, 2.0], [3.0, 4.0]])
