"""One graph story: Keras models live in the default graph, use its session, and are layers."""
import numpy as np
import pytest

import kflow as kf
from kflow.keras import backend as K
from kflow.keras import layers


def _stack(n_in=3):
    return kf.keras.Sequential([layers.Dense(4, activation="relu", input_shape=(n_in,)), layers.Dense(2)])


def test_models_build_in_the_default_graph_with_unique_layer_names():
    a, b = _stack(), _stack()
    assert a.graph is b.graph is kf.get_default_graph()
    assert a.session is b.session is K.get_session()
    assert [l.name for l in a.layers + b.layers] == ["dense", "dense_1", "dense_2", "dense_3"]
    assert (a.name, b.name) == ("sequential", "sequential_1")
    assert [w.name for w in b.weights] == ["dense_2/kernel:0", "dense_2/bias:0", "dense_3/kernel:0", "dense_3/bias:0"]
    g = kf.Graph()
    with g.as_default():
        c = _stack()
    assert c.graph is g and c.session is K.get_session(g) and c.layers[0].name == "dense"
    assert c.predict(np.ones((2, 3))).shape == (2, 2)


def test_clear_session_starts_a_fresh_graph_and_session():
    model = _stack()
    old_graph, old_session = model.graph, model.session
    phase = K.learning_phase()
    K.clear_session()
    assert kf.get_default_graph() is not old_graph and old_session._closed
    assert K.learning_phase() is not phase and K.learning_phase().graph is kf.get_default_graph()
    fresh = _stack()
    assert fresh.layers[0].name == "dense" and fresh.session is K.get_session() is not old_session


def test_fit_evaluate_predict_run_keras_functions():
    # One mechanism: the steps of fit / evaluate / predict are K.Function objects over the model's graph.
    model = kf.keras.Sequential([layers.Dense(8, activation="relu", input_shape=(3,)), layers.Dropout(0.5),
                                 layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((16, 3), np.float32), np.zeros((16, 1), np.float32)
    model.fit(x, y, epochs=1, verbose=0)
    model.evaluate(x, y)
    model.predict(x)
    assert {kind: type(fn) for kind, fn in model._functions.items()} == dict.fromkeys(
        ["train", "test", "predict"], K.Function)
    # the train step feeds the default graph's learning phase: the flag a K.function user feeds by hand
    train_mode = K.function([model.input, K.learning_phase()], [model.output])
    assert not np.allclose(train_mode([x, 1])[0], model.predict(x))
    np.testing.assert_allclose(train_mode([x, 0])[0], model.predict(x), rtol=1e-6)


def test_functional_model_called_on_a_new_input_reuses_its_weights():
    inp = kf.keras.Input(shape=(3,))
    out = layers.Dense(2, name="head")(layers.Dense(4, activation="relu", name="body")(inp))
    model = kf.keras.Model(inp, out)
    n_vars = len(kf.global_variables())
    other_input = kf.keras.Input(shape=(3,))
    again = kf.keras.Model(other_input, model(other_input))
    assert len(kf.global_variables()) == n_vars  # no new weights
    assert [l.name for l in again.layers] == [again.layers[0].name, model.name]  # the model is one layer
    x = np.random.RandomState(0).rand(5, 3).astype(np.float32)
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)
    again.compile("sgd", "mse")
    again.fit(x, np.ones((5, 2)), epochs=3, verbose=0)  # training the outer model trains the shared weights
    np.testing.assert_allclose(again.predict(x), model.predict(x), rtol=1e-6)
    with pytest.raises(ValueError, match="expects 1 inputs"):
        model([other_input, other_input])


def test_sequential_nested_in_sequential_and_functional_models():
    inner = _stack()
    outer = kf.keras.Sequential([inner, layers.Dense(1, name="top")])
    assert outer.built and outer.input_shape == (None, 3) and outer.output_shape == (None, 1)
    assert outer.layers[0] is inner and len(outer.weights) == len(inner.weights) + 2
    x = np.random.RandomState(1).rand(6, 3).astype(np.float32)
    kernel, bias = outer.layers[1].get_weights()
    np.testing.assert_allclose(outer.predict(x), inner.predict(x) @ kernel + bias, rtol=1e-5, atol=1e-6)
    before = inner.predict(x)
    outer.compile("sgd", "mse")
    outer.fit(x, np.ones((6, 1)), epochs=2, verbose=0)
    assert not np.allclose(before, inner.predict(x))  # the inner model's weights are the outer's
    lines = []
    outer.summary(print_fn=lines.append)
    assert any(line.startswith("sequential (Sequential)") for line in lines)

    inp = kf.keras.Input(shape=(3,))
    functional = kf.keras.Model(inp, layers.Dense(1)(inner(inp)))
    assert inner in functional.layers and len(functional.trainable_weights) == len(inner.weights) + 2


def test_unbuilt_sequential_builds_when_called_on_a_tensor():
    inner = kf.keras.Sequential([layers.Dense(4), layers.Dense(2)])
    inp = kf.keras.Input(shape=(5,))
    model = kf.keras.Model(inp, inner(inp))
    assert inner.built and inner.input_shape == (None, 5) and model.output_shape == (None, 2)
    x = np.ones((2, 5), np.float32)
    np.testing.assert_allclose(model.predict(x), inner.predict(x), rtol=1e-6)


def test_subclassed_model_called_on_a_tensor_then_fit():
    class Net(kf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="relu")
            self.out = layers.Dense(1)

        def call(self, inputs, training=None):
            return self.out(self.hidden(inputs))

    net = Net()
    inp = kf.keras.Input(shape=(3,))
    y = net(inp)
    assert y.shape.as_list() == [None, 1] and len(net.weights) == 4
    net.compile("sgd", "mse")
    x = np.random.RandomState(2).rand(8, 3).astype(np.float32)
    net.fit(x, np.zeros((8, 1)), epochs=1, verbose=0)
    assert len(net.weights) == 4 and len(kf.trainable_variables()) == 4  # the fit graph reused the weights
    # the tensor from net(inp) and the model fit trained compute with the same weights
    np.testing.assert_allclose(K.get_session().run(y, {inp: x}), net.predict(x), rtol=1e-6)


def test_nested_sequential_round_trips_through_a_model_file(tmp_path):
    # Falls out of models being layers: the inner model is saved as a layer config and rebuilt by class name.
    outer = kf.keras.Sequential([_stack(), layers.Dense(1)])
    outer.compile("sgd", "mse")
    path = str(tmp_path / "nested.h5")
    outer.save(path)
    loaded = kf.keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers] == ["Sequential", "Dense"] and loaded.layers[0] is not outer
    x = np.random.RandomState(3).rand(4, 3).astype(np.float32)
    np.testing.assert_allclose(loaded.predict(x), outer.predict(x), rtol=1e-6)


def test_many_models_in_one_graph_do_not_look_like_a_growing_training_loop():
    # One session serves every model of the graph: building models layer by layer must not cost an initializing
    # run per layer (the session warns when runs keep following graph growth, the sign of ops made in a loop).
    import warnings

    x = np.ones((2, 3), np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        models = []
        for _ in range(4):
            model = kf.keras.Sequential()
            model.add(layers.Dense(4, input_shape=(3,)))
            for _ in range(5):
                model.add(layers.Dense(4))
            models.append(model)
        outputs = [m.predict(x) for m in models]
    assert len({o.tobytes() for o in outputs}) == 4  # four models, four sets of weights
