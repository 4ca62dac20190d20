"""kf.train optimizers: each update rule against a hand-written numpy reference over several steps (float64)."""
import math

import numpy as np
import pytest

import kflow as kf

RNG = np.random.RandomState(0)
X = RNG.randn(8, 3)
Y = RNG.randn(8, 2)
W0 = RNG.randn(3, 2)
B0 = RNG.randn(2)
STEPS = 5


def _grads(w, b):
    """Gradients of sum((X w + b - Y)^2)."""
    r = X @ w + b - Y
    return 2 * X.T @ r, 2 * r.sum(axis=0)


def _run(make_opt, steps=STEPS, feed=None, lr_placeholder=False):
    """Trains W, b with the optimizer; returns the values after each step and the optimizer."""
    w = kf.Variable(W0, name="w")
    b = kf.Variable(B0, name="b")
    loss = kf.reduce_sum(kf.square(kf.matmul(kf.constant(X), w) + b - kf.constant(Y)))
    opt = make_opt()
    train_op = opt.minimize(loss)
    out = []
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for _ in range(steps):
            sess.run(train_op, feed or {})
            out.append(sess.run([w, b]))
    return out, opt


def _reference(update, state_init, steps=STEPS):
    """Applies ``update(param, grad, state, t)`` to W0, B0 with numpy; returns values after each step."""
    params = [W0.copy(), B0.copy()]
    states = [state_init(p) for p in params]
    out = []
    for t in range(1, steps + 1):
        grads = _grads(*params)
        params = [update(p, g, s, t) for p, g, s in zip(params, grads, states)]
        out.append([p.copy() for p in params])
    return out


def _assert_close(got, want):
    for (gw, gb), (ww, wb) in zip(got, want):
        np.testing.assert_allclose(gw, ww, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(gb, wb, rtol=1e-10, atol=1e-12)


def test_gradient_descent_matches_numpy():
    got, _ = _run(lambda: kf.train.GradientDescentOptimizer(0.01))
    _assert_close(got, _reference(lambda p, g, s, t: p - 0.01 * g, lambda p: None))


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_matches_numpy(nesterov):
    lr, mu = 0.01, 0.9

    def update(p, g, s, t):
        s["a"] = mu * s["a"] + g
        return p - lr * (g + mu * s["a"]) if nesterov else p - lr * s["a"]

    got, _ = _run(lambda: kf.train.MomentumOptimizer(lr, mu, use_nesterov=nesterov))
    _assert_close(got, _reference(update, lambda p: {"a": np.zeros_like(p)}))


def test_adam_matches_numpy():
    lr, b1, b2, eps = 0.05, 0.8, 0.95, 1e-6

    def update(p, g, s, t):
        s["m"] = b1 * s["m"] + (1 - b1) * g
        s["v"] = b2 * s["v"] + (1 - b2) * g * g
        lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return p - lr_t * s["m"] / (np.sqrt(s["v"]) + eps)

    got, _ = _run(lambda: kf.train.AdamOptimizer(lr, b1, b2, eps))
    _assert_close(got, _reference(update, lambda p: {"m": np.zeros_like(p), "v": np.zeros_like(p)}))


@pytest.mark.parametrize("centered", [False, True])
def test_rmsprop_matches_numpy(centered):
    lr, rho, mu, eps = 0.01, 0.9, 0.5, 1e-10

    def update(p, g, s, t):
        s["ms"] = rho * s["ms"] + (1 - rho) * g * g
        denom = s["ms"] + eps
        if centered:
            s["mg"] = rho * s["mg"] + (1 - rho) * g
            denom = denom - s["mg"] ** 2
        s["mom"] = mu * s["mom"] + lr * g / np.sqrt(denom)
        return p - s["mom"]

    got, _ = _run(lambda: kf.train.RMSPropOptimizer(lr, decay=rho, momentum=mu, epsilon=eps, centered=centered))
    _assert_close(got, _reference(update, lambda p: {"ms": np.ones_like(p), "mg": np.zeros_like(p),
                                                     "mom": np.zeros_like(p)}))


def test_adagrad_matches_numpy():
    lr, init = 0.1, 0.2

    def update(p, g, s, t):
        s["acc"] = s["acc"] + g * g
        return p - lr * g / np.sqrt(s["acc"])

    got, _ = _run(lambda: kf.train.AdagradOptimizer(lr, initial_accumulator_value=init))
    _assert_close(got, _reference(update, lambda p: {"acc": np.full_like(p, init)}))


def test_learning_rate_may_be_a_fed_placeholder_or_a_variable():
    lr = kf.placeholder(kf.float64, [], name="lr")
    got, _ = _run(lambda: kf.train.GradientDescentOptimizer(lr), feed={lr: 0.02})
    _assert_close(got, _reference(lambda p, g, s, t: p - 0.02 * g, lambda p: None))
    kf.reset_default_graph()
    w = kf.Variable([1.0, 2.0])
    rate = kf.Variable(0.5, dtype=kf.float64)
    train_op = kf.train.GradientDescentOptimizer(rate).minimize(kf.reduce_sum(w))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(train_op)
        rate.load(0.25, sess)  # a new rate takes effect without new ops
        sess.run(train_op)
        np.testing.assert_allclose(sess.run(w), [0.25, 1.25])


@pytest.mark.parametrize("make_opt, names", [
    (lambda: kf.train.AdamOptimizer(), ["dense/kernel/Adam:0", "dense/kernel/Adam_1:0"]),
    (lambda: kf.train.MomentumOptimizer(0.1, 0.9), ["dense/kernel/Momentum:0"]),
    (lambda: kf.train.RMSPropOptimizer(0.1), ["dense/kernel/RMSProp:0", "dense/kernel/RMSProp_1:0"]),
    (lambda: kf.train.RMSPropOptimizer(0.1, centered=True),
     ["dense/kernel/RMSProp:0", "dense/kernel/RMSProp_1:0", "dense/kernel/RMSProp_2:0"]),
    (lambda: kf.train.AdagradOptimizer(0.1), ["dense/kernel/Adagrad:0"]),
])
def test_slot_names_follow_tf(make_opt, names):
    with kf.name_scope("dense"):
        kernel = kf.Variable(np.ones((2, 3), np.float32), name="kernel")
    opt = make_opt()
    with kf.name_scope("train"):  # the user's name scope does not prefix slot names
        opt.minimize(kf.reduce_sum(kernel * kernel))
    slots = [opt.get_slot(kernel, n) for n in opt.get_slot_names()]
    assert sorted(s.name for s in slots) == names
    assert all(not s.trainable and s in kf.global_variables() for s in slots)
    assert all(s.shape == kernel.shape and s.dtype is kernel.dtype for s in slots)
    assert kf.trainable_variables() == [kernel]


def test_adam_variables_and_slot_lookup():
    w = kf.Variable([1.0, 2.0], name="w")
    opt = kf.train.AdamOptimizer()
    opt.minimize(kf.reduce_sum(w * w))
    assert [v.name for v in opt.variables()] == ["beta1_power:0", "beta2_power:0", "w/Adam:0", "w/Adam_1:0"]
    assert opt.get_slot_names() == ["m", "v"]
    assert opt.get_slot(w, "m").name == "w/Adam:0"
    assert opt.get_slot(w, "nope") is None
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(opt._get_beta_accumulators()), [0.9, 0.999], rtol=1e-6)
        sess.run(kf.get_default_graph().get_operation_by_name("Adam"))
        np.testing.assert_allclose(sess.run(opt._get_beta_accumulators()), [0.81, 0.998001], rtol=1e-6)


def test_var_list_limits_the_update():
    a = kf.Variable([1.0], name="a")
    b = kf.Variable([1.0], name="b")
    opt = kf.train.GradientDescentOptimizer(0.5)
    train_op = opt.minimize(kf.reduce_sum(a * b), var_list=[a])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(train_op)
        np.testing.assert_allclose(sess.run([a, b]), [[0.5], [1.0]])


def test_compute_gradients_keeps_none_and_apply_increments_global_step():
    a = kf.Variable([2.0], name="a")
    unused = kf.Variable([3.0], name="unused")
    gs = kf.train.get_or_create_global_step()
    opt = kf.train.GradientDescentOptimizer(0.25)
    grads_and_vars = opt.compute_gradients(kf.reduce_sum(a * a))
    assert [v for _, v in grads_and_vars] == [a, unused]
    assert grads_and_vars[1][0] is None
    train_op = opt.apply_gradients(grads_and_vars, global_step=gs)
    assert train_op.name == "GradientDescent" and train_op in kf.get_collection(kf.GraphKeys.TRAIN_OP)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for _ in range(3):
            assert sess.run(train_op) is None
        assert kf.train.global_step(sess, gs) == 3
        np.testing.assert_allclose(sess.run(a), [0.25])  # 2 -> 1 -> 0.5 -> 0.25


def test_no_gradient_error_names_the_loss():
    a = kf.Variable([2.0], name="a")
    loss = kf.reduce_sum(kf.stop_gradient(a * 2.0), name="my_loss")
    with pytest.raises(ValueError, match="my_loss"):
        kf.train.AdamOptimizer().minimize(loss)
    with pytest.raises(ValueError, match="No gradients provided"):
        kf.train.AdamOptimizer().apply_gradients([(None, a)])


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="No variables to optimize"):
        kf.train.GradientDescentOptimizer(0.1).minimize(kf.constant(1.0) * 2.0)
    a = kf.Variable([2.0], name="a")
    i = kf.Variable([2], name="i", trainable=False)
    with pytest.raises(TypeError, match="floating-point variable"):
        kf.train.GradientDescentOptimizer(0.1).minimize(kf.reduce_sum(a), var_list=[a, i])
    with pytest.raises(TypeError, match="dtype float64"):
        kf.train.GradientDescentOptimizer(0.1).apply_gradients([(kf.constant([1.0], kf.float64), a)])
    with pytest.raises(ValueError, match="must be a scalar"):
        kf.train.GradientDescentOptimizer(kf.constant([0.1, 0.2])).minimize(kf.reduce_sum(a))
    with pytest.raises(ValueError, match="initial_accumulator_value"):
        kf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.0)


def test_uninitialized_slot_names_the_variable():
    a = kf.Variable([2.0], name="a")
    with kf.Session() as sess:
        sess.run(a.initializer)
        train_op = kf.train.MomentumOptimizer(0.1, 0.9).minimize(kf.reduce_sum(a))
        with pytest.raises(kf.errors.FailedPreconditionError, match="a/Momentum"):
            sess.run(train_op)


def test_minimize_runs_update_ops_of_its_model_only():
    x = kf.placeholder(kf.float32, [None], name="x")
    other = kf.placeholder(kf.float32, [None], name="other")
    w = kf.Variable(1.0, name="w")
    moving = kf.Variable(0.0, name="moving", trainable=False)
    counter = kf.Variable(0.0, name="counter", trainable=False)
    kf.add_to_collection(kf.GraphKeys.UPDATE_OPS, moving.assign(kf.reduce_mean(x)))
    kf.add_to_collection(kf.GraphKeys.UPDATE_OPS, counter.assign_add(kf.reduce_sum(other)))  # another model
    train_op = kf.train.GradientDescentOptimizer(0.1).minimize(kf.reduce_sum(w * x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(train_op, {x: [1.0, 3.0]})  # `other` need not be fed
        assert sess.run(moving) == 2.0 and sess.run(counter) == 0.0


def test_minimize_updates_batch_norm_moving_statistics():
    x = kf.placeholder(kf.float32, [None, 3])
    h = kf.layers.batch_normalization(x, training=True, momentum=0.9)
    train_op = kf.train.GradientDescentOptimizer(0.1).minimize(kf.reduce_sum(kf.layers.dense(h, 1)))
    moving_mean = [v for v in kf.global_variables() if "moving_mean" in v.name][0]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(train_op, {x: np.full((4, 3), 5.0, np.float32)})
        np.testing.assert_allclose(sess.run(moving_mean), [0.5, 0.5, 0.5], rtol=1e-6)


def test_updates_are_in_place_and_wait_for_all_gradients():
    # two layers: the first layer's gradient reads w2, which is also updated; it must read the old w2
    x = kf.constant([[1.0, 2.0]], kf.float64)
    w1 = kf.Variable([[1.0], [2.0]], dtype=kf.float64, name="w1")
    w2 = kf.Variable([[3.0]], dtype=kf.float64, name="w2")
    loss = kf.reduce_sum(kf.matmul(kf.matmul(x, w1), w2))
    train_op = kf.train.GradientDescentOptimizer(1.0).minimize(loss)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        before = sess.variable_values[w1.op], sess.variable_values[w2.op]
        sess.run(train_op)
        assert sess.variable_values[w1.op] is before[0] and sess.variable_values[w2.op] is before[1]
        np.testing.assert_allclose(sess.run(w1), [[1.0 - 3.0], [2.0 - 6.0]])  # d/dw1 = x^T w2 with old w2
        np.testing.assert_allclose(sess.run(w2), [[3.0 - 5.0]])


def test_two_sessions_keep_separate_slots_and_no_graph_growth():
    w = kf.Variable([1.0, -1.0], name="w")
    train_op = kf.train.AdamOptimizer(0.1).minimize(kf.reduce_sum(w * w))
    init = kf.global_variables_initializer()
    kf.get_default_graph().finalize()
    with kf.Session() as s1, kf.Session() as s2:
        s1.run(init)
        s2.run(init)
        for _ in range(3):
            s1.run(train_op)
        s2.run(train_op)
        assert np.abs(s1.run(w)).max() < np.abs(s2.run(w)).max() < 1.0


def test_variable_constraint_applies_after_the_update():
    w = kf.Variable([0.5, -0.5], name="w", constraint=lambda t: kf.clip_by_value(t, 0.0, 1.0))
    train_op = kf.train.GradientDescentOptimizer(1.0).minimize(kf.reduce_sum(w))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(train_op)
        np.testing.assert_allclose(sess.run(w), [0.0, 0.0])


def test_gate_graph_and_float32_training():
    w = kf.Variable(np.full((3,), 5.0, np.float32), name="w")
    opt = kf.train.MomentumOptimizer(0.1, 0.5)
    train_op = opt.minimize(kf.reduce_sum(kf.square(w)), gate_gradients=opt.GATE_GRAPH)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for _ in range(50):
            sess.run(train_op)
        value = sess.run(w)
    assert value.dtype == np.float32 and np.abs(value).max() < 1e-2


def test_large_updates_run_in_cache_sized_blocks_with_the_same_result(monkeypatch):
    from kflow.engine.ops import batch_parallel
    from kflow.train import fused_update

    start = RNG.randn(40, 25)
    w = kf.Variable(start, name="w")
    train_op = kf.train.AdamOptimizer(0.1).minimize(kf.reduce_sum(kf.sin(w) * w))
    init = kf.global_variables_initializer()
    values, block_sizes = [], []
    for blocked in (False, True):
        if blocked:
            monkeypatch.setattr(fused_update, "BLOCKED_MIN_ELEMENTS", 100)
            monkeypatch.setattr(fused_update, "UPDATE_BLOCK_ELEMENTS", 100)
            real_blocked = batch_parallel._blocked
            monkeypatch.setattr(batch_parallel, "_blocked", lambda fn, size: block_sizes.append(size) or
                                real_blocked(fn, size))
        with kf.Session() as sess:
            sess.run(init)
            for _ in range(3):
                sess.run(train_op)
            values.append(sess.run(w))
    assert block_sizes and set(block_sizes) == {100}
    assert not np.allclose(values[0], start)
    np.testing.assert_array_equal(values[0], values[1])


def test_threaded_update_of_large_variables_matches_serial(monkeypatch):
    from kflow.engine import blas_threads
    from kflow.engine.ops import batch_parallel

    monkeypatch.setattr(blas_threads, "lowered", lambda: True)  # updates split only while BLAS is lowered
    monkeypatch.setattr(batch_parallel, "MIN_ELEMENTS", 64)
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 4)
    pools = []
    real_split = batch_parallel._split
    monkeypatch.setattr(batch_parallel, "_split", lambda fn, n, parts: pools.append(parts) or real_split(fn, n, parts))
    start = RNG.randn(50, 7)
    w = kf.Variable(start, name="w")
    train_op = kf.train.AdamOptimizer(0.1).minimize(kf.reduce_sum(kf.sin(w) * w))
    init = kf.global_variables_initializer()
    values = []
    for threads in (1, 3):
        with kf.Session(config=kf.ConfigProto(intra_op_parallelism_threads=threads)) as sess:
            sess.run(init)
            for _ in range(3):
                sess.run(train_op)
            values.append(sess.run(w))
    assert pools and set(pools) == {3}  # only the 3-thread session split its updates
    assert not np.allclose(values[0], start)
    np.testing.assert_array_equal(values[0], values[1])
