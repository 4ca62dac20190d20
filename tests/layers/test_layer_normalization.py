import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import LayerNormalization


def _layer_norm(x, axes, gamma, beta, eps=1e-3):
    mean, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def test_last_axis_matches_numpy_with_trained_like_weights(run_initialized):
    rng = np.random.RandomState(0)
    xv = rng.randn(4, 3, 5) * 3 + 2
    gv, bv = rng.randn(5), rng.randn(5)
    ln = LayerNormalization(gamma_initializer=kf.constant_initializer(gv),
                            beta_initializer=kf.constant_initializer(bv))
    y = ln(kf.constant(xv))
    assert [w.name for w in ln.weights] == ["layer_normalization/gamma:0", "layer_normalization/beta:0"]
    assert y.shape.as_list() == [4, 3, 5]
    np.testing.assert_allclose(run_initialized(y), _layer_norm(xv, (2,), gv, bv), rtol=1e-10)


@pytest.mark.parametrize("axis,axes", [([1, 2], (1, 2)), (1, (1,)), ([-3, -1], (1, 3))])
def test_several_and_inner_axes_broadcast_gamma_and_beta(axis, axes, run_initialized):
    rng = np.random.RandomState(1)
    xv = rng.randn(2, 3, 4, 5)
    ln = LayerNormalization(axis=axis, epsilon=1e-5, gamma_initializer="random_normal",
                            beta_initializer="random_normal")
    y = ln(kf.constant(xv))
    assert ln.gamma.shape.as_list() == [xv.shape[a] for a in axes] == ln.beta.shape.as_list()
    out, gv, bv = run_initialized([y, ln.gamma, ln.beta])
    shape = [xv.shape[a] if a in axes else 1 for a in range(4)]
    np.testing.assert_allclose(out, _layer_norm(xv, axes, gv.reshape(shape), bv.reshape(shape), 1e-5), rtol=1e-9)


def test_center_and_scale_off_have_no_weights_and_plain_normalization(run_initialized):
    xv = np.random.RandomState(2).randn(3, 6)
    ln = LayerNormalization(center=False, scale=False)
    y = ln(kf.constant(xv))
    assert ln.weights == [] and ln.gamma is None and ln.beta is None
    out = run_initialized(y)
    np.testing.assert_allclose(out, _layer_norm(xv, (1,), 1.0, 0.0), rtol=1e-10)
    # per-example statistics: each row has mean ~0 whatever the other rows are
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)


@pytest.mark.parametrize("axis", [-1, [1, 2]])
def test_gradient_through_inputs_gamma_and_beta(axis):
    rng = np.random.RandomState(3)
    xv = rng.randn(3, 2, 4)
    pshape = [4] if axis == -1 else [2, 4]

    def fn(x, gamma, beta):
        given = {"g/ln/gamma": gamma, "g/ln/beta": beta}

        def getter(next_getter, name, *args, **kwargs):
            return given[name] if name in given else next_getter(name, *args, **kwargs)

        with kf.variable_scope("g", custom_getter=getter):
            return LayerNormalization(axis=axis, name="ln")(x)

    check_gradients(fn, [xv, rng.randn(*pshape) + 1.0, rng.randn(*pshape)], rtol=1e-5)


def test_output_shape_config_round_trip_and_regularizers():
    ln = LayerNormalization(axis=[1, -1], epsilon=1e-4, center=False, gamma_regularizer="l2", name="ln")
    assert ln.compute_output_shape([None, None, 8]).as_list() == [None, None, 8]
    clone = LayerNormalization.from_config(ln.get_config())
    assert clone.get_config() == ln.get_config()
    assert clone.get_config()["axis"] == [1, -1] and clone.epsilon == 1e-4
    x = kf.placeholder(kf.float32, [None, 3, 8])
    y = ln(x)
    assert ln.gamma.shape.as_list() == [3, 8] and len(ln.losses) == 1
    assert y.shape.as_list() == [None, 3, 8]


def test_bad_arguments_name_the_layer_and_value():
    with pytest.raises(TypeError, match="LayerNormalization.*'a'"):
        LayerNormalization(axis="a")
    with pytest.raises(ValueError, match="LayerNormalization: epsilon.*-1"):
        LayerNormalization(epsilon=-1)
    with pytest.raises(ValueError, match="LayerNormalization: invalid axis 3.*rank 3"):
        LayerNormalization(axis=3)(kf.placeholder(kf.float32, [None, 2, 3]))
    with pytest.raises(ValueError, match="LayerNormalization: axis 0 includes the batch axis 0"):
        LayerNormalization(axis=0)(kf.placeholder(kf.float32, [None, 3]))
    with pytest.raises(ValueError, match="LayerNormalization: duplicate axes"):
        LayerNormalization(axis=[1, -1])(kf.placeholder(kf.float32, [None, 3]))
    with pytest.raises(ValueError, match="must have a known size"):
        LayerNormalization()(kf.placeholder(kf.float32, [None, None]))


def test_keras_model_trains_and_round_trips_through_h5(trains_and_round_trips):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.Dense(6, input_shape=(4,)), L.LayerNormalization(), L.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.RandomState(4)
    x, y = rng.randn(32, 4), rng.randn(32, 1)
    loaded = trains_and_round_trips(model, x, y)
    gamma = loaded.layers[1].get_weights()[0]
    assert not np.allclose(gamma, 1.0)  # trained
    assert type(loaded.layers[1]).__name__ == "LayerNormalization"
