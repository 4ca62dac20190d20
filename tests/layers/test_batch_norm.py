import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import BatchNormalization


def _normalize(x, mean, var, gamma=1.0, beta=0.0, eps=1e-3):
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_names_defaults_and_training_output():
    rng = np.random.RandomState(0)
    xv = rng.randn(8, 3) * 2 + 1
    bn = BatchNormalization()
    y = bn(kf.constant(xv), training=True)
    assert [w.name for w in bn.weights] == ["batch_normalization/gamma:0", "batch_normalization/beta:0",
                                            "batch_normalization/moving_mean:0",
                                            "batch_normalization/moving_variance:0"]
    assert (bn.momentum, bn.epsilon) == (0.99, 1e-3)
    assert len(bn.trainable_weights) == 2 and bn.moving_mean not in kf.trainable_variables()
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y), _normalize(xv, xv.mean(0), xv.var(0)), rtol=1e-5)


def test_moving_stats_change_after_running_update_ops():
    rng = np.random.RandomState(1)
    xv = rng.randn(16, 4, 4, 2) * 3 + 5
    x = kf.placeholder(kf.float64, [None, 4, 4, 2])
    y = kf.layers.batch_normalization(x, training=True)
    updates = kf.get_collection(kf.GraphKeys.UPDATE_OPS)
    assert len(updates) == 2
    mm, mv = [v for v in kf.global_variables() if "moving" in v.name]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(y, {x: xv})
        np.testing.assert_array_equal(sess.run(mm), 0.0)  # the forward pass alone does not update
        sess.run(updates, {x: xv})
        mean, var = xv.mean(axis=(0, 1, 2)), xv.var(axis=(0, 1, 2))
        np.testing.assert_allclose(sess.run(mm), 0.01 * mean, rtol=1e-10)
        np.testing.assert_allclose(sess.run(mv), 0.99 + 0.01 * var, rtol=1e-10)
        sess.run(updates, {x: xv})
        np.testing.assert_allclose(sess.run(mm), 0.01 * mean + 0.99 * 0.01 * mean, rtol=1e-10)


def test_minimize_runs_pending_update_ops_without_the_user_asking():
    rng = np.random.RandomState(3)
    xv = rng.randn(8, 3) * 2 + 4
    x = kf.placeholder(kf.float64, [None, 3])
    training = kf.placeholder_with_default(True, [])
    h = kf.layers.batch_normalization(x, training=training)
    loss = kf.reduce_sum(kf.layers.dense(h, 1, name="head"))
    train_op = kf.train.GradientDescentOptimizer(0.1).minimize(loss)  # built after the BN updates
    mm, mv = [v for v in kf.global_variables() if "moving" in v.name]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(train_op, {x: xv, training: False})  # inference flag: the update moves by exactly zero
        np.testing.assert_array_equal(sess.run(mm), 0.0)
        sess.run(train_op, {x: xv})  # only the train op is fetched
        np.testing.assert_allclose(sess.run(mm), 0.01 * xv.mean(axis=0), rtol=1e-10)
        np.testing.assert_allclose(sess.run(mv), 0.99 + 0.01 * xv.var(axis=0), rtol=1e-10)


def test_inference_uses_moving_stats_and_tensor_flag():
    rng = np.random.RandomState(2)
    xv = rng.randn(6, 3) + 2
    x = kf.placeholder(kf.float64, [None, 3])
    training = kf.placeholder_with_default(False, [])
    bn = BatchNormalization(momentum=0.5, gamma_initializer=kf.constant_initializer(2.0))
    y = bn(x, training=training)
    y_infer = bn(x, training=False)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {x: xv}), _normalize(xv, 0.0, 1.0, gamma=2.0), rtol=1e-10)
        sess.run(bn.updates, {x: xv})  # not training: the updates move by exactly zero
        np.testing.assert_array_equal(sess.run(bn.moving_mean), 0.0)
        out, _ = sess.run([y, bn.updates], {x: xv, training: True})
        np.testing.assert_allclose(out, _normalize(xv, xv.mean(0), xv.var(0), gamma=2.0), rtol=1e-10)
        np.testing.assert_allclose(sess.run(bn.moving_mean), 0.5 * xv.mean(0), rtol=1e-10)
        np.testing.assert_allclose(sess.run(y_infer, {x: xv}),
                                   _normalize(xv, 0.5 * xv.mean(0), 0.5 + 0.5 * xv.var(0), gamma=2.0), rtol=1e-10)


def test_channels_first_axis_and_gradient():
    rng = np.random.RandomState(3)
    xv = rng.randn(4, 3, 2, 2)
    bn = BatchNormalization(axis=1, center=False)
    y = bn(kf.constant(xv), training=True)
    assert bn.gamma.shape.as_list() == [3] and bn.beta is None
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        m, v = xv.mean(axis=(0, 2, 3), keepdims=True), xv.var(axis=(0, 2, 3), keepdims=True)
        np.testing.assert_allclose(sess.run(y), _normalize(xv, m, v), rtol=1e-10)

    def fn(x, gamma, beta):
        given = {"g/batch_normalization/gamma": gamma, "g/batch_normalization/beta": beta}

        def getter(next_getter, name, *args, **kwargs):
            return given[name] if name in given else next_getter(name, *args, **kwargs)

        with kf.variable_scope("g", custom_getter=getter):
            return kf.layers.batch_normalization(x, training=True)

    check_gradients(fn, [rng.randn(5, 3), rng.randn(3) + 1.0, rng.randn(3)], rtol=1e-5)


@pytest.mark.parametrize("shape,axis,dtype,fused,unbiased", [
    ((4, 3, 2, 5), -1, np.float32, None, True),     # TF1's fused kernel: NHWC float32
    ((4, 5, 3, 2), 1, np.float32, True, True),      # ... and NCHW
    ((4, 3, 2, 5), -1, np.float32, False, False),   # fused=False: TF's composed ops, biased
    ((4, 3, 2, 5), -1, np.float64, None, False),    # no fused float64 kernel in TF1
    ((24, 5), -1, np.float32, None, False),         # rank 2: never fused
])
def test_moving_variance_follows_tf1_bessel_correction(shape, axis, dtype, fused, unbiased):
    xv = np.random.RandomState(4).randn(*shape).astype(dtype) * 3 + 1
    x = kf.placeholder(dtype, [None] + list(shape[1:]))  # n per channel is computed at run time
    training = kf.placeholder_with_default(True, [])
    bn = BatchNormalization(axis=axis, momentum=0.0, fused=fused)
    y = bn(x, training=training)
    axes = tuple(i for i in range(len(shape)) if i != axis % len(shape))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        out, _ = sess.run([y, bn.updates], {x: xv})
        expected = xv.var(axis=axes, ddof=1 if unbiased else 0)
        np.testing.assert_allclose(sess.run(bn.moving_variance), expected, rtol=1e-5)
        # the output is normalized with the biased variance either way
        keep = [1] * len(shape)
        keep[axis % len(shape)] = shape[axis % len(shape)]
        m, v = xv.mean(axis=axes).reshape(keep), xv.var(axis=axes).reshape(keep)
        np.testing.assert_allclose(out, (xv - m) / np.sqrt(v + 1e-3), rtol=1e-4, atol=1e-4)
        sess.run(bn.updates, {x: xv, training: False})  # not training: no move
        np.testing.assert_allclose(sess.run(bn.moving_variance), expected, rtol=1e-5)
