"""Multi-tensor Adam (issue 22, small-batch overhead): one MultiTensorApplyAdam op per apply_gradients gives
the per-variable ApplyAdam results bit for bit (float32), keeps TF1's slot and checkpoint names, and falls back
to per-variable ops for sparse gradients, constrained variables, lone variables and subclassed updates."""
import os

import numpy as np
import pytest

import kflow as kf
from kflow.engine import blas_threads, core_budget
from kflow.engine.ops import batch_parallel
from kflow.train import adam as adam_mod

SHAPES = [(400, 400), (400,), (400, 30), (30,), (30, 3), (3,)]  # the first is large enough to split over threads


def _blas_lowered(monkeypatch, lowered=True):
    # updates split over threads only while the step holds BLAS single-threaded (plans with convolutions)
    monkeypatch.setattr(blas_threads, "lowered", lambda: lowered)


def _per_variable(monkeypatch):
    monkeypatch.setattr(adam_mod.AdamOptimizer, "_apply_dense_group", lambda self, grads, variables: None)


def _train(steps, shapes=SHAPES, dtype=np.float32, threads=1, lr=1e-2, use_locking=False, fed_lr=False,
           reload_at=None, seed=0):
    """Adam on ``sum(w * g_t)``-style losses with fresh random gradients each step; returns the values of every
    variable and slot after each step, the op types of the train step and the graph."""
    rng = np.random.RandomState(seed)
    graph = kf.Graph()
    with graph.as_default():
        variables = [kf.Variable(rng.standard_normal(s).astype(dtype), name="w%d" % i) for i, s in enumerate(shapes)]
        grads = [kf.placeholder(variables[i].dtype, s, name="g%d" % i) for i, s in enumerate(shapes)]
        rate = kf.placeholder(kf.float32, [], name="lr") if fed_lr else lr
        opt = kf.train.AdamOptimizer(rate, use_locking=use_locking)
        train = opt.apply_gradients(list(zip(grads, variables)))
        state = variables + [opt.get_slot(v, n) for v in variables for n in ("m", "v")] + \
            list(opt._get_beta_accumulators(graph))
        config = kf.ConfigProto(intra_op_parallelism_threads=threads)
        history = []
        with kf.Session(config=config) as sess:
            sess.run(kf.global_variables_initializer())
            for step in range(steps):
                if step == reload_at:
                    variables[0].load(rng.standard_normal(shapes[0]).astype(dtype), sess)
                feed = {g: rng.standard_normal(g.shape.as_list()).astype(dtype) for g in grads}
                if fed_lr:
                    feed[rate] = lr / (1 + step)
                sess.run(train, feed)
                history.append(sess.run(state))
    types = [op.type for op in graph.get_operations() if "Apply" in op.type]
    return history, types, graph


def _assert_same(a, b):
    for step_a, step_b in zip(a, b):
        for x, y in zip(step_a, step_b):
            np.testing.assert_array_equal(x, y)


def test_one_op_updates_all_dense_variables():
    _, types, graph = _train(1)
    assert types == ["MultiTensorApplyAdam"]
    # TF1's slot and non-slot variable names are unchanged
    names = {v.name for v in graph.get_collection(kf.GraphKeys.GLOBAL_VARIABLES)}
    assert {"w0/Adam:0", "w0/Adam_1:0", "w5/Adam:0", "w5/Adam_1:0", "beta1_power:0", "beta2_power:0"} <= names


@pytest.mark.parametrize("threads", [1, 2])
def test_matches_per_variable_adam_bit_for_bit(monkeypatch, threads):
    _blas_lowered(monkeypatch)
    grouped, types, _ = _train(6, threads=threads)
    assert types == ["MultiTensorApplyAdam"]
    _per_variable(monkeypatch)
    single, types, _ = _train(6, threads=threads)
    assert set(types) == {"ApplyAdam"}
    _assert_same(grouped, single)


def test_thread_split_covers_every_element(monkeypatch):
    # two parts over all variables' elements taken together: the first variable is cut in the middle
    _blas_lowered(monkeypatch)
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    calls = []
    original = batch_parallel._split
    monkeypatch.setattr(batch_parallel, "_split", lambda fn, n, parts: calls.append((n, parts)) or original(fn, n,
                                                                                                         parts))
    grouped, _, _ = _train(4, threads=2)
    total = sum(int(np.prod(s)) for s in SHAPES)
    assert calls and all(c == (total, 2) for c in calls)
    monkeypatch.setattr(batch_parallel, "_split", original)
    _per_variable(monkeypatch)
    single, _, _ = _train(4, threads=1)
    _assert_same(grouped, single)


@pytest.mark.parametrize("threads,lowered,parts", [(2, False, None), (0, True, 2), (0, False, None)])
def test_splits_only_while_blas_is_single_threaded(monkeypatch, threads, lowered, parts):
    # OpenBLAS's idle workers spin after a product: a part handed to a thread would share their core. The
    # default (0) allows every core of the process, as TF's intra-op pool does.
    _blas_lowered(monkeypatch, lowered)
    monkeypatch.setattr(core_budget, "cores", lambda: 2)
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    calls = []
    original = batch_parallel._split
    monkeypatch.setattr(batch_parallel, "_split", lambda fn, n, k: calls.append(k) or original(fn, n, k))
    grouped, _, _ = _train(3, threads=threads)
    assert calls == ([parts] * 3 if parts else [])
    _per_variable(monkeypatch)
    monkeypatch.setattr(batch_parallel, "_split", original)
    single, _, _ = _train(3, threads=1)
    _assert_same(grouped, single)


@pytest.mark.skipif(os.environ.get("KFLOW_FAST_TESTS") == "1", reason="allocates a 2M-element variable")
def test_large_variable_in_l2_blocks_matches(monkeypatch):
    shapes = [(1 << 21,), (7,)]
    grouped, _, _ = _train(2, shapes=shapes)
    _per_variable(monkeypatch)
    single, _, _ = _train(2, shapes=shapes)
    _assert_same(grouped, single)


def test_fed_learning_rate_locking_and_float64(monkeypatch):
    kwargs = dict(steps=4, shapes=[(5, 3), (3,), (2,)], dtype=np.float64, fed_lr=True, use_locking=True)
    grouped, types, _ = _train(**kwargs)
    assert types == ["MultiTensorApplyAdam"]
    _per_variable(monkeypatch)
    single, _, _ = _train(**kwargs)
    _assert_same(grouped, single)


def test_variable_load_between_steps(monkeypatch):
    grouped, _, _ = _train(5, reload_at=3)
    _per_variable(monkeypatch)
    single, _, _ = _train(5, reload_at=3)
    _assert_same(grouped, single)


def test_close_to_float64_reference():
    # the float32 group stays within float32 tolerance of the same steps computed in float64
    f32, _, _ = _train(10, shapes=[(20, 10), (10,)], dtype=np.float32)
    f64, _, _ = _train(10, shapes=[(20, 10), (10,)], dtype=np.float64)
    for x, y in zip(f32[-1], f64[-1]):
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)


def _model(embedding=False, constraint=False):
    rng = np.random.RandomState(0)
    x = kf.constant(rng.standard_normal((8, 4)).astype(np.float32))
    w = kf.Variable(rng.standard_normal((4, 3)).astype(np.float32), name="w")
    b = kf.Variable(np.zeros(3, np.float32), name="b")
    c = kf.Variable(np.ones(3, np.float32), name="c", constraint=(lambda t: kf.clip_by_value(t, 0.0, 1.0))
                    if constraint else None)
    h = kf.matmul(x, w) + b + c
    if embedding:
        table = kf.Variable(rng.standard_normal((10, 3)).astype(np.float32), name="table")
        h = h + kf.nn.embedding_lookup(table, kf.constant([1, 3, 3, 0, 9, 2, 2, 5]))
    return kf.reduce_mean(kf.square(h))


@pytest.mark.parametrize("embedding,constraint", [(True, False), (False, True)])
def test_sparse_and_constrained_variables_keep_their_own_op(monkeypatch, embedding, constraint):
    results = []
    for grouped in (True, False):
        if not grouped:
            _per_variable(monkeypatch)
        with kf.Graph().as_default() as graph:
            loss = _model(embedding, constraint)
            train = kf.train.AdamOptimizer(0.1).minimize(loss)
            types = sorted(op.type for op in graph.get_operations() if "Apply" in op.type)
            with kf.Session() as sess:
                sess.run(kf.global_variables_initializer())
                for _ in range(5):
                    sess.run(train)
                results.append([sess.run(v) for v in kf.global_variables()])
        if grouped:
            assert types == ["ApplyAdam", "MultiTensorApplyAdam"]
    _assert_same([results[0]], [results[1]])


def test_lone_variable_and_subclass_use_per_variable_ops():
    class Custom(kf.train.AdamOptimizer):
        def _apply_dense(self, grad, var):
            return super()._apply_dense(grad, var)

    for make, var_list in ((kf.train.AdamOptimizer, ["w"]), (Custom, None)):
        with kf.Graph().as_default() as graph:
            loss = _model()
            chosen = None if var_list is None else [v for v in kf.trainable_variables() if v.op.name in var_list]
            make(0.1).minimize(loss, var_list=chosen)
            types = {op.type for op in graph.get_operations() if "Apply" in op.type}
        assert types == {"ApplyAdam"}


def test_checkpoint_holds_the_same_names_and_values(monkeypatch, tmp_path):
    saved = {}
    for grouped in (True, False):
        if not grouped:
            _per_variable(monkeypatch)
        with kf.Graph().as_default():
            train = kf.train.AdamOptimizer(0.1).minimize(_model())
            saver = kf.train.Saver()
            with kf.Session() as sess:
                sess.run(kf.global_variables_initializer())
                for _ in range(3):
                    sess.run(train)
                path = saver.save(sess, str(tmp_path / ("grouped" if grouped else "single")))
        saved[grouped] = {name: kf.train.load_variable(path, name) for name, _ in kf.train.list_variables(path)}
    assert sorted(saved[True]) == sorted(saved[False])
    assert {"w/Adam", "w/Adam_1", "beta1_power", "beta2_power"} <= set(saved[True])
    for name in saved[True]:
        np.testing.assert_array_equal(saved[True][name], saved[False][name])


def test_uninitialized_slot_is_named():
    with kf.Graph().as_default():
        train = kf.train.AdamOptimizer(0.1).minimize(_model())
        with kf.Session() as sess:
            sess.run(kf.variables_initializer([v for v in kf.global_variables() if "Adam_1" not in v.name]))
            with pytest.raises(kf.errors.FailedPreconditionError, match="w/Adam_1.*MultiTensorApplyAdam"):
                sess.run(train)


def test_group_needs_matching_lists():
    from kflow.train.multi_tensor_update import group_update
    with kf.Graph().as_default():
        w = kf.Variable(np.zeros(2, np.float32))
        with pytest.raises(ValueError, match="one gradient and one slot list per variable"):
            group_update(adam_mod.APPLY_ADAM_GROUP, [w], [], [[]], [], adam_mod._rule)
        with pytest.raises(ValueError, match="gradient.*shape"):
            group_update(adam_mod.APPLY_ADAM_GROUP, [w], [kf.zeros([3])], [[]], [], adam_mod._rule)


def test_parts_run_at_once_never_share_scratch():
    # split over threads, a part may update the tail of one variable while another updates the head of the
    # first: each variable's scratch must then be its own range (a shared buffer raced: 12000 wrong weights)
    from kflow.train.multi_tensor_update import _Layout
    states = [[np.zeros(s, np.float32)] for s in SHAPES]
    split = _Layout(states, [s for s in SHAPES], 1, most_threads=2)
    assert split.split
    views = [v[0] for v in split.views]
    for i in range(len(views)):
        assert views[i].shape == SHAPES[i]
        for j in range(i):
            assert not np.shares_memory(views[i], views[j])
    whole = _Layout(states, [s for s in SHAPES], 1, most_threads=1)  # one after another: one shared buffer
    assert not whole.split and np.shares_memory(whole.views[0][0], whole.views[2][0])


def test_a_large_variable_keeps_its_own_blocked_update():
    from kflow.train.fused_update import BLOCKED_MIN_ELEMENTS
    with kf.Graph().as_default():
        big = kf.Variable(np.zeros((BLOCKED_MIN_ELEMENTS // 1024, 1024), np.float32), name="big")
        small = [kf.Variable(np.ones(3, np.float32), name="s%d" % i) for i in range(2)]
        loss = kf.reduce_sum(big) + sum(kf.reduce_sum(s * s) for s in small)
        kf.train.AdamOptimizer(0.1).minimize(loss)
        ops = kf.get_default_graph().get_operations()
        grouped = [op for op in ops if op.type == "MultiTensorApplyAdam"]
        single = [op for op in ops if op.type == "ApplyAdam"]
        assert len(grouped) == 1 and [v.name for v in grouped[0].attrs["variables"]] == ["s0", "s1"]
        assert [op.attrs["var"].name for op in single] == ["big"]
