import numpy as np
import pytest

import kflow as kf
from kflow.layers import Layer, Dense
from kflow.layers.regularizers import l2


class Scale(Layer):
    """y = x * w + b, one weight per feature; records the training flag it was called with."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.seen_training = []

    def build(self, input_shape):
        n = int(input_shape[-1])
        self.w = self.add_weight("w", [n], initializer="ones", regularizer=l2(0.5))
        self.b = self.add_weight("b", [n], initializer="zeros", trainable=False)
        super().build(input_shape)

    def call(self, inputs, training=None):
        self.seen_training.append(training)
        return inputs * self.w + self.b


class NoTraining(Layer):
    def call(self, inputs):
        return inputs * 2.0


class Block(Layer):
    """A layer made of sublayers (tracked through attributes)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.first = Dense(4, activation="tanh")
        self.second = Dense(2)

    def call(self, inputs):
        return self.second(self.first(inputs))


def test_custom_layer_called_twice_shares_weights():
    x1 = kf.placeholder(kf.float32, [None, 3])
    x2 = kf.placeholder(kf.float32, [None, 3])
    layer = Scale()
    y1, y2 = layer(x1), layer(x2, training=True)
    assert layer.built and [w.name for w in layer.weights] == ["scale/w:0", "scale/b:0"]
    assert len(kf.global_variables()) == 2
    assert layer.trainable_weights == [layer.w] and layer.non_trainable_weights == [layer.b]
    assert layer.seen_training == [None, True]
    assert y1.op.name.startswith("scale/") and y2.op.name.startswith("scale/")
    assert len(layer.losses) == 1 and kf.get_collection(kf.GraphKeys.REGULARIZATION_LOSSES) == layer.losses
    assert layer.count_params() == 6
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(layer.w.assign([1.0, 2.0, 3.0]))
        a, b = sess.run([y1, y2], {x1: np.ones((1, 3)), x2: 2 * np.ones((1, 3))})
        loss = sess.run(layer.losses[0])
    np.testing.assert_allclose(a, [[1, 2, 3]])
    np.testing.assert_allclose(b, [[2, 4, 6]])
    np.testing.assert_allclose(loss, 0.5 * 14)
    other = Scale()
    other(x1)
    assert other.name == "scale_1" and other.w.name == "scale_1/w:0"
    assert layer.get_input_at(0) is x1 and layer.get_output_at(1) is y2 and layer.get_output_at(-1) is y2
    with pytest.raises(ValueError, match="only 2 inbound nodes"):
        layer.get_output_at(2)


def test_training_kwarg_only_passed_when_accepted():
    x = kf.constant([[1.0]])
    y = NoTraining()(x, training=True)
    with kf.Session() as sess:
        assert sess.run(y).tolist() == [[2.0]]


def test_untrainable_layer_and_count_params_before_build():
    layer = Scale(trainable=False)
    with pytest.raises(ValueError, match="isn't built"):
        layer.count_params()
    layer(kf.zeros([2, 5]))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert kf.trainable_variables() == []


def test_sublayers_are_tracked_and_scoped():
    block = Block()
    y = block(kf.zeros([3, 5]))
    names = [w.name for w in block.weights]
    assert names == ["block/dense/kernel:0", "block/dense/bias:0", "block/dense_1/kernel:0", "block/dense_1/bias:0"]
    assert y.shape.as_list() == [3, 2] and block.count_params() == 5 * 4 + 4 + 4 * 2 + 2


def test_dense_names_and_unique_scopes():
    x = kf.placeholder(kf.float32, [None, 3])
    d1, d2 = Dense(4), Dense(2)
    d2(d1(x))
    assert (d1.name, d2.name) == ("dense", "dense_1")
    assert [v.name for v in kf.global_variables()] == ["dense/kernel:0", "dense/bias:0", "dense_1/kernel:0",
                                                       "dense_1/bias:0"]
    named = Dense(2, name="head")
    named(x)
    assert named.kernel.name == "head/kernel:0"
    again = Dense(2, name="head")
    again(x)
    assert again.kernel.name == "head_1/kernel:0"  # class form: a named layer still gets its own scope


def test_get_config_from_config_roundtrip():
    layer = Dense(7, activation="relu", use_bias=False, kernel_initializer="he_normal",
                  kernel_regularizer=l2(0.01), name="fc")
    config = layer.get_config()
    assert config["units"] == 7 and config["activation"] == "relu" and config["name"] == "fc"
    clone = Dense.from_config(config)
    assert clone.get_config() == config
    assert clone.kernel_initializer.scale == 2.0 and clone.kernel_regularizer.l2 == pytest.approx(0.01)


def test_compute_output_shape_and_input_checks():
    assert Dense(3).compute_output_shape([None, 5, 4]).as_list() == [None, 5, 3]
    with pytest.raises(ValueError, match="should be defined"):
        Dense(3)(kf.placeholder(kf.float32, [None, None]))
    with pytest.raises(ValueError, match="expected min_ndim=2"):
        Dense(3)(kf.placeholder(kf.float32, [4]))
    with pytest.raises(TypeError, match="not understood"):
        Dense(3, bogus=1)


def test_layer_in_variable_scope_with_auto_reuse_shares():
    def two_hidden_layers(x):
        h = kf.layers.dense(x, 4, activation=kf.tanh)
        return kf.layers.dense(h, 2)

    x = kf.placeholder(kf.float32, [None, 3])
    with kf.variable_scope("foo", reuse=kf.AUTO_REUSE):
        y1 = two_hidden_layers(x)
    with kf.variable_scope("foo", reuse=kf.AUTO_REUSE):
        y2 = two_hidden_layers(x)
    assert [v.name for v in kf.global_variables()] == ["foo/dense/kernel:0", "foo/dense/bias:0",
                                                       "foo/dense_1/kernel:0", "foo/dense_1/bias:0"]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b = sess.run([y1, y2], {x: np.arange(6.0).reshape(2, 3)})
    np.testing.assert_array_equal(a, b)


def test_functional_name_and_reuse():
    x = kf.placeholder(kf.float32, [None, 3])
    y1 = kf.layers.dense(x, 2, name="fc")
    y2 = kf.layers.dense(x, 2, name="fc", reuse=True)
    assert len(kf.global_variables()) == 2
    assert y1.op.name.startswith("fc/") and y2.op.name.startswith("fc_1/")
    with pytest.raises(ValueError, match="fc/kernel already exists"):
        kf.layers.dense(x, 2, name="fc")
    with pytest.raises(ValueError, match="does not exist"):
        kf.layers.dense(x, 2, name="missing", reuse=True)


def test_input_and_output_shape_properties():
    # Keras code reads layer.input_shape / layer.output_shape (e.g. walking model.layers).
    model = kf.keras.Sequential([kf.keras.layers.Conv2D(2, 3, input_shape=(8, 8, 1)), kf.keras.layers.Flatten(),
                                 Dense(3)])
    assert [(l.input_shape, l.output_shape) for l in model.layers] == [
        ((None, 8, 8, 1), (None, 6, 6, 2)), ((None, 6, 6, 2), (None, 72)), ((None, 72), (None, 3))]
    a, b = kf.keras.Input(shape=(4,)), kf.keras.Input(shape=(2,))
    cat = kf.keras.layers.Concatenate()
    cat([a, b])
    assert cat.input_shape == [(None, 4), (None, 2)] and cat.output_shape == (None, 6)
    assert a._keras_history[0].output_shape == (None, 4)
    shared = Dense(2)
    shared(a)
    shared(kf.keras.Input(shape=(4,)))
    assert shared.output_shape == (None, 2)
    shared(kf.keras.Input(shape=(3, 4)))
    with pytest.raises(AttributeError, match="different output shapes"):
        shared.output_shape
    with pytest.raises(AttributeError, match="never been called"):
        Dense(3).input_shape
