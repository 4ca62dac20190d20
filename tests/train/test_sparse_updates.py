"""Embedding (gather) gradients are IndexedSlices, and Momentum/RMSProp/Adagrad/SGD update only the looked-up rows
(and their slots) as TF's sparse updates do; Adam keeps TF1's semantics (its moments decay on every row)."""
import numpy as np
import pytest

import kflow as kf

IDS = [[0, 0, 2], [1], [2, 3, 3]]


def _train(opt, steps=IDS):
    with kf.Graph().as_default():
        emb = kf.Variable(np.linspace(1.0, 2.0, 10).reshape(5, 2))
        ids = kf.placeholder(kf.int32, [None])
        weights = kf.constant([[1.0, -2.0]], kf.float64)
        loss = kf.reduce_sum(kf.nn.embedding_lookup(emb, ids) * weights)
        grads = opt.compute_gradients(loss, [emb])
        train = opt.apply_gradients(grads)
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            for step in steps:
                sess.run(train, {ids: step})
            return grads[0][0], sess.run(emb)


def _reference(update, steps=IDS, slots=1, slot_init=0.0):
    """TF's sparse semantics in numpy: sum repeated ids, then the dense rule on those rows only."""
    var = np.linspace(1.0, 2.0, 10).reshape(5, 2)
    state = [np.full_like(var, slot_init) for _ in range(slots)]
    for step in steps:
        rows, where = np.unique(step, return_inverse=True)
        g = np.zeros((len(rows), 2))
        np.add.at(g, where, np.array([1.0, -2.0]))
        picked = [var[rows]] + [s[rows] for s in state]
        update(picked, g)
        var[rows] = picked[0]
        for s, p in zip(state, picked[1:]):
            s[rows] = p
    return var


def _momentum(p, g):
    p[1][...] = 0.9 * p[1] + g
    p[0] -= 0.1 * p[1]


def _adagrad(p, g):
    p[1] += g * g
    p[0] -= 0.1 * g / np.sqrt(p[1])


CASES = {
    "momentum": (lambda: kf.train.MomentumOptimizer(0.1, 0.9), lambda: _reference(_momentum)),
    "rmsprop": (lambda: kf.train.RMSPropOptimizer(0.1, decay=0.9, momentum=0.5), None),
    "adagrad": (lambda: kf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.1),
                lambda: _reference(_adagrad, slot_init=0.1)),
    "sgd": (lambda: kf.train.GradientDescentOptimizer(0.1),
            lambda: _reference(lambda p, g: p[0].__isub__(0.1 * g), slots=0)),
}


def _rmsprop_reference():
    var = np.linspace(1.0, 2.0, 10).reshape(5, 2)
    ms, mom = np.ones_like(var), np.zeros_like(var)
    for step in IDS:
        rows, where = np.unique(step, return_inverse=True)
        g = np.zeros((len(rows), 2))
        np.add.at(g, where, np.array([1.0, -2.0]))
        ms[rows] = 0.9 * ms[rows] + 0.1 * g * g
        mom[rows] = 0.5 * mom[rows] + 0.1 * g / np.sqrt(ms[rows] + 1e-10)
        var[rows] -= mom[rows]
    return var


@pytest.mark.parametrize("name", ["momentum", "rmsprop", "adagrad", "sgd"])
def test_sparse_optimizers_touch_only_the_looked_up_rows(name):
    make, reference = CASES[name]
    grad, got = _train(make())
    assert isinstance(grad, kf.IndexedSlices) and grad.dense_shape == [5, 2] and grad.shape.as_list() == [5, 2]
    assert grad.dtype == kf.float64 and grad.indices.dtype == kf.int32
    want = _rmsprop_reference() if name == "rmsprop" else reference()
    np.testing.assert_allclose(got, want)
    np.testing.assert_array_equal(got[4], np.linspace(1.0, 2.0, 10)[8:])  # never looked up: never moved


def test_momentum_leaves_rows_outside_the_batch_where_dense_momentum_would_move_them():
    _, got = _train(kf.train.MomentumOptimizer(0.1, 0.9), steps=[[0], [1]])
    start = np.linspace(1.0, 2.0, 10).reshape(5, 2)
    np.testing.assert_allclose(got[0], start[0] - 0.1 * np.array([1.0, -2.0]))  # one step only


def test_adam_keeps_tf1_semantics_moments_decay_on_every_row():
    _, got = _train(kf.train.AdamOptimizer(0.1), steps=[[0], [1]])
    with kf.Graph().as_default():
        emb = kf.Variable(np.linspace(1.0, 2.0, 10).reshape(5, 2))
        dense = kf.placeholder(kf.float64, [5, 2])
        train = kf.train.AdamOptimizer(0.1).apply_gradients([(dense, emb)])
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            for row in (0, 1):
                g = np.zeros([5, 2])
                g[row] = [1.0, -2.0]
                sess.run(train, {dense: g})
            np.testing.assert_allclose(got, sess.run(emb))


def test_indexed_slices_convert_to_the_dense_gradient_and_gradients_outputs_update_sparsely():
    with kf.Graph().as_default():
        emb = kf.Variable(np.ones([4, 3]))
        loss = kf.reduce_sum(kf.gather(emb, [1, 1, 3])) + kf.reduce_sum(kf.gather(emb, [0]))
        opt = kf.train.MomentumOptimizer(1.0, 0.5)
        (g, _), = opt.compute_gradients(loss, [emb])
        assert isinstance(g, kf.IndexedSlices)
        dense = kf.convert_to_tensor(g)
        clipped, norm = kf.clip_by_global_norm([g], 100.0)
        rebuilt = kf.convert_to_tensor(kf.IndexedSlices(g.values, g.indices, [4, 3]))
        train = opt.apply_gradients(zip(kf.gradients(loss, [emb]), [emb]))  # raw gather gradients: sparse too
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            want = np.array([[1.0] * 3, [2.0] * 3, [0.0] * 3, [1.0] * 3])
            for t in (dense, clipped[0], rebuilt):
                np.testing.assert_allclose(sess.run(t), want)
            sess.run(train)
            sess.run(train)
            got = sess.run(emb)
            np.testing.assert_allclose(got[2], 1.0)  # row 2 is never looked up
            np.testing.assert_allclose(got[1], 1.0 - 2.0 - (0.5 * 2.0 + 2.0))


def test_out_of_range_ids_in_a_sparse_update_name_the_variable_shape():
    with kf.Graph().as_default():
        emb = kf.Variable(np.ones([4, 3]))
        ids = kf.placeholder(kf.int32, [None])
        g = kf.IndexedSlices(kf.ones([1, 3], kf.float64), ids, [4, 3])
        train = kf.train.MomentumOptimizer(0.1, 0.9).apply_gradients([(g, emb)])
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            with pytest.raises(kf.errors.InvalidArgumentError, match=r"row 7 is not in \[0, 4\)"):
                sess.run(train, {ids: [7]})
