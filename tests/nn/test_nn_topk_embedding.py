"""top_k, in_top_k and embedding_lookup (single table and shards): values, gradients, errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(5)


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def test_top_k_values_indices_ties_and_gradient():
    x = np.array([[1.0, 3.0, 2.0, 3.0], [0.0, -1.0, 5.0, 4.0]])
    values, indices = kf.nn.top_k(x, k=3)
    v, i = _run([values, indices])
    np.testing.assert_array_equal(v, [[3, 3, 2], [5, 4, 0]])
    np.testing.assert_array_equal(i, [[1, 3, 2], [2, 3, 0]])  # ties: lower index first
    assert indices.dtype == kf.int32 and values.shape.as_list() == [2, 3]
    xr = RNG.standard_normal((2, 3, 5))
    check_gradients(lambda a: kf.nn.top_k(a, 2)[0], [xr])

    def second(a):
        vals = kf.nn.top_k(a, 2)[0]
        return kf.gradients(kf.reduce_sum(vals * vals), a)[0]
    check_gradients(second, [xr])


def test_top_k_errors_and_ints():
    v, i = _run(list(kf.nn.top_k(np.array([3, 1, 2], np.int32), 2)))
    np.testing.assert_array_equal(v, [3, 2])
    with pytest.raises(ValueError, match="at least k=4"):
        kf.nn.top_k(kf.zeros([2, 3]), 4)
    p = kf.placeholder(kf.float32, [None, None])
    with pytest.raises(kf.errors.InvalidArgumentError, match="at least k=4"):
        _run(kf.nn.top_k(p, 4)[0], {p: np.zeros((2, 3))})


def test_in_top_k():
    pred = np.array([[0.1, 0.9, 0.5], [0.8, 0.2, 0.8], [np.nan, 1.0, 0.0], [0.3, 0.2, 0.1]], np.float32)
    got = _run(kf.nn.in_top_k(pred, [1, 2, 1, 5], k=1))
    np.testing.assert_array_equal(got, [True, True, False, False])  # ties count; nan row and bad target: False
    np.testing.assert_array_equal(_run(kf.nn.in_top_k(pred, np.array([2, 1, 1, 0], np.int64), 2)),
                                  [True, False, False, True])
    k = kf.placeholder(kf.int32, [])
    assert _run(kf.nn.in_top_k(pred, [0, 0, 0, 2], k), {k: 3}).tolist() == [True, True, False, True]
    with pytest.raises(TypeError):
        kf.nn.in_top_k(pred, [0.0, 1.0, 2.0, 0.0], 1)


def test_embedding_lookup_and_gradient_scatter_adds():
    table = RNG.standard_normal((5, 3))
    ids = np.array([[0, 4], [4, 4]], np.int32)
    out = kf.nn.embedding_lookup(table, ids)
    assert out.shape.as_list() == [2, 2, 3]
    np.testing.assert_allclose(_run(out), table[ids])
    t = kf.constant(table)
    g = _run(kf.gradients(kf.reduce_sum(kf.nn.embedding_lookup(t, ids)), t)[0])
    np.testing.assert_allclose(g, np.array([1, 0, 0, 0, 3])[:, None] * np.ones(3))
    check_gradients(lambda p: kf.nn.embedding_lookup(p, ids), [table])


@pytest.mark.parametrize("strategy", ["mod", "div"])
def test_embedding_lookup_sharded(strategy):
    full = RNG.standard_normal((7, 2))
    if strategy == "mod":
        shards = [full[0::3], full[1::3], full[2::3]]
    else:
        shards = [full[0:3], full[3:5], full[5:7]]
    ids = np.array([6, 0, 3, 5, 1], np.int64)
    out = kf.nn.embedding_lookup(shards, ids, partition_strategy=strategy)
    np.testing.assert_allclose(_run(out), full[ids])
    check_gradients(lambda a, b, c: kf.nn.embedding_lookup([a, b, c], ids, partition_strategy=strategy), shards)


def test_embedding_lookup_max_norm_and_errors():
    table = np.array([[3.0, 4.0], [0.3, 0.4]])
    np.testing.assert_allclose(_run(kf.nn.embedding_lookup(table, [0, 1], max_norm=1.0)), [[0.6, 0.8], [0.3, 0.4]])
    with pytest.raises(TypeError, match="ids"):
        kf.nn.embedding_lookup(table, [0.0, 1.0])
    with pytest.raises(kf.errors.InvalidArgumentError, match="not in \\[0, 2\\)"):
        _run(kf.nn.embedding_lookup(table, kf.placeholder_with_default(np.array([2], np.int32), [1])))
