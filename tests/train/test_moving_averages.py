"""ExponentialMovingAverage: names, update rule (with num_updates), zero_debias for tensors, average /
average_name, variables_to_restore with a Saver round trip, errors."""
import numpy as np
import pytest

import kflow as kf


def test_shadow_names_and_update_rule():
    kf.reset_default_graph()
    with kf.variable_scope("s"):
        v = kf.Variable(10.0, name="v")
    w = kf.Variable([1.0, 2.0], name="w")
    ema = kf.train.ExponentialMovingAverage(0.9)
    op = ema.apply([v, w])
    assert ema.average(v).name == "s/v/ExponentialMovingAverage:0" and ema.average_name(w) == \
        "w/ExponentialMovingAverage"
    assert ema.average(v) not in kf.trainable_variables()
    assert set(kf.get_collection(kf.GraphKeys.MOVING_AVERAGE_VARIABLES)) == {v, w}
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert sess.run(ema.average(v)) == 10.0
        shadow = 10.0
        for target in (0.0, 4.0, 4.0):
            sess.run(v.assign(target))
            sess.run(op)
            shadow -= 0.1 * (shadow - target)
            np.testing.assert_allclose(sess.run(ema.average(v)), shadow, rtol=1e-6)


def test_num_updates_caps_the_decay():
    kf.reset_default_graph()
    v = kf.Variable(0.0)
    step = kf.Variable(0, dtype=kf.int32)
    ema = kf.train.ExponentialMovingAverage(0.99, num_updates=step)
    op = ema.apply([v])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(v.assign(1.0))
        sess.run(op)  # decay min(0.99, 1/10) = 0.1
        np.testing.assert_allclose(sess.run(ema.average(v)), 0.9, rtol=1e-6)


def test_zero_debias_of_a_tensor():
    kf.reset_default_graph()
    x = kf.placeholder(kf.float32, [])
    ema = kf.train.ExponentialMovingAverage(0.5, zero_debias=True)
    op = ema.apply([x])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        biased, out = 0.0, []
        for t, value in enumerate([2.0, 4.0, 8.0], 1):
            sess.run(op, {x: value})
            biased = 0.5 * biased + 0.5 * value
            out.append((sess.run(ema.average(x)), biased / (1 - 0.5 ** t)))
    np.testing.assert_allclose(*zip(*out), rtol=1e-6)
    assert out[0][0] == pytest.approx(2.0)


def test_variables_to_restore_loads_the_averages(tmp_path):
    kf.reset_default_graph()
    v = kf.Variable(1.0, name="v")
    other = kf.Variable(5.0, name="other", trainable=False)
    ema = kf.train.ExponentialMovingAverage(0.5)
    op = ema.apply([v])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(v.assign(3.0))
        sess.run(op)  # shadow 2.0
        path = kf.train.Saver().save(sess, str(tmp_path / "model"))
    kf.reset_default_graph()
    v = kf.Variable(0.0, name="v")
    other = kf.Variable(0.0, name="other", trainable=False)
    restore = kf.train.ExponentialMovingAverage(0.5).variables_to_restore()
    assert restore == {"v/ExponentialMovingAverage": v, "other": other}
    with kf.Session() as sess:
        kf.train.Saver(restore).restore(sess, path)
        assert sess.run([v, other]) == [2.0, 5.0]


def test_errors():
    kf.reset_default_graph()
    v = kf.Variable(1.0)
    ema = kf.train.ExponentialMovingAverage(0.9)
    ema.apply([v])
    with pytest.raises(ValueError, match="already has a moving average"):
        ema.apply([v])
    with pytest.raises(TypeError, match="only float values"):
        ema.apply([kf.Variable(1, dtype=kf.int32)])
