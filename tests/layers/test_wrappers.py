import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import TimeDistributed, Dense, Conv2D, LSTM


def _conv_valid(x, k):
    """A numpy VALID, stride-1 conv: x [n, h, w, c], k [kh, kw, c, o]."""
    kh, kw = k.shape[:2]
    oh, ow = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    return sum(np.einsum("nhwc,co->nhwo", x[:, i:i + oh, j:j + ow], k[i, j]) for i in range(kh) for j in range(kw))


def test_dense_per_step_matches_numpy_with_unknown_batch_and_time():
    rng = np.random.RandomState(0)
    x = kf.placeholder(kf.float64, [None, None, 4])
    td = TimeDistributed(Dense(3, activation="tanh"))
    y = td(x)
    assert y.shape.as_list() == [None, None, 3]
    assert [w.name for w in td.weights] == ["time_distributed/dense/kernel:0", "time_distributed/dense/bias:0"]
    y2 = td(kf.placeholder(kf.float64, [2, 5, 4]))  # a second call shares the weights
    assert y2.shape.as_list() == [2, 5, 3] and len(td.weights) == 2
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        k, b = sess.run(td.weights)
        for shape in [(2, 3, 4), (1, 7, 4)]:  # different time lengths through one graph
            xv = rng.randn(*shape)
            np.testing.assert_allclose(sess.run(y, {x: xv}), np.tanh(xv @ k + b), rtol=1e-10)


def test_conv2d_per_frame_matches_numpy(run_initialized):
    rng = np.random.RandomState(1)
    xv = rng.randn(2, 3, 5, 5, 2)
    td = TimeDistributed(Conv2D(4, 3, bias_initializer="random_normal"))
    y = td(kf.constant(xv))
    assert y.shape.as_list() == [2, 3, 3, 3, 4]
    out, (k, b) = run_initialized([y, td.weights])
    for t in range(3):
        np.testing.assert_allclose(out[:, t], _conv_valid(xv[:, t], k) + b, rtol=1e-10)


@pytest.mark.parametrize("inner,shape", [(lambda: Dense(2, activation="sigmoid", name="inner"), (2, 3, 4)),
                                         (lambda: Conv2D(2, 2, name="inner"), (2, 2, 3, 3, 1))])
def test_gradient_through_input_kernel_and_bias(inner, shape):
    rng = np.random.RandomState(2)
    probe = inner()
    kshape = [4, 2] if isinstance(probe, Dense) else [2, 2, 1, 2]

    def fn(x, kernel, bias):
        given = {"g/td/inner/kernel": kernel, "g/td/inner/bias": bias}

        def getter(next_getter, name, *args, **kwargs):
            return given[name] if name in given else next_getter(name, *args, **kwargs)

        with kf.variable_scope("g", custom_getter=getter):
            return TimeDistributed(inner(), name="td")(x)

    check_gradients(fn, [rng.randn(*shape), rng.randn(*kshape), rng.randn(2)], rtol=1e-5)


def test_compute_output_shape_and_config_round_trip():
    td = TimeDistributed(Conv2D(8, 3, padding="same", name="c"), name="td")
    assert td.compute_output_shape([None, None, 6, 6, 2]).as_list() == [None, None, 6, 6, 8]
    assert TimeDistributed(Dense(5)).compute_output_shape([None, None, 3]).as_list() == [None, None, 5]
    config = td.get_config()
    assert config["layer"]["class_name"] == "Conv2D" and config["layer"]["config"]["filters"] == 8
    clone = TimeDistributed.from_config(config)
    assert isinstance(clone.layer, Conv2D) and clone.get_config() == config


def test_bad_arguments_name_the_layer_and_value():
    with pytest.raises(TypeError, match="TimeDistributed.*'dense'"):
        TimeDistributed("dense")
    with pytest.raises(ValueError, match="time_distributed.*ndim=2"):
        TimeDistributed(Dense(2))(kf.placeholder(kf.float32, [None, 3]))
    with pytest.raises(TypeError, match="TimeDistributed.*lstm.*3 outputs"):
        TimeDistributed(LSTM(2, return_state=True, name="lstm"))(kf.placeholder(kf.float32, [None, 2, 3, 4]))


def test_keras_model_trains_and_round_trips_through_h5(trains_and_round_trips):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.TimeDistributed(L.Dense(3, activation="tanh"), input_shape=(4, 5)),
                                 L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    rng = np.random.RandomState(3)
    x, y = rng.randn(16, 4, 5), rng.randn(16, 1)
    loaded = trains_and_round_trips(model, x, y)
    assert type(loaded.layers[0]).__name__ == "TimeDistributed" and type(loaded.layers[0].layer).__name__ == "Dense"
