"""Build-time errors (bad dtypes, shapes, axes, arguments) name the op and its inputs' shapes;
run-time errors name the op too."""
import numpy as np
import pytest

import kflow as kf

F3 = ("float32", [3])
F34 = ("float32", [3, 4])
I3 = ("int32", [3])


def _ph(spec):
    return kf.placeholder(spec[0], spec[1])


# (id, input specs, build fn, exception type, message fragment); the op type and the shapes of the inputs must
# appear in the message too.
CASES = [
    ("add_dtypes", [F3, I3], lambda a, b: kf.add(a, b), TypeError, "does not match", "Add"),
    ("add_shapes", [F3, ("float32", [4])], kf.add, ValueError, "Incompatible shapes", "Add"),
    ("matmul_inner", [F34, F34], kf.matmul, ValueError, "Dimensions must be equal", "MatMul"),
    ("matmul_rank", [F3, F34], kf.matmul, ValueError, "rank >= 2", "MatMul"),
    ("sqrt_int", [I3], kf.sqrt, TypeError, "floating-point", "Sqrt"),
    ("reduce_axis", [F34], lambda x: kf.reduce_sum(x, 2), ValueError, "Invalid reduction dimension", "Sum"),
    ("reduce_sum_bool", [("bool", [3])], kf.reduce_sum, TypeError, "numeric", "Sum"),
    ("reduce_any_float", [F3], kf.reduce_any, TypeError, "bool", "Any"),
    ("argmax_axis", [F34], lambda x: kf.argmax(x, -3), ValueError, "Invalid reduction dimension", "ArgMax"),
    ("cumsum_axis", [F34], lambda x: kf.cumsum(x, 2), ValueError, "out of range", "Cumsum"),
    ("reshape_size", [F34], lambda x: kf.reshape(x, [5, -1]), ValueError, "Reshape", "Reshape"),
    ("reshape_two_unknown", [F34], lambda x: kf.reshape(x, [-1, -1]), ValueError, "at most one -1", "Reshape"),
    ("fill_value_not_scalar", [F3], lambda v: kf.fill([2], v), ValueError, "scalar", "Fill"),
    ("where_condition", [F3, F3], lambda c, x: kf.where(c, x, x), TypeError, "must be bool", "Select"),
    ("where_rows", [("bool", [2]), F34], lambda c, x: kf.where(c, x, x), ValueError, "one entry per row", "Select"),
    ("transpose_perm", [F34], lambda x: kf.transpose(x, [0, 2]), ValueError, "not a permutation", "Transpose"),
    ("expand_dims_axis", [F34], lambda x: kf.expand_dims(x, 3), ValueError, "out of range", "ExpandDims"),
    ("expand_dims_tensor_axis", [F34, ("int32", [])], lambda x, a: kf.expand_dims(x, a), TypeError,
     "axis must be a Python int", "ExpandDims"),
    ("squeeze_not_one", [F34], lambda x: kf.squeeze(x, [1]), ValueError, "Can not squeeze dim[1]", "Squeeze"),
    ("concat_rank", [F3, F34], lambda a, b: kf.concat([a, b], 0), ValueError, "same rank", "ConcatV2"),
    ("concat_dims", [F34, ("float32", [3, 5])], lambda a, b: kf.concat([a, b], 0), ValueError, "must match",
     "ConcatV2"),
    ("concat_dtype", [F3, I3], lambda a, b: kf.concat([a, b], 0), TypeError, "same dtype", "ConcatV2"),
    ("concat_axis", [F34, F34], lambda a, b: kf.concat([a, b], 2), ValueError, "out of range", "ConcatV2"),
    ("stack_shapes", [F3, ("float32", [4])], lambda a, b: kf.stack([a, b]), ValueError, "same shape", "Pack"),
    ("unstack_unknown", [("float32", [None, 2])], kf.unstack, ValueError, "cannot infer num", "Unpack"),
    ("unstack_num", [F34], lambda x: kf.unstack(x, num=2), ValueError, "does not match", "Unpack"),
    ("split_uneven", [F34], lambda x: kf.split(x, 3, axis=1), ValueError, "equal", "Split"),
    ("split_sizes", [F34], lambda x: kf.split(x, [1, 2], axis=1), ValueError, "do not add up", "Split"),
    ("tile_len", [F34], lambda x: kf.tile(x, [2]), ValueError, "multiples has 1 entries", "Tile"),
    ("pad_shape", [F34], lambda x: kf.pad(x, [[1, 1]]), ValueError, "[rank, 2]", "Pad"),
    ("pad_mode", [F34], lambda x: kf.pad(x, [[1, 1], [1, 1]], "WRAP"), ValueError, "mode", "Pad"),
    ("pad_reflect_too_big", [F34], lambda x: kf.pad(x, [[3, 0], [0, 0]], "REFLECT"), ValueError, "less than",
     "Pad"),
    ("gather_float_indices", [F34, F3], kf.gather, TypeError, "indices must be int", "GatherV2"),
    ("gather_const_out_of_range", [F34], lambda x: kf.gather(x, [0, 3]), ValueError, "out of range", "GatherV2"),
    ("slice_bounds", [F34], lambda x: kf.slice(x, [2, 0], [2, -1]), ValueError, "out of bounds", "Slice"),
    ("slice_len", [F34], lambda x: kf.slice(x, [0], [1]), ValueError, "one entry per dimension", "Slice"),
    ("one_hot_float", [F3], lambda i: kf.one_hot(i, 3), TypeError, "integers", "OneHot"),
    ("one_hot_axis", [I3], lambda i: kf.one_hot(i, 3, axis=2), ValueError, "axis", "OneHot"),
    ("one_hot_dtypes", [I3], lambda i: kf.one_hot(i, 3, on_value=1.0, dtype=kf.int32), TypeError, "do not match",
     "OneHot"),
    ("boolean_mask_shape", [F34, ("bool", [4])], kf.boolean_mask, ValueError, "must match", "BooleanMask"),
    ("boolean_mask_dtype", [F34, ("int32", [3])], kf.boolean_mask, TypeError, "must be bool", "BooleanMask"),
    ("broadcast_to", [F34], lambda x: kf.broadcast_to(x, [3, 5]), ValueError, "cannot broadcast", "BroadcastTo"),
    ("clip_by_value_dtype", [F3, I3], lambda x, lo: kf.clip_by_value(x, lo, 1.0), TypeError, "dtype",
     "ClipByValue"),
    ("clip_by_value_shape", [F3, ("float32", [2])], lambda x, lo: kf.clip_by_value(x, lo, 1.0), ValueError,
     "does not broadcast", "ClipByValue"),
    ("clip_by_norm_int", [I3], lambda x: kf.clip_by_norm(x, 1.0), TypeError, "floating", "ClipByNorm"),
    ("einsum_dims", [F34, F34], lambda a, b: kf.einsum("ij,jk->ik", a, b), ValueError, "sizes", "Einsum"),
    ("einsum_operands", [F34], lambda a: kf.einsum("ij,jk->ik", a), ValueError, "operands", "Einsum"),
    ("multinomial_rank", [F3], lambda x: kf.multinomial(x, 2), ValueError, "2-D", "Multinomial"),
]


@pytest.mark.parametrize("specs,fn,exc,fragment,op_type", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_build_error_names_op_and_shapes(specs, fn, exc, fragment, op_type):
    inputs = [_ph(s) for s in specs]
    with pytest.raises(exc) as info:
        fn(*inputs)
    msg = str(info.value)
    assert fragment in msg
    assert "(%s)" % op_type in msg  # "op: 'name' (Type), created at <this file>"
    assert "test_ops_errors.py" in msg
    for t in inputs[:1]:
        assert str(t.shape) in msg and t.dtype.name in msg


@pytest.mark.parametrize("fn,fragment", [
    (lambda: kf.random_uniform([2], dtype=kf.int32), "maxval"),
    (lambda: kf.random_uniform([2], 3, 3, dtype=kf.int32), "minval < maxval"),
    (lambda: kf.random_normal([2], dtype=kf.int32), "floating point"),
    (lambda: kf.random_normal([2, -1]), "non-negative"),
    (lambda: kf.range(1, 5, 0), "delta"),
    (lambda: kf.range(5, 1), "start <= limit"),
    (lambda: kf.zeros([2, -3]), "non-negative"),
], ids=["uniform_int_maxval", "uniform_int_empty", "normal_int", "normal_shape", "range_delta", "range_order",
        "zeros_negative"])
def test_argument_errors_without_inputs(fn, fragment):
    with pytest.raises((ValueError, TypeError), match=fragment):
        fn()


@pytest.mark.parametrize("value", [None, {"a": 1.0}, [1.0, None], object()], ids=["none", "dict", "list", "object"])
def test_non_tensor_objects_do_not_convert_to_string_constants(value):
    # TF raises "Failed to convert object of type ... to Tensor"; these once became scalar string constants
    with pytest.raises(TypeError, match="Failed to convert object of type"):
        kf.convert_to_tensor(value)
    assert kf.constant(np.array([b"a", "b"], dtype=object)).dtype is kf.string  # object arrays of strings do


def test_clip_by_global_norm_rejects_a_tensor():
    with pytest.raises(TypeError, match="sequence"):
        kf.clip_by_global_norm(kf.constant([1.0]), 1.0)


@pytest.mark.parametrize("build,feed,fragment", [
    (lambda x, i: kf.gather(x, i), [3, 0], "not in [0, 3)"),
    (lambda x, i: kf.gather(x, i), [-1], "not in [0, 3)"),
    (lambda x, i: kf.slice(x, i, [2]), [2], "out of bounds"),
    (lambda x, i: kf.split(x, i, num=2), [1, 1], "do not add up"),
    (lambda x, i: kf.reshape(x, i), [2, 2], "reshape"),
    (lambda x, i: kf.random_uniform([2], i[0], i[1], dtype=kf.int32), [4, 2], "minval < maxval"),
    (lambda x, i: 7 // i, [1, 0], "Integer division by zero"),
    (lambda x, i: kf.mod(i + 3, i), [0, 2], "Integer division by zero"),
], ids=["gather_high", "gather_negative", "slice", "split", "reshape", "random_uniform_int", "floordiv_int_zero",
        "mod_int_zero"])
def test_runtime_errors_name_the_op(build, feed, fragment):
    x = kf.placeholder(kf.float32, [3])
    i = kf.placeholder(kf.int32, [None])
    y = build(x, i)
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError) as info:
            sess.run(y, {x: np.zeros(3, np.float32), i: feed})
    msg = str(info.value)
    assert fragment in msg and "in op '%s'" % (y[0] if isinstance(y, list) else y).op.name in msg
