"""Static shape inference with unknown (None) dimensions and unknown ranks."""
import pytest

import kflow as kf


@pytest.fixture
def x():
    return kf.placeholder(kf.float32, [None, 3, 4], name="x")


CASES = [
    ("transpose", lambda x: kf.transpose(x, [2, 0, 1]), [4, None, 3]),
    ("transpose_default", kf.transpose, [4, 3, None]),
    ("expand_dims", lambda x: kf.expand_dims(x, 1), [None, 1, 3, 4]),
    ("squeeze_axis", lambda x: kf.squeeze(kf.expand_dims(x, 1), [1]), [None, 3, 4]),
    ("concat_batch", lambda x: kf.concat([x, x], 0), [None, 3, 4]),
    ("concat_features", lambda x: kf.concat([x, x], -1), [None, 3, 8]),
    ("stack", lambda x: kf.stack([x, x], 1), [None, 2, 3, 4]),
    ("unstack", lambda x: kf.unstack(x, axis=1)[2], [None, 4]),
    ("split_equal", lambda x: kf.split(x, 2, axis=2)[1], [None, 3, 2]),
    ("split_sizes", lambda x: kf.split(x, [1, -1], 1)[1], [None, 2, 4]),
    ("split_batch", lambda x: kf.split(x, [1, -1], 0)[1], [None, 3, 4]),
    ("tile", lambda x: kf.tile(x, [2, 2, 1]), [None, 6, 4]),
    ("pad", lambda x: kf.pad(x, [[1, 1], [0, 0], [2, 0]]), [None, 3, 6]),
    ("gather_axis1", lambda x: kf.gather(x, [0, 1, 2, 0, 1], axis=1), [None, 5, 4]),
    ("gather_unknown_indices", lambda x: kf.gather(x, kf.placeholder(kf.int32, [None])), [None, 3, 4]),
    ("slice", lambda x: kf.slice(x, [0, 1, 0], [-1, 2, 2]), [None, 2, 2]),
    ("boolean_mask", lambda x: kf.boolean_mask(x, kf.placeholder(kf.bool, [None])), [None, 3, 4]),
    ("boolean_mask_axis", lambda x: kf.boolean_mask(x, kf.placeholder(kf.bool, [3, 4]), axis=1), [None, None]),
    ("one_hot", lambda x: kf.one_hot(kf.placeholder(kf.int32, [None]), 5), [None, 5]),
    ("reshape_infer", lambda x: kf.reshape(x, [-1, 12]), [None, 12]),
    ("reshape_tensor_entry", lambda x: kf.reshape(x, [kf.shape(x)[0], 2, -1]), [None, 2, None]),
    ("reshape_known_from_shape", lambda x: kf.reshape(x, [kf.shape(x)[1], -1]), [3, None]),
    ("reduce", lambda x: kf.reduce_sum(x, 1), [None, 4]),
    ("matmul", lambda x: kf.matmul(x, kf.zeros([4, 5])), [None, 3, 5]),
    ("broadcast_to", lambda x: kf.broadcast_to(kf.zeros([1, 4]), [kf.shape(x)[0], 4]), [None, 4]),
    ("range", lambda x: kf.range(kf.shape(x)[0]), [None]),
    ("fill", lambda x: kf.fill([kf.shape(x)[0], 2], 1.0), [None, 2]),
    ("zeros_from_shape", lambda x: kf.zeros(kf.shape(x)), [None, 3, 4]),
    ("random_normal", lambda x: kf.random_normal(kf.shape(x)), [None, 3, 4]),
    ("einsum", lambda x: kf.einsum("bij,jk->bik", x, kf.zeros([4, 5])), [None, 3, 5]),
    ("cumsum", lambda x: kf.cumsum(x, 1), [None, 3, 4]),
    ("clip", lambda x: kf.clip_by_value(x, 0.0, 1.0), [None, 3, 4]),
    ("where", lambda x: kf.where(x > 0.0, x, kf.zeros_like(x)), [None, 3, 4]),
    ("strided_slice", lambda x: x[:, 1:, None, -1], [None, 2, 1]),
]


@pytest.mark.parametrize("fn,expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_static_shape_with_unknown_batch(x, fn, expected):
    assert fn(x).shape.as_list() == expected


@pytest.mark.parametrize("fn", [
    kf.transpose, lambda u: kf.concat([u, u], 0), lambda u: kf.tile(u, [2, 2]), lambda u: kf.expand_dims(u, 0),
    lambda u: kf.reverse(u, [0]), lambda u: kf.gather(u, [0]), lambda u: kf.squeeze(u),
], ids=["transpose", "concat", "tile", "expand_dims", "reverse", "gather", "squeeze"])
def test_unknown_rank_inputs_build(fn):
    u = kf.placeholder(kf.float32)
    out = fn(u)
    assert out.dtype == kf.float32
    assert out.shape.ndims in (None, 2)  # tile's multiples fix the rank


def test_unknown_rank_tile_rank_from_multiples():
    assert kf.tile(kf.placeholder(kf.float32), [2, 3]).shape.as_list() == [None, None]
