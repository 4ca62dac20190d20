import numpy as np
import pytest

import kflow as kf
from kflow.layers import regularizers as R


def test_values_of_keras_and_tf1_regularizers():
    w = kf.constant([[1.0, -2.0], [3.0, 0.5]])
    l1, l2, both = R.l1(0.1)(w), R.l2(0.01)(w), R.l1_l2(0.1, 0.01)(w)
    tf1 = R.l2_regularizer(0.5)(w)
    with kf.Session() as sess:
        a, b, c, d = sess.run([l1, l2, both, tf1])
    assert a == pytest.approx(0.1 * 6.5)
    assert b == pytest.approx(0.01 * 14.25)
    assert c == pytest.approx(a + b)
    assert d == pytest.approx(0.5 * 14.25 / 2)  # TF1's l2_regularizer is scale * l2_loss
    assert R.l2_regularizer(0.0)(w) is None


def test_lookup_and_serialization():
    assert R.get(None) is None
    assert isinstance(R.get("l2"), R.L1L2) and R.get("l2").l2 == pytest.approx(0.01)
    reg = R.l1_l2(0.3, 0.2)
    again = R.deserialize(R.serialize(reg))
    assert (again.l1, again.l2) == (pytest.approx(0.3), pytest.approx(0.2))
    fn = lambda w: kf.reduce_sum(w)  # noqa: E731
    assert R.get(fn) is fn
    with pytest.raises(ValueError, match="regularizer"):
        R.get("l3")
    with pytest.raises(ValueError, match="less than 0"):
        R.l1_regularizer(-1.0)


def test_layer_regularizers_reach_collection_once_per_weight():
    x = kf.placeholder(kf.float32, [None, 3])
    layer = kf.layers.Dense(2, kernel_regularizer=R.l2(1.0), bias_regularizer="l1")
    layer(x)
    layer(x)  # a second call reuses the weights and adds no new loss
    losses = kf.get_collection(kf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 2 and layer.losses == losses
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        k = sess.run(layer.kernel)
        np.testing.assert_allclose(sess.run(losses[0]), np.sum(k ** 2), rtol=1e-6)


def test_keras_layers_are_the_same_classes():
    import kflow.keras.layers as KL

    assert KL.Dense is kf.layers.Dense and KL.BatchNormalization is kf.layers.BatchNormalization
    assert KL.Conv2D is kf.layers.Conv2D and KL.LSTM is kf.layers.LSTM
