"""FtrlOptimizer against a numpy FTRL-Proximal reference (and values TF 1.x's FtrlOptimizer gave), slots, sparse
updates and argument checks."""
import numpy as np
import pytest

import kflow as kf

RNG = np.random.RandomState(0)
X = RNG.randn(8, 3)
Y = RNG.randn(8, 2)
W0 = RNG.randn(3, 2)


def _grad(w):
    return 2 * X.T @ (X @ w - Y)


def _reference(steps, lr, lr_power, l1, l2, shrink, init_accum=0.1):
    w = W0.copy()
    accum = np.full_like(w, init_accum)
    linear = np.zeros_like(w)
    for _ in range(steps):
        g = _grad(w)
        new_accum = accum + g * g
        linear += g + 2 * shrink * w - (new_accum ** -lr_power - accum ** -lr_power) / lr * w
        quadratic = new_accum ** -lr_power / lr + 2 * l2
        w = np.where(np.abs(linear) > l1, (np.sign(linear) * l1 - linear) / quadratic, 0.0)
        accum = new_accum
    return w


@pytest.mark.parametrize("lr, lr_power, l1, l2, shrink", [
    (0.1, -0.5, 0.0, 0.0, 0.0), (0.3, -0.5, 0.5, 0.1, 0.0), (0.05, -0.7, 0.01, 0.0, 0.2)])
def test_ftrl_matches_numpy_reference(lr, lr_power, l1, l2, shrink):
    with kf.Graph().as_default():
        w = kf.Variable(W0, name="w")
        loss = kf.reduce_sum(kf.square(kf.matmul(kf.constant(X), w) - kf.constant(Y)))
        opt = kf.train.FtrlOptimizer(lr, learning_rate_power=lr_power, l1_regularization_strength=l1,
                                     l2_regularization_strength=l2, l2_shrinkage_regularization_strength=shrink)
        step = opt.minimize(loss)
        assert opt.get_slot(w, "accum").name == "w/Ftrl:0"
        assert opt.get_slot(w, "linear").name == "w/Ftrl_1:0"
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            for _ in range(4):
                sess.run(step)
            got = sess.run(w)
    np.testing.assert_allclose(got, _reference(4, lr, lr_power, l1, l2, shrink), rtol=1e-9, atol=1e-12)


def test_ftrl_matches_tf_values():
    # TF 2.21's tf.compat.v1.train.FtrlOptimizer(0.1, l1=0.01, l2=0.02) on this loss, 3 steps
    with kf.Graph().as_default():
        w = kf.Variable([1.0, -2.0, 0.5])
        loss = kf.reduce_sum(w * kf.constant([0.3, -0.1, 2.0])) + kf.reduce_sum(w * w)
        step = kf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01,
                                      l2_regularization_strength=0.02).minimize(loss)
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            for _ in range(3):
                sess.run(step)
            np.testing.assert_allclose(sess.run(w), [0.6513618, -1.6253655, 0.22733372], rtol=1e-6)


def test_ftrl_sparse_update_touches_only_looked_up_rows():
    with kf.Graph().as_default():
        table = kf.Variable(np.ones((4, 2), np.float32))
        loss = kf.reduce_sum(kf.nn.embedding_lookup(table, kf.constant([1, 3, 1])))
        step = kf.train.FtrlOptimizer(0.5).minimize(loss)
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            sess.run(step)
            got = sess.run(table)
    np.testing.assert_array_equal(got[[0, 2]], 1.0)
    # row 1 got gradient 2, row 3 gradient 1, from accum 0.1 and linear 0 (numpy FTRL, l1 = l2 = 0)
    for row, g in ((1, 2.0), (3, 1.0)):
        new_accum = 0.1 + g * g
        linear = g - (np.sqrt(new_accum) - np.sqrt(0.1)) / 0.5 * 1.0
        np.testing.assert_allclose(got[row], -linear / (np.sqrt(new_accum) / 0.5), rtol=1e-6)


def test_ftrl_argument_checks():
    with pytest.raises(ValueError, match="learning_rate_power"):
        kf.train.FtrlOptimizer(0.1, learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        kf.train.FtrlOptimizer(0.1, l1_regularization_strength=-1.0)
