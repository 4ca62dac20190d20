"""EinsumDense and GroupNormalization: float64 numpy references, Keras's weight shapes, gradients, config round
trips and models that fit, save and load."""
import numpy as np
import pytest

import kflow as kf
from layer_gradients import check_layer_gradients

L = kf.keras.layers


def _values(layer, x):
    out = layer(kf.constant(x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run([out, layer.weights])


# ---- EinsumDense ------------------------------------------------------------------------------------------------
# (equation, output_shape, bias_axes, input shape, kernel shape, bias shape, output shape): shapes as Keras 3.15
# builds them (checked once against keras.layers.EinsumDense).
CASES = [
    ("ab,bc->ac", 4, "c", (2, 3), [3, 4], [4], (2, 4)),
    ("abc,cd->abd", (None, 4), "d", (2, 5, 3), [3, 4], [4], (2, 5, 4)),
    ("abc,cde->abde", (5, 4, 2), "de", (2, 5, 3), [3, 4, 2], [4, 2], (2, 5, 4, 2)),
    ("abc,cde->abde", (5, 4, 2), "b", (2, 5, 3), [3, 4, 2], [5, 1, 1], (2, 5, 4, 2)),
    ("...b,bc->...c", 4, "c", (2, 7, 3), [3, 4], [4], (2, 7, 4)),
    ("ab...,bc->ac...", (4,), "c", (2, 3, 7, 2), [3, 4], [4, 1, 1], (2, 4, 7, 2)),
    ("abc,cd->abd", (5, 4), None, (2, 5, 3), [3, 4], None, (2, 5, 4)),
]


def _einsum_reference(equation, x, kernel, bias):
    out = np.einsum(equation, x, kernel)
    return out if bias is None else out + bias


@pytest.mark.parametrize("equation,output_shape,bias_axes,x_shape,kernel_shape,bias_shape,out_shape", CASES)
def test_einsum_dense_matches_numpy(equation, output_shape, bias_axes, x_shape, kernel_shape, bias_shape,
                                    out_shape):
    x = np.random.RandomState(0).randn(*x_shape)
    layer = L.EinsumDense(equation, output_shape, bias_axes=bias_axes, activation="tanh",
                          bias_initializer="random_normal")
    out, weights = _values(layer, x)
    assert [list(w.shape) for w in weights] == [kernel_shape] + ([bias_shape] if bias_shape else [])
    assert out.shape == out_shape
    assert layer.compute_output_shape(x_shape).as_list() == list(out_shape)
    np.testing.assert_allclose(out, np.tanh(_einsum_reference(equation, x, weights[0],
                                                              weights[1] if bias_shape else None)), rtol=1e-12)


def test_einsum_dense_gradients_config_and_errors():
    check_layer_gradients(lambda: L.EinsumDense("abc,cde->abde", (5, 4, 2), bias_axes="be", name="probe"),
                          [np.random.RandomState(1).randn(2, 5, 3)])
    layer = L.EinsumDense("abc,cd->abd", (None, 8), bias_axes="d", activation="relu", kernel_regularizer="l2")
    config = layer.get_config()
    assert config["equation"] == "abc,cd->abd" and config["output_shape"] == (None, 8)
    assert L.EinsumDense.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="not of the form"):
        L.EinsumDense("ab,bc,cd->ad", 3)
    with pytest.raises(ValueError, match="bias_axes"):
        L.EinsumDense("ab,bc->ac", 3, bias_axes="x")(kf.zeros([2, 4]))
    with pytest.raises(ValueError, match="gives axis 'b' size 9"):
        L.EinsumDense("abc,cd->abd", (9, 4))(kf.zeros([2, 5, 3]))
    with pytest.raises(ValueError, match="neither the input nor the output"):
        L.EinsumDense("ab,bzc->ac", 3)(kf.zeros([2, 4]))


def test_einsum_dense_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(2)
    x = rng.randn(32, 4, 3).astype(np.float32)
    y = x.sum(axis=2, keepdims=True) * 0.5
    model = kf.keras.Sequential([L.EinsumDense("abc,cd->abd", (None, 6), bias_axes="d", activation="tanh",
                                               input_shape=(4, 3)),
                                 L.EinsumDense("abc,cd->abd", (4, 1), bias_axes="d")])
    model.compile(kf.keras.optimizers.SGD(0.1), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert [w.shape.as_list() for w in loaded.weights] == [[3, 6], [6], [6, 1], [1]]


# ---- GroupNormalization ----------------------------------------------------------------------------------------
def _group_norm_reference(x, groups, axis, epsilon, gamma, beta):
    x = np.moveaxis(x, axis, -1)
    channels = x.shape[-1]
    out = np.empty_like(x)
    size = channels // groups
    for n in range(x.shape[0]):
        for g in range(groups):
            block = x[n, ..., g * size:(g + 1) * size]
            out[n, ..., g * size:(g + 1) * size] = (block - block.mean()) / np.sqrt(block.var() + epsilon)
    return np.moveaxis(out * gamma + beta, -1, axis)


@pytest.mark.parametrize("groups,axis,shape", [(2, -1, (2, 3, 4, 6)), (-1, 1, (2, 4, 5)), (1, -1, (3, 8)),
                                              (3, 3, (2, 2, 2, 6, 2))])
def test_group_normalization_matches_numpy(groups, axis, shape):
    x = np.random.RandomState(3).randn(*shape) * 3 + 1
    layer = L.GroupNormalization(groups=groups, axis=axis, epsilon=1e-3, gamma_initializer="random_normal",
                                 beta_initializer="random_normal")
    out, (gamma, beta) = _values(layer, x)
    assert gamma.shape == (shape[axis],)
    channels = shape[axis]
    np.testing.assert_allclose(out, _group_norm_reference(x, channels if groups == -1 else groups, axis, 1e-3,
                                                          gamma, beta), rtol=1e-10, atol=1e-12)


def test_group_normalization_unknown_batch_gradients_config_and_errors():
    x = kf.placeholder(kf.float64, [None, None, 4])
    layer = L.GroupNormalization(2, center=False)
    y = layer(x)
    value = np.random.RandomState(4).randn(3, 5, 4)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got = sess.run(y, {x: value})
    np.testing.assert_allclose(got, _group_norm_reference(value, 2, -1, 1e-3, 1.0, 0.0), rtol=1e-10)
    assert [w.name for w in layer.weights] == ["group_normalization/gamma:0"]
    check_layer_gradients(lambda: L.GroupNormalization(2, name="probe"), [np.random.RandomState(5).randn(2, 3, 4)])
    config = L.GroupNormalization(4, axis=1, epsilon=1e-5, scale=False).get_config()
    assert L.GroupNormalization.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="must divide the 6 channels"):
        L.GroupNormalization(4)(kf.zeros([2, 6]))
    with pytest.raises(ValueError, match="groups must be positive"):
        L.GroupNormalization(0)
    with pytest.raises(ValueError, match="batch axis"):
        L.GroupNormalization(1, axis=0)(kf.zeros([2, 6]))


def test_group_normalization_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(6)
    x = rng.randn(32, 4, 4, 4).astype(np.float32)
    y = (x[..., :2].mean(axis=(1, 2, 3)) > 0).astype(np.float32)[:, None]
    model = kf.keras.Sequential([L.Conv2D(4, 3, padding="same", input_shape=(4, 4, 4)), L.GroupNormalization(2),
                                 L.Flatten(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.05), "mse")
    trains_and_round_trips(model, x, y)
