"""kf.train learning-rate schedules: values at chosen global steps against their formulas."""
import math

import numpy as np
import pytest

import kflow as kf

STEPS = [0, 1, 7, 10, 15, 20, 35]


def _values(make_lr):
    gs = kf.train.get_or_create_global_step()
    lr = make_lr(gs)
    out = []
    with kf.Session() as sess:
        sess.run(gs.initializer)
        for step in STEPS:
            gs.load(step, sess)
            out.append(sess.run(lr))
    return lr, np.array(out)


@pytest.mark.parametrize("staircase", [False, True])
def test_exponential_decay(staircase):
    lr, got = _values(lambda gs: kf.train.exponential_decay(0.1, gs, 10, 0.5, staircase=staircase))
    p = np.array(STEPS, float) / 10
    want = 0.1 * 0.5 ** (np.floor(p) if staircase else p)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    assert lr.dtype is kf.float32 and lr.op.name == "ExponentialDecay"


@pytest.mark.parametrize("staircase", [False, True])
def test_natural_exp_and_inverse_time_decay(staircase):
    p = np.array(STEPS, float) / 10
    p = np.floor(p) if staircase else p
    _, got = _values(lambda gs: kf.train.natural_exp_decay(0.1, gs, 10, 0.5, staircase=staircase))
    np.testing.assert_allclose(got, 0.1 * np.exp(-0.5 * p), rtol=1e-6)
    kf.reset_default_graph()
    _, got = _values(lambda gs: kf.train.inverse_time_decay(0.1, gs, 10, 0.5, staircase=staircase))
    np.testing.assert_allclose(got, 0.1 / (1 + 0.5 * p), rtol=1e-6)


def test_cosine_decay():
    _, got = _values(lambda gs: kf.train.cosine_decay(0.1, gs, 20, alpha=0.1))
    frac = np.minimum(STEPS, 20) / 20.0
    want = 0.1 * (0.9 * 0.5 * (1 + np.cos(math.pi * frac)) + 0.1)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("cycle", [False, True])
def test_polynomial_decay(cycle):
    _, got = _values(lambda gs: kf.train.polynomial_decay(0.1, gs, 10, end_learning_rate=0.01, power=2.0,
                                                          cycle=cycle))
    want = []
    for s in STEPS:
        steps = 10 * max(1, math.ceil(s / 10)) if cycle else 10
        s = s if cycle else min(s, 10)
        want.append((0.1 - 0.01) * (1 - s / steps) ** 2 + 0.01)
    np.testing.assert_allclose(got, want, rtol=1e-5)


def test_piecewise_constant():
    lr, got = _values(lambda gs: kf.train.piecewise_constant(gs, [7, 15], [1.0, 0.5, 0.1]))
    # x <= 7 -> 1.0; 7 < x <= 15 -> 0.5; x > 15 -> 0.1
    np.testing.assert_allclose(got, [1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1])
    assert lr.op.name == "PiecewiseConstant"
    with pytest.raises(ValueError, match="1 less than"):
        kf.train.piecewise_constant(kf.train.get_global_step(), [1, 2], [0.1, 0.2])
    with pytest.raises(ValueError, match="same dtype"):
        kf.train.piecewise_constant(kf.train.get_global_step(), [1], [0.1, kf.constant(1, kf.int32)])
    with pytest.raises(ValueError, match="same dtype as x"):
        kf.train.piecewise_constant(kf.train.get_global_step(), [kf.constant(1.5)], [0.1, 0.2])


def test_schedule_needs_a_global_step():
    with pytest.raises(ValueError, match="global_step is required for exponential_decay"):
        kf.train.exponential_decay(0.1, None, 10, 0.5)


def test_schedule_drives_an_optimizer_with_global_step():
    gs = kf.train.get_or_create_global_step()
    lr = kf.train.piecewise_constant(gs, [2], [1.0, 0.5])
    w = kf.Variable(0.0, name="w")
    train_op = kf.train.GradientDescentOptimizer(lr).minimize(-w, global_step=gs)  # gradient -1: w += lr
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for _ in range(4):
            sess.run(train_op)
        assert sess.run(w) == pytest.approx(1 + 1 + 1 + 0.5)  # steps 0, 1, 2 use 1.0; step 3 uses 0.5
        assert sess.run(gs) == 4
