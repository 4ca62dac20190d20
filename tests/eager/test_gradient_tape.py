"""kf.GradientTape: watching, persistence, nesting, non-scalar targets, stop_recording, variables; tfe helpers;
optimizers' apply_gradients and minimize(lambda: loss) in eager mode."""
import numpy as np
import pytest

import kflow as kf
import kflow.contrib.eager as tfe


@pytest.fixture(autouse=True)
def eager():
    with kf.eager_mode():
        yield


def test_watched_tensor_gradient():
    x = kf.constant(3.0)
    with kf.GradientTape() as tape:
        tape.watch(x)
        y = x * x + 2.0 * x
    assert tape.gradient(y, x).numpy() == 8.0


def test_unwatched_constant_gets_none_and_unconnected_zero():
    x, z = kf.constant(3.0), kf.constant(1.0)
    with kf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * 2.0
    assert tape.gradient(y, z) is None
    assert tape.gradient(y, z, unconnected_gradients=kf.UnconnectedGradients.ZERO).numpy() == 0.0


def test_non_persistent_tape_answers_once():
    x = kf.constant(2.0)
    with kf.GradientTape() as tape:
        tape.watch(x)
        y = x ** 3
    assert tape.gradient(y, x).numpy() == 12.0
    with pytest.raises(RuntimeError, match="only be called once"):
        tape.gradient(y, x)


def test_persistent_tape_gives_several_gradients():
    x = kf.constant([1.0, 2.0])
    with kf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = x * x
        z = y * y
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [2, 4])
    np.testing.assert_allclose(tape.gradient(z, x).numpy(), [4, 32])
    dz, dy = tape.gradient([z, y], [x, x])  # a list of targets is summed
    np.testing.assert_allclose(dz.numpy(), [6, 36])


def test_nested_tapes_give_second_order():
    x = kf.constant(1.5)
    with kf.GradientTape() as outer:
        outer.watch(x)
        with kf.GradientTape() as inner:
            inner.watch(x)
            y = kf.sin(x) * x
        dy = inner.gradient(y, x)
    d2y = outer.gradient(dy, x)
    np.testing.assert_allclose(dy.numpy(), np.cos(1.5) * 1.5 + np.sin(1.5), rtol=1e-6)
    np.testing.assert_allclose(d2y.numpy(), 2 * np.cos(1.5) - 1.5 * np.sin(1.5), rtol=1e-5)


def test_non_scalar_targets_and_output_gradients():
    x = kf.constant([[1.0, 2.0], [3.0, 4.0]])
    with kf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        y = kf.matmul(x, x)
    expected = np.ones((2, 2)) @ x.numpy().T + x.numpy().T @ np.ones((2, 2))
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), expected)
    seed = np.array([[1.0, 0.0], [0.0, 0.0]], np.float32)
    np.testing.assert_allclose(tape.gradient(y, x, output_gradients=seed).numpy(),
                               seed @ x.numpy().T + x.numpy().T @ seed)


def test_stop_recording_and_stop_gradient():
    x = kf.constant(2.0)
    with kf.GradientTape() as tape:
        tape.watch(x)
        y = x * x
        with tape.stop_recording():
            z = y * 10.0  # not recorded: gives no gradient
        w = y + kf.stop_gradient(y) * 3.0
    assert tape.gradient([z, w], x).numpy() == 4.0


def test_trainable_variables_are_watched_when_read():
    v = kf.Variable(3.0)
    frozen = kf.Variable(5.0, trainable=False)
    with kf.GradientTape() as tape:
        y = v * v * frozen
    assert tape.watched_variables() == [v]
    gv, gf = tape.gradient(y, [v, frozen])
    assert gv.numpy() == 30.0 and gf is None


def test_watch_accessed_variables_false_watches_only_what_is_asked():
    a, b = kf.Variable(2.0), kf.Variable(3.0)
    with kf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(b)
        y = a * b
    ga, gb = tape.gradient(y, [a, b])
    assert ga is None and gb.numpy() == 2.0


def test_variable_read_several_times_sums_its_gradients():
    v = kf.Variable([1.0, 2.0])
    with kf.GradientTape() as tape:
        y = kf.reduce_sum(v * 3.0) + kf.reduce_sum(v * v)
    np.testing.assert_allclose(tape.gradient(y, v).numpy(), [5.0, 7.0])


def test_integer_paths_carry_no_gradient_and_missing_gradients_are_named():
    x = kf.constant([1.0, 2.0])
    with kf.GradientTape() as tape:
        tape.watch(x)
        y = kf.cast(kf.argmax(x), kf.float32) + kf.reduce_sum(x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), [1.0, 1.0])


def test_dropout_gradient_is_its_mask():
    x = kf.constant(np.ones(200, np.float32))
    with kf.GradientTape() as tape:
        tape.watch(x)
        y = kf.nn.dropout(x, keep_prob=0.5)
    g = tape.gradient(y, x).numpy()
    np.testing.assert_allclose(g, y.numpy())  # d(x * mask)/dx = mask, and x = 1
    assert set(np.unique(g)) <= {0.0, 2.0} and 0 < (g == 0).sum() < 200


def test_tape_in_graph_mode_builds_symbolic_gradients():
    with kf.graph_mode(), kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [2])
        v = kf.Variable([1.0, 1.0])
        with kf.GradientTape() as tape:
            y = kf.reduce_sum(x * x * v)
        gx, gv = tape.gradient(y, [x, v])
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            rx, rv = sess.run([gx, gv], {x: [1.0, 3.0]})
    np.testing.assert_allclose(rx, [2.0, 6.0])
    np.testing.assert_allclose(rv, [1.0, 9.0])


def test_tfe_value_and_gradient_helpers():
    f = lambda x, y: x * x * y  # noqa: E731
    value, grads = tfe.value_and_gradients_function(f)(3.0, 2.0)
    assert value.numpy() == 18.0 and [g.numpy() for g in grads] == [12.0, 9.0]
    assert [g.numpy() for g in tfe.gradients_function(f, params=[1])(3.0, 2.0)] == [9.0]
    x = tfe.Variable(2.0)
    loss = lambda y: (y - x ** 2) ** 2  # noqa: E731
    value, pairs = tfe.implicit_value_and_gradients(loss)(7.0)
    assert value.numpy() == 9.0 and pairs[0][0].numpy() == -24.0 and pairs[0][1] is x
    with pytest.raises(ValueError, match="No trainable variables"):
        tfe.implicit_gradients(lambda: kf.constant(1.0))()


@pytest.mark.parametrize("make", [lambda: kf.train.GradientDescentOptimizer(0.1),
                                  lambda: kf.train.MomentumOptimizer(0.05, 0.9),
                                  lambda: kf.train.AdamOptimizer(0.1),
                                  lambda: kf.train.RMSPropOptimizer(0.05),
                                  lambda: kf.train.AdagradOptimizer(0.5)],
                         ids=["sgd", "momentum", "adam", "rmsprop", "adagrad"])
def test_optimizers_minimize_eagerly_as_in_graph_mode(make):
    target = np.array([1.0, -2.0], np.float32)

    def steps_graph():
        with kf.graph_mode(), kf.Graph().as_default():
            w = kf.Variable([0.0, 0.0])
            train = make().minimize(kf.reduce_sum((w - target) ** 2))
            with kf.Session() as sess:
                sess.run(kf.global_variables_initializer())
                for _ in range(5):
                    sess.run(train)
                return sess.run(w)

    w = kf.Variable([0.0, 0.0])
    opt = make()
    step = kf.train.get_or_create_global_step()
    for _ in range(5):
        opt.minimize(lambda: kf.reduce_sum((w - target) ** 2), global_step=step)
    np.testing.assert_allclose(w.numpy(), steps_graph(), rtol=1e-5, atol=1e-6)
    assert int(step) == 5


def test_apply_gradients_with_tape_gradients():
    w = kf.Variable([[1.0], [2.0]])
    opt = kf.train.GradientDescentOptimizer(0.5)
    x = np.array([[1.0, 1.0]], np.float32)
    with kf.GradientTape() as tape:
        loss = kf.reduce_sum(kf.matmul(x, w))
    grads = tape.gradient(loss, [w])
    opt.apply_gradients(zip(grads, [w]))
    np.testing.assert_allclose(w.numpy(), [[0.5], [1.5]])


def test_minimize_needs_a_callable_loss_eagerly():
    w = kf.Variable(1.0)
    with pytest.raises(RuntimeError, match="must be a function"):
        kf.train.GradientDescentOptimizer(0.1).minimize(w * 2.0)


def test_tfe_offers_the_tf1_eager_names():
    assert tfe.executing_eagerly() and tfe.in_eager_mode() and not tfe.in_graph_mode()
    v = tfe.Variable(1.0)
    assert isinstance(v, kf.Variable) and v.numpy() == 1.0
    assert tfe.GradientTape is kf.GradientTape and isinstance(kf.constant(1.0), tfe.EagerTensor)
    double = tfe.defun(lambda x: x * 2.0)
    assert double(kf.constant(3.0)).numpy() == 6.0
    assert [int(x) for x in tfe.Iterator(kf.data.Dataset.range(2))] == [0, 1]
    assert tfe.num_gpus() == 0


def test_eager_steps_do_not_grow_graph_collections():
    w = kf.Variable(1.0)
    opt = kf.train.GradientDescentOptimizer(0.1)
    for _ in range(3):
        loss = kf.losses.mean_squared_error([2.0], [w * 1.0])
        opt.minimize(lambda: kf.losses.mean_squared_error([2.0], [w * 1.0]))
    g = kf.get_default_graph()
    assert g.get_collection(kf.GraphKeys.LOSSES) == [] and g.get_collection(kf.GraphKeys.TRAIN_OP) == []
    assert float(loss) > 0 and g.get_collection(kf.GraphKeys.TRAINABLE_VARIABLES) == [w]


def test_eager_minimize_with_a_var_list_updates_only_those_variables():
    with kf.eager_mode():
        w, b = kf.Variable(2.0), kf.Variable(1.0)
        opt = kf.train.GradientDescentOptimizer(0.1)
        opt.minimize(lambda: (w * 3.0 + b - 1.0) ** 2, var_list=[w])
        # d/dw (3w + b - 1)^2 = 6 (3w + b - 1) = 36 at w=2, b=1
        np.testing.assert_allclose([w.numpy(), b.numpy()], [2.0 - 3.6, 1.0], rtol=1e-6)
        opt.minimize(lambda: (w * 3.0 + b - 1.0) ** 2, var_list={"b": b})
        assert b.numpy() != 1.0
        with pytest.raises(TypeError, match="Variable"):
            opt.minimize(lambda: w * 1.0, var_list=[np.ones(2)])
