"""Bidirectional with backward_layer= and initial_state=: values against the two layers run alone, config
round trip, errors, and a model that fits, saves and loads."""
import numpy as np
import pytest

import kflow as kf

L = kf.keras.layers


def _run(fetches):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches)


def test_backward_layer_and_initial_state_match_the_layers_alone():
    x = np.random.RandomState(0).randn(2, 4, 3)
    h0, c0, g0 = (np.random.RandomState(i).randn(2, 5 if i < 3 else 2) for i in (1, 2, 3))
    bi = L.Bidirectional(L.LSTM(5, return_sequences=True), backward_layer=L.GRU(2, return_sequences=True,
                                                                               go_backwards=True))
    out = bi(kf.constant(x), initial_state=[kf.constant(h0), kf.constant(c0), kf.constant(g0)])
    assert out.shape.as_list() == [2, 4, 7]
    assert isinstance(bi.backward_layer, L.GRU) and bi.backward_layer.name.startswith("backward_")
    forward = bi.forward_layer(kf.constant(x), initial_state=[kf.constant(h0), kf.constant(c0)])
    backward = bi.backward_layer(kf.constant(x), initial_state=[kf.constant(g0)])
    got, f, b = _run([out, forward, backward])
    np.testing.assert_allclose(got, np.concatenate([f, b[:, ::-1]], -1), rtol=1e-10)
    assert not np.allclose(got, _run(bi(kf.constant(x))))  # the initial states matter


def test_config_round_trip_and_errors(tmp_path):
    bi = L.Bidirectional(L.SimpleRNN(3), backward_layer=L.LSTM(3, go_backwards=True), merge_mode="sum")
    config = bi.get_config()
    clone = L.Bidirectional.from_config(config)
    assert clone.get_config() == config and isinstance(clone.backward_layer, L.LSTM)
    with pytest.raises(ValueError, match="go_backwards must be the opposite"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2))
    with pytest.raises(ValueError, match="same return_sequences"):
        L.Bidirectional(L.GRU(2), backward_layer=L.GRU(2, go_backwards=True, return_sequences=True))
    with pytest.raises(TypeError, match="recurrent layers"):
        L.Bidirectional(L.GRU(2), backward_layer=L.Dense(2))
    with pytest.raises(ValueError, match="the forward layer's 1 states then the backward layer's 1, got 1"):
        L.Bidirectional(L.GRU(2))(kf.zeros([1, 3, 2]), initial_state=[kf.zeros([1, 2])])


def test_model_with_backward_layer_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(4)
    x = rng.randn(32, 5, 3).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None] / 5
    model = kf.keras.Sequential([L.Bidirectional(L.LSTM(4), backward_layer=L.GRU(4, go_backwards=True),
                                                 input_shape=(5, 3)), L.Dense(1)])
    model.compile(kf.keras.optimizers.Adam(0.01), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert isinstance(loaded.layers[0].backward_layer, L.GRU)
