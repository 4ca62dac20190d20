"""Optimizer updates as compiled loops (issue 22, item 7): each C loop of ``_update_kernels`` gives its numpy
rule's results bit for bit (float32 and float64, several steps, values from 1e-6 to 1e3, zeros, inf and NaN),
so training does not depend on whether the extension is built; arrays that do not qualify (strided, float16,
read-only, mixed dtypes) take the numpy passes or get a clear error; ``KFLOW_COMPILED_UPDATES=0`` switches the
loops off; and a Keras fit gives the same weights either way."""
import threading

import numpy as np
import pytest

import kflow as kf
from kflow.keras import keras3_update_rules, update_rules
from kflow.train import adagrad, adam, compiled_updates, gradient_descent, momentum, rmsprop

pytestmark = pytest.mark.skipif(
    compiled_updates.kernels is None,
    reason="kflow's C extension kflow.train._update_kernels is not built (no C compiler at install time): "
           "optimizer updates run as numpy passes")

# (name, rule, slots: how each slot starts, hyperparameters after the gradient, the loop it must call, scratch)
RULES = [
    ("sgd", gradient_descent._rule, [], (0.05,), "sgd", 1),
    ("momentum", momentum._rule, ["any"], (0.05, 0.9), "momentum", 1),
    ("nesterov", momentum._nesterov_rule, ["any"], (0.05, 0.9), "nesterov_momentum", 1),
    ("adam", adam._rule, ["any", "square"], (1e-3, 0.9 ** 3, 0.999 ** 3, 0.9, 0.999, 1e-8), "adam", 1),
    ("adagrad", adagrad._rule, ["positive"], (0.1,), "adagrad", 1),
    ("rmsprop", rmsprop._rule, ["square", "any"], (1e-3, 0.9, 0.5, 1e-10), "rmsprop", 1),
    ("centered_rmsprop", rmsprop._centered_rule, ["square", "any", "any"], (1e-3, 0.9, 0.5, 1e-10),
     "centered_rmsprop", 1),
    ("keras_rmsprop", update_rules.KerasRMSprop._rule, ["square"], (1e-3, 0.9, 1e-7), "keras_rmsprop", 1),
    ("keras_adagrad", update_rules.KerasAdagrad._rule, ["square"], (1e-2, 1e-7), "keras_adagrad", 1),
    ("keras_adadelta", update_rules.KerasAdadelta._rule, ["square", "square"], (1.0, 0.95, 1e-7),
     "keras_adadelta", 2),
    ("keras_adamax", update_rules.KerasAdamax._rule, ["any", "square"], (2e-3, 0.9, 0.999, 1e-7), "keras_adamax", 1),
    ("keras_nadam", update_rules.KerasNadam._rule, ["any", "square"], (2e-3, 0.96, 0.05, 1.001, 0.9, 0.999, 1e-7),
     "keras_nadam", 2),
    ("keras_adamw", update_rules.KerasAdamW._rule, ["any", "square"], (2e-3, 4e-6, 0.9, 0.999, 1e-7),
     "keras_adamw", 1),
    ("keras_amsgrad", keras3_update_rules.KerasAMSGrad._rule, ["any", "square", "square"],
     (2e-3, 4e-6, 0.9, 0.999, 1e-7), "keras_amsgrad", 1),
    ("keras_amsgrad_no_decay", keras3_update_rules.KerasAMSGrad._rule, ["any", "square", "square"],
     (2e-3, 0.0, 0.9, 0.999, 1e-7), "keras_amsgrad", 1),
    ("keras_lion", keras3_update_rules.KerasLion._rule, ["any"], (1e-4, 0.9, 0.99), "keras_lion", 1),
]
RULE_FIELDS = "name, rule, slots, hypers, kernel, scratch"
RULE_IDS = [r[0] for r in RULES]




def _values(rng, shape, dtype, kind="any"):
    """Normal values scaled by 1e-6, 1 or 1e3 at random, with zeros; ``square``: non-negative (a second moment),
    ``positive``: above zero (Adagrad's accumulator)."""
    x = np.asarray(rng.standard_normal(shape) * rng.choice([1e-6, 1.0, 1e3], size=shape))
    x[np.asarray(rng.rand(*shape)) < 0.1] = 0.0
    if kind == "square":
        x = x * x
    elif kind == "positive":
        x = np.abs(x) + 0.1
    return np.array(x, dtype=dtype)  # an array even for shape (): arithmetic on 0-d arrays gives scalars


def _state(rule_slots, shape, dtype, seed=0):
    rng = np.random.RandomState(seed)
    return [_values(rng, shape, dtype)] + [_values(rng, shape, dtype, kind) for kind in rule_slots]


def _run(monkeypatch, rule, state, grads, hypers, scratch, compiled):
    """Copies of ``state`` after ``rule`` ran once per gradient, with the compiled loops on or off."""
    monkeypatch.setenv(compiled_updates.ENV_VAR, "1" if compiled else "0")
    state = [s.copy() for s in state]
    buffers = [np.empty_like(state[0]) for _ in range(scratch)]
    for grad in grads:
        rule(*state, grad, *hypers, *buffers)
    return state


def _assert_bits_equal(a, b):
    for x, y in zip(a, b):
        assert x.dtype == y.dtype
        np.testing.assert_array_equal(x, y)  # NaN equals NaN here; everything else must match exactly
        finite = np.isfinite(x)
        assert np.array_equal(np.signbit(x[finite]), np.signbit(y[finite]))  # -0.0 vs +0.0 too


@pytest.mark.parametrize(RULE_FIELDS, RULES, ids=RULE_IDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1000,), (3, 5, 7), (), (0, 4)])
def test_loop_rounds_as_the_numpy_rule(monkeypatch, name, rule, slots, hypers, kernel, scratch, dtype, shape):
    state = _state(slots, shape, dtype)
    rng = np.random.RandomState(1)
    grads = [_values(rng, shape, dtype) for _ in range(3)]
    _assert_bits_equal(_run(monkeypatch, rule, state, grads, hypers, scratch, True),
                       _run(monkeypatch, rule, state, grads, hypers, scratch, False))


@pytest.mark.parametrize(RULE_FIELDS, RULES, ids=RULE_IDS)
def test_loop_propagates_inf_and_nan_as_numpy(monkeypatch, name, rule, slots, hypers, kernel, scratch):
    shape = (64,)
    state = _state(slots, shape, np.float32)
    grad = _values(np.random.RandomState(2), shape, np.float32)
    grad[:6] = [np.inf, -np.inf, np.nan, 3e38, -3e38, 1e-45]  # overflowing squares and a subnormal too
    with np.errstate(all="ignore"):
        _assert_bits_equal(_run(monkeypatch, rule, state, [grad], hypers, scratch, True),
                           _run(monkeypatch, rule, state, [grad], hypers, scratch, False))


class _CountingKernels:
    """Stands for the extension module and counts which loops the rules call."""

    def __init__(self, kernels):
        self.kernels, self.calls = kernels, []

    def __getattr__(self, name):
        self.calls.append(name)
        return getattr(self.kernels, name)


@pytest.mark.parametrize(RULE_FIELDS, RULES, ids=RULE_IDS)
def test_each_rule_runs_its_loop(monkeypatch, name, rule, slots, hypers, kernel, scratch):
    counting = _CountingKernels(compiled_updates.kernels)
    monkeypatch.setattr(compiled_updates, "kernels", counting)
    state = _state(slots, (50,), np.float32)
    before = [s.copy() for s in state]
    rule(*state, _values(np.random.RandomState(3), (50,), np.float32), *hypers,
         *[np.empty(50, np.float32) for _ in range(scratch)])
    assert counting.calls == [kernel]
    assert not np.array_equal(state[0], before[0])


def test_switched_off_by_the_environment(monkeypatch):
    counting = _CountingKernels(compiled_updates.kernels)
    monkeypatch.setattr(compiled_updates, "kernels", counting)
    for off in ("0", "off", "False"):
        monkeypatch.setenv(compiled_updates.ENV_VAR, off)
        assert not compiled_updates.is_enabled()
    state = _state([], (10,), np.float32)
    gradient_descent._rule(*state, np.ones(10, np.float32), 0.1, np.empty(10, np.float32))
    assert counting.calls == []
    monkeypatch.setenv(compiled_updates.ENV_VAR, "1")
    assert compiled_updates.is_enabled()


@pytest.mark.parametrize("make", [
    lambda x: x.astype(np.float16),                       # a dtype with no loop
    lambda x: np.asfortranarray(x),                       # not C-contiguous
    lambda x: np.repeat(x, 2, axis=1)[:, ::2],            # a strided view
])
def test_arrays_that_do_not_qualify_take_the_numpy_passes(monkeypatch, make):
    rng = np.random.RandomState(4)
    var, accum, grad = (make(_values(rng, (6, 4), np.float32)) for _ in range(3))
    assert not compiled_updates.run("momentum", (var, accum, grad), (0.1, 0.9))
    expected = [var.copy(), accum.copy()]
    monkeypatch.setenv(compiled_updates.ENV_VAR, "0")
    momentum._rule(*expected, grad, 0.1, 0.9, np.empty_like(var))
    monkeypatch.setenv(compiled_updates.ENV_VAR, "1")
    momentum._rule(var, accum, grad, 0.1, 0.9, np.empty_like(var))
    _assert_bits_equal([var, accum], expected)


def test_mixed_dtypes_fall_back_and_the_loop_itself_names_the_mismatch():
    var, accum = np.zeros(8, np.float32), np.zeros(8, np.float32)
    grad64 = np.ones(8, np.float64)
    assert not compiled_updates.run("momentum", (var, accum, grad64), (0.1, 0.9))
    with pytest.raises(TypeError, match=r"momentum: array 2 is float64 with 8 elements, array 0 float32 with 8: all "
                                        r"must be float32 or all float64, of one length"):
        compiled_updates.kernels.momentum(var, accum, grad64, 0.1, 0.9)
    with pytest.raises(TypeError, match=r"momentum: array 1 is float32 with 7 elements, array 0 float32 with 8"):
        compiled_updates.kernels.momentum(var, accum[:7], np.ones(8, np.float32), 0.1, 0.9)
    with pytest.raises(TypeError, match=r"sgd: array 1 is i with 8 elements, array 0 float32 with 8"):
        compiled_updates.kernels.sgd(var, np.ones(8, np.int32), 0.1)
    with pytest.raises(TypeError, match=r"sgd takes 2 arrays and 1 floats \(2 given\)"):
        compiled_updates.kernels.sgd(var, var)
    with pytest.raises(TypeError, match="must be real number"):
        compiled_updates.kernels.sgd(var, var, "0.1")
    assert not var.any()  # nothing was written


def test_a_read_only_variable_is_refused_but_a_read_only_gradient_is_read():
    var, grad = np.zeros(8, np.float32), np.ones(8, np.float32)
    grad.flags.writeable = False
    compiled_updates.kernels.sgd(var, grad, 0.5)
    np.testing.assert_array_equal(var, np.full(8, -0.5, np.float32))
    var.flags.writeable = False
    with pytest.raises((BufferError, ValueError), match="(?i)read-only|not writable"):
        compiled_updates.kernels.sgd(var, grad, 0.5)


def test_loops_run_in_threads_at_once():
    """The loops release the GIL: two threads updating halves of one array give the one-thread result."""
    state = _state(["any", "square"], (400_000,), np.float32)
    grad = _values(np.random.RandomState(5), (400_000,), np.float32)
    hypers = (1e-3, 0.5, 0.25, 0.9, 0.999, 1e-8)
    whole = [s.copy() for s in state]
    adam._rule(*whole, grad, *hypers, np.empty_like(grad))
    halves = [s.copy() for s in state]

    def half(lo, hi):
        adam._rule(*[s[lo:hi] for s in halves], grad[lo:hi], *hypers, np.empty_like(grad[lo:hi]))
    threads = [threading.Thread(target=half, args=(0, 200_000)), threading.Thread(target=half, args=(200_000, None))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    _assert_bits_equal(halves, whole)


def _fit_weights(monkeypatch, compiled, optimizer):
    monkeypatch.setenv(compiled_updates.ENV_VAR, "1" if compiled else "0")
    rng = np.random.RandomState(0)
    x = rng.rand(96, 20).astype(np.float32)
    y = rng.randint(0, 3, 96)
    kf.keras.utils.set_random_seed(7)
    model = kf.keras.Sequential([kf.keras.layers.Dense(16, activation="relu", input_shape=(20,)),
                                 kf.keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    model.fit(x, y, batch_size=32, epochs=2, shuffle=False, verbose=0)
    return model.get_weights()


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad"])
def test_keras_fit_gives_the_same_weights_with_and_without_the_loops(monkeypatch, optimizer):
    kf.reset_default_graph()
    compiled = _fit_weights(monkeypatch, True, optimizer)
    kf.reset_default_graph()
    _assert_bits_equal(compiled, _fit_weights(monkeypatch, False, optimizer))
