"""Identity, UnitNormalization, AbstractRNNCell (a user's cell in RNN) and RandomBrightness."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

L = kf.keras.layers


def _run(fetches):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches)


def test_identity_and_unit_normalization():
    x = np.random.RandomState(0).randn(3, 4, 5)
    a, b = _run([L.Identity()(kf.constant(x)), L.UnitNormalization(axis=(1, 2))(kf.constant(x))])
    np.testing.assert_array_equal(a, x)
    np.testing.assert_allclose(b, x / np.sqrt((x ** 2).sum(axis=(1, 2), keepdims=True)), rtol=1e-12)
    check_gradients(lambda t: L.UnitNormalization()(t), [x])
    config = L.UnitNormalization(axis=(1, 2)).get_config()
    assert L.UnitNormalization.from_config(config).get_config() == config
    assert L.Convolution3D is L.Conv3D and L.SeparableConvolution2D is L.SeparableConv2D


class MinimalCell(L.AbstractRNNCell):
    """The cell of Keras's RNN documentation: ``h' = x W + h U``."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units

    @property
    def state_size(self):
        return self.units

    @property
    def output_size(self):
        return self.units

    def build(self, input_shape):
        self.kernel = self.add_weight("kernel", [input_shape[-1], self.units])
        self.recurrent_kernel = self.add_weight("recurrent_kernel", [self.units, self.units])
        self.built = True

    def call(self, inputs, states):
        h = kf.matmul(inputs, self.kernel) + kf.matmul(states[0], self.recurrent_kernel)
        return h, [h]

    def get_config(self):
        return dict(super().get_config(), units=self.units)


def test_a_users_cell_runs_in_rnn_and_saves(tmp_path):
    x = np.random.RandomState(1).randn(2, 3, 4).astype(np.float32)
    model = kf.keras.Sequential([kf.keras.Input((3, 4)), L.RNN(MinimalCell(5), return_sequences=True)])
    model.compile("sgd", "mse")
    k, u = model.get_weights()
    h, expect = np.zeros((2, 5)), []
    for t in range(3):
        h = x[:, t] @ k + h @ u
        expect.append(h)
    np.testing.assert_allclose(model.predict(x), np.stack(expect, 1), rtol=1e-5, atol=1e-6)  # float32 sums near 0
    zeros = MinimalCell(5).get_initial_state(kf.constant(x[:, 0]))
    assert _run(zeros).shape == (2, 5)
    path = str(tmp_path / "cell.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path, custom_objects={"MinimalCell": MinimalCell})
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)
    with pytest.raises(NotImplementedError, match="state_size"):
        L.AbstractRNNCell().state_size


def test_random_brightness():
    x = np.random.RandomState(2).rand(50, 4, 4, 1)
    out = _run(L.RandomBrightness((-0.2, 0.3), value_range=(0, 1))(kf.constant(x), training=True))
    delta = out - x
    inside = (out > 0) & (out < 1)
    per_image = np.array([d[m].mean() if m.any() else 0 for d, m in zip(delta, inside)])
    assert per_image.min() >= -0.2 - 1e-9 and per_image.max() <= 0.3 + 1e-9 and per_image.std() > 0.05
    assert out.min() >= 0 and out.max() <= 1
    np.testing.assert_array_equal(_run(L.RandomBrightness(0.5)(kf.constant(x))), x)  # not training
    with pytest.raises(ValueError, match="factor must lie in"):
        L.RandomBrightness(1.5)
    config = L.RandomBrightness(0.1, value_range=(-1, 1)).get_config()
    assert L.RandomBrightness.from_config(config).get_config() == config
