"""LeakyReLU, PReLU, ELU, ReLU and Softmax layers: numpy references, gradients, shapes, configs and errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import ELU, LeakyReLU, PReLU, ReLU, Softmax


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


_CASES = [
    (lambda: LeakyReLU(), lambda x: np.where(x > 0, x, 0.3 * x)),
    (lambda: LeakyReLU(alpha=0.05), lambda x: np.where(x > 0, x, 0.05 * x)),
    (lambda: ELU(), lambda x: np.where(x > 0, x, np.expm1(x))),
    (lambda: ELU(alpha=0.5), lambda x: np.where(x > 0, x, 0.5 * np.expm1(x))),
    (lambda: ReLU(), lambda x: np.maximum(x, 0)),
    (lambda: ReLU(max_value=0.8), lambda x: np.clip(x, 0, 0.8)),
    (lambda: ReLU(max_value=1.0, negative_slope=0.1, threshold=0.25),
     lambda x: np.where(x > 0.25, np.minimum(x, 1.0), 0.1 * (x - 0.25))),
    (lambda: Softmax(), lambda x: _softmax(x, -1)),
    (lambda: Softmax(axis=1), lambda x: _softmax(x, 1)),
]


@pytest.mark.parametrize("make,reference", _CASES)
def test_values_gradients_and_shapes(make, reference):
    x = np.random.RandomState(0).randn(2, 4, 3) * 2
    layer, inputs = make(), kf.placeholder(kf.float64, [None, 4, 3])
    y = layer(inputs)
    assert y.shape.as_list() == [None, 4, 3]
    assert layer.compute_output_shape([None, 4, 3]).as_list() == [None, 4, 3]
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {inputs: x}), reference(x), rtol=1e-12, atol=1e-12)
    check_gradients(lambda t: make()(t), [x])


@pytest.mark.parametrize("make", [c[0] for c in _CASES])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config


@pytest.mark.parametrize("shared_axes,alpha_shape", [(None, [4, 3]), ([1], [1, 3]), (2, [4, 1]), ([1, 2], [1, 1])])
def test_prelu_values_gradients_and_config(shared_axes, alpha_shape):
    rng = np.random.RandomState(2)
    x, alpha = rng.randn(2, 4, 3), rng.rand(*alpha_shape)
    layer = PReLU(alpha_initializer=kf.constant_initializer(alpha), shared_axes=shared_axes)
    inputs = kf.placeholder(kf.float64, [None, 4, 3])
    y = layer(inputs)
    assert layer.alpha.name == "p_re_lu/alpha:0" and layer.alpha.shape.as_list() == alpha_shape
    assert y.shape.as_list() == [None, 4, 3] and layer.compute_output_shape([None, 4, 3]).as_list() == [None, 4, 3]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(y, {inputs: x}), np.where(x > 0, x, alpha * x), rtol=1e-12)

    def fn(t, a):
        with kf.variable_scope("g", custom_getter=lambda getter, name, *args, **kw: a):
            return PReLU(shared_axes=shared_axes)(t)

    check_gradients(fn, [x, alpha])
    config = layer.get_config()
    assert PReLU.from_config(config).get_config() == config


def test_prelu_trains_in_a_saved_model(tmp_path):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.Dense(3, input_shape=(2,), kernel_initializer="ones"),
                                 L.PReLU(alpha_initializer=kf.constant_initializer(0.25))])
    model.compile("sgd", "mse")
    x = -np.abs(np.random.RandomState(3).randn(16, 2)).astype(np.float32)
    model.fit(x, 2 * x.sum(axis=1, keepdims=True).repeat(3, axis=1), epochs=3, verbose=0)
    alpha = model.layers[1].get_weights()[0]
    assert alpha.shape == (3,) and np.all(alpha > 0.25)  # negative inputs, steeper targets: the slopes grow
    path = str(tmp_path / "prelu.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded.layers[1].get_weights()[0], alpha)
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


@pytest.mark.parametrize("make,message", [
    (lambda: LeakyReLU(alpha=None), "LeakyReLU: `alpha` must be a finite number, got None"),
    (lambda: ELU(alpha="big"), "ELU: `alpha` must be a finite number, got 'big'"),
    (lambda: ReLU(max_value=-1), r"ReLU: `max_value` must be >= 0.0, got -1"),
    (lambda: ReLU(negative_slope=-0.5), r"ReLU: `negative_slope` must be >= 0.0, got -0.5"),
    (lambda: ReLU(threshold=float("nan")), "ReLU: `threshold` must be a finite number"),
    (lambda: Softmax(axis=1.5), r"Softmax: `axis` must be an int, got 1.5"),
    (lambda: PReLU(shared_axes=[0, 1]), r"PReLU: `shared_axes` must be positive axis numbers .*got \[0, 1\]"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_softmax_axis_out_of_range():
    with pytest.raises(ValueError, match=r"Softmax: axis 3 is out of range for inputs of rank 2"):
        Softmax(axis=3)(kf.zeros([2, 3]))
    with pytest.raises(ValueError, match=r"PReLU: shared axis 3 is out of range for inputs of rank 3"):
        PReLU(shared_axes=3)(kf.zeros([2, 3, 4]))
    with pytest.raises(ValueError, match=r"PReLU: the non-shared axes of the inputs must be known"):
        PReLU(shared_axes=1)(kf.placeholder(kf.float32, [None, None, None]))


def test_keras_model_with_activation_layers_saves_and_loads(tmp_path):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.Dense(6, input_shape=(4,)), L.LeakyReLU(0.1), L.Dense(5), L.ELU(0.7),
                                 L.Dense(4), L.ReLU(max_value=2.0, negative_slope=0.05), L.Dense(3), L.Softmax()])
    model.compile("sgd", "categorical_crossentropy")
    x = np.random.RandomState(1).randn(8, 4).astype(np.float32)
    path = str(tmp_path / "act.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers][1::2] == ["LeakyReLU", "ELU", "ReLU", "Softmax"]
    assert loaded.layers[5].get_config()["max_value"] == 2.0
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
