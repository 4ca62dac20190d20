"""kf.function: one trace per input signature, run as a compiled plan; variables created on the first call only;
frequent retracing reported; Python control flow on symbolic tensors gives a clear error."""
import warnings

import numpy as np
import pytest

import kflow as kf
from kflow.engine import function as function_mod


@pytest.fixture(autouse=True)
def eager():
    with kf.eager_mode():
        yield


def test_traces_once_per_signature_and_runs_the_plan():
    traces = []

    @kf.function
    def f(x, scale):
        traces.append(1)
        return kf.reduce_sum(x * scale)

    x = np.ones((2, 3), np.float32)
    assert f(x, 2.0).numpy() == 12.0
    assert f(x * 2, 2.0).numpy() == 24.0  # same signature: no new trace
    assert len(traces) == 1
    assert f(kf.constant(x), 2.0).numpy() == 12.0  # an eager tensor of that signature: the same trace
    assert len(traces) == 1
    assert f(x, 3.0).numpy() == 18.0  # a new Python value: a new trace
    assert f(np.ones((4, 3), np.float32), 3.0).numpy() == 36.0  # a new shape: a new trace
    assert len(traces) == 3


def test_outputs_keep_their_structure():
    @kf.function
    def f(x):
        return {"double": x * 2.0, "pair": (x + 1.0, None)}

    out = f(np.float32(1.5) * np.ones(2, np.float32))
    assert isinstance(out["double"], kf.EagerTensor) and out["double"].numpy().tolist() == [3.0, 3.0]
    assert out["pair"][0].numpy().tolist() == [2.5, 2.5] and out["pair"][1] is None


def test_training_step_updates_the_eager_variables_like_eager_code():
    rng = np.random.RandomState(0)
    x = rng.rand(8, 3).astype(np.float32)
    y = rng.rand(8, 1).astype(np.float32)
    init = rng.rand(3, 1).astype(np.float32)

    def make():
        w = kf.Variable(init)
        opt = kf.train.AdamOptimizer(0.1)

        def step(xb, yb):
            with kf.GradientTape() as tape:
                loss = kf.reduce_mean((kf.matmul(xb, w) - yb) ** 2)
            opt.apply_gradients(zip(tape.gradient(loss, [w]), [w]))
            return loss
        return w, step

    w_eager, eager_step = make()
    w_traced, traced_step = make()
    traced_step = kf.function(traced_step)
    for _ in range(4):
        le = eager_step(x, y)
        lt = traced_step(x, y)
        np.testing.assert_allclose(lt.numpy(), le.numpy(), rtol=1e-5)
    np.testing.assert_allclose(w_traced.numpy(), w_eager.numpy(), rtol=1e-5)


def test_minimize_inside_a_function_and_gradients_of_captured_variables():
    w = kf.Variable(np.ones((2, 1), np.float32), name="w")
    opt = kf.train.GradientDescentOptimizer(0.1)

    @kf.function
    def step(x):
        loss = kf.reduce_sum(kf.matmul(x, w))
        opt.minimize(loss, var_list=[w])
        return loss

    x = np.array([[1.0, 2.0]], np.float32)
    assert step(x).numpy() == 3.0
    assert step(x).numpy() == pytest.approx(2.5)
    np.testing.assert_allclose(w.numpy(), [[0.8], [0.6]], rtol=1e-6)


def test_variables_are_created_on_the_first_call_only():
    class Counter:
        def __init__(self):
            self.v = None

        @kf.function
        def add(self, x):
            if self.v is None:
                self.v = kf.Variable(0.0)
            self.v.assign_add(kf.reduce_sum(x))
            return self.v.read_value()

    c = Counter()
    assert c.add(np.ones(2, np.float32)).numpy() == 2.0
    assert c.add(np.ones(2, np.float32)).numpy() == 4.0
    assert isinstance(c.v, kf.Variable) and c.v.numpy() == 4.0

    @kf.function
    def leaky(x):
        kf.Variable(1.0)
        return x

    leaky(np.ones(1, np.float32))
    with pytest.raises(ValueError, match="tried to create variables"):
        leaky(np.ones(2, np.float32))


def test_frequent_retracing_is_reported_once():
    @kf.function
    def f(x, k):
        return x * k

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for k in range(function_mod.RETRACE_WARN_TRACES + 2):
            f(np.ones(1, np.float32), float(k))
    retrace = [w for w in caught if "traced" in str(w.message)]
    assert len(retrace) == 1 and "'f' has been traced %d times" % function_mod.RETRACE_WARN_TRACES \
        in str(retrace[0].message)


def test_python_control_flow_on_tensors_points_to_cond_and_while_loop():
    @kf.function
    def f(x):
        if x > 0:
            return x
        return -x

    with pytest.raises(TypeError, match="kf.cond.*kf.while_loop"):
        f(kf.constant(1.0))

    @kf.function
    def g(x):
        return kf.cond(x > 0, lambda: x, lambda: -x)

    assert g(kf.constant(-2.0)).numpy() == 2.0


def test_captured_eager_tensors_become_constants():
    c = kf.constant([1.0, 2.0])

    @kf.function
    def f(x):
        return x + c

    assert f(np.zeros(2, np.float32)).numpy().tolist() == [1.0, 2.0]


def test_in_graph_mode_the_function_builds_into_the_graph():
    @kf.function
    def f(x):
        return x * 2.0

    with kf.graph_mode(), kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [None])
        y = f(x)
        with kf.Session() as sess:
            assert sess.run(y, {x: [1.0, 2.0]}).tolist() == [2.0, 4.0]


def test_a_tape_around_a_function_call_differentiates_through_it():
    with kf.eager_mode():
        w = kf.Variable(np.array([1.0, -2.0]))

        @kf.function
        def f(x):
            return kf.reduce_sum(kf.sin(x * w) * x)

        x = kf.constant(np.array([0.3, 0.7]))
        f(x)  # traced once, outside any tape
        with kf.GradientTape() as tape:
            tape.watch(x)
            y = f(x)
        gx, gw = tape.gradient(y, [x, w])
        xv, wv = x.numpy(), w.numpy()
        np.testing.assert_allclose(gx.numpy(), np.sin(xv * wv) + xv * wv * np.cos(xv * wv), rtol=1e-12)
        np.testing.assert_allclose(gw.numpy(), xv * xv * np.cos(xv * wv), rtol=1e-12)
        np.testing.assert_allclose(float(y), float(f(x)), rtol=1e-12)  # the traced call agrees
        with kf.GradientTape() as tape:
            tape.watch(x)
            with tape.stop_recording():
                y = f(x)  # not recording: the traced graph runs
        assert tape.gradient(y, x) is None
