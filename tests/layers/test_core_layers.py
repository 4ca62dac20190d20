import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import Dense, Dropout, Flatten, Activation, Reshape, Lambda, Embedding
from kflow.layers.regularizers import l2


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_dense_matches_numpy_rank2_and_rank3():
    rng = np.random.RandomState(0)
    x2 = rng.randn(4, 3).astype(np.float32)
    x3 = rng.randn(2, 5, 3).astype(np.float32)
    layer = Dense(6, activation="relu", bias_initializer=kf.constant_initializer(0.1))
    y2, y3 = layer(x2), layer(x3)
    assert layer.kernel.name == "dense/kernel:0" and layer.bias.name == "dense/bias:0"
    assert y3.shape.as_list() == [2, 5, 6]
    a, b, k, bias = _run([y2, y3, layer.kernel, layer.bias])
    np.testing.assert_allclose(a, np.maximum(x2 @ k + bias, 0), rtol=1e-5)
    np.testing.assert_allclose(b, np.maximum(x3 @ k + bias, 0), rtol=1e-5)
    np.testing.assert_allclose(bias, 0.1, rtol=1e-6)


def weights_as_inputs(tensors_by_name):
    """A custom getter handing out tensors (placeholders) as weights, so check_gradients covers them too."""
    return lambda getter, name, *args, **kwargs: tensors_by_name[name]


def test_dense_gradients_float64():
    rng = np.random.RandomState(1)

    def fn(x, kernel, bias):
        with kf.variable_scope("g", custom_getter=weights_as_inputs({"g/dense/kernel": kernel,
                                                                     "g/dense/bias": bias})):
            return kf.layers.dense(x, 4, activation=kf.tanh)

    check_gradients(fn, [rng.randn(5, 3), rng.randn(3, 4), rng.randn(4)])


def test_dense_kernel_regularizer_feeds_collection():
    x = kf.ones([2, 3])
    kf.layers.dense(x, 2, kernel_initializer=kf.ones_initializer(), kernel_regularizer=l2(0.25))
    losses = kf.get_collection(kf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 1 and losses[0].op.name.startswith("dense/kernel/Regularizer/")
    assert _run(losses[0]) == pytest.approx(0.25 * 6)


def test_dropout_static_and_tensor_training_flag():
    x = kf.ones([200, 50])
    kf.set_random_seed(3)
    off = kf.layers.dropout(x, rate=0.4)  # functional default: training=False
    on = kf.layers.dropout(x, rate=0.4, training=True)
    flag = kf.placeholder(kf.bool, [])
    layer = Dropout(0.4)
    switched = layer(x, training=flag)
    a, b = _run([off, on])
    np.testing.assert_array_equal(a, 1.0)
    kept = b != 0
    assert abs(kept.mean() - 0.6) < 0.03
    np.testing.assert_allclose(b[kept], 1 / 0.6, rtol=1e-6)
    c, d = _run(switched, {flag: False}), _run(switched, {flag: True})
    np.testing.assert_array_equal(c, 1.0)
    assert abs((d != 0).mean() - 0.6) < 0.03
    default = Dropout(0.5)(x)  # training=None: the Keras learning phase, False unless fed
    np.testing.assert_array_equal(_run(default), 1.0)


def test_dropout_gradient_through_tensor_flag():
    x = kf.placeholder(kf.float64, [3, 4])
    flag = kf.placeholder(kf.bool, [])
    y = Dropout(0.5, seed=1)(x, training=flag)
    g, = kf.gradients(kf.reduce_sum(y * 3.0), [x])
    xv = np.ones((3, 4))
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: xv, flag: False}), 3.0)
        yv, gv = sess.run([y, g], {x: xv, flag: True})
    np.testing.assert_allclose(gv, np.where(yv != 0, 6.0, 0.0))


def test_flatten_reshape_activation_lambda():
    x = kf.placeholder(kf.float32, [None, 2, 3, 4])
    flat = Flatten()(x)
    assert flat.shape.as_list() == [None, 24]
    r = Reshape((6, -1))(x)
    assert r.shape.as_list() == [None, 6, 4]
    assert Reshape((4, 6)).compute_output_shape([None, 2, 3, 4]).as_list() == [None, 4, 6]
    act = Activation("tanh")(flat)
    lam = Lambda(lambda t, k: t * k, arguments={"k": 2.0})(flat)
    xv = np.arange(48, dtype=np.float32).reshape(2, 2, 3, 4) / 48
    a, b, c, d = _run([flat, r, act, lam], {x: xv})
    np.testing.assert_array_equal(a, xv.reshape(2, 24))
    np.testing.assert_array_equal(b, xv.reshape(2, 6, 4))
    np.testing.assert_allclose(c, np.tanh(a), rtol=1e-6)
    np.testing.assert_allclose(d, 2 * a)
    dyn = Flatten()(kf.placeholder(kf.float32, [None, None, 3]))
    assert dyn.shape.as_list() == [None, None]
    assert kf.layers.flatten(kf.zeros([5])).shape.as_list() == [5, 1]
    assert Flatten().compute_output_shape([None, 2, 3]).as_list() == [None, 6]


def test_embedding_lookup_and_shape():
    ids = kf.placeholder(kf.int32, [None, 3])
    layer = Embedding(10, 4)
    vectors = layer(ids)
    assert layer.embeddings.name == "embedding/embeddings:0" and layer.embeddings.dtype == kf.float32
    assert vectors.shape.as_list() == [None, 3, 4]
    v, table = _run([vectors, layer.embeddings], {ids: [[1, 2, 9]]})
    np.testing.assert_array_equal(v[0], table[[1, 2, 9]])
    assert np.abs(table).max() <= 0.05
    assert layer.compute_output_shape([None, 3]).as_list() == [None, 3, 4]
