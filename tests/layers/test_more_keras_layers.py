"""ZeroPadding3D, Cropping3D, UpSampling3D, GlobalAverage/MaxPooling3D, Permute, ActivityRegularization,
ThresholdedReLU and Dot: numpy references, gradients, configs, errors and an h5 round trip."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

L = kf.keras.layers
X5 = np.random.RandomState(0).randn(2, 3, 4, 5, 2)

CASES = [
    (lambda: L.ZeroPadding3D(((1, 0), (0, 2), (1, 1))), lambda x: np.pad(x, [(0, 0), (1, 0), (0, 2), (1, 1), (0, 0)])),
    (lambda: L.Cropping3D(((1, 0), (1, 2), (0, 1))), lambda x: x[:, 1:, 1:2, :4]),
    (lambda: L.UpSampling3D((1, 2, 3)), lambda x: x.repeat(2, axis=2).repeat(3, axis=3)),
    (lambda: L.GlobalAveragePooling3D(), lambda x: x.mean(axis=(1, 2, 3))),
    (lambda: L.GlobalMaxPooling3D(), lambda x: x.max(axis=(1, 2, 3))),
    (lambda: L.Permute((3, 1, 4, 2)), lambda x: x.transpose(0, 3, 1, 4, 2)),
    (lambda: L.ThresholdedReLU(0.5), lambda x: np.where(x > 0.5, x, 0)),
    (lambda: L.ActivityRegularization(l1=0.1), lambda x: x),
]


def _run(fetches):
    with kf.Session() as sess:
        return sess.run(fetches)


@pytest.mark.parametrize("make,reference", CASES)
def test_values_shapes_gradients_and_config(make, reference):
    layer = make()
    out = layer(kf.constant(X5))
    np.testing.assert_allclose(_run(out), reference(X5), rtol=1e-12)
    assert out.shape.as_list() == list(reference(X5).shape)
    assert layer.compute_output_shape(X5.shape).as_list() == list(reference(X5).shape)
    check_gradients(lambda t: make()(t), [X5 + 0.01])  # away from ThresholdedReLU's kink and the maxima ties
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_channels_first_3d_and_activity_loss():
    first = L.UpSampling3D(2, data_format="channels_first")(kf.constant(X5.transpose(0, 4, 1, 2, 3)))
    expect = X5.repeat(2, 1).repeat(2, 2).repeat(2, 3).transpose(0, 4, 1, 2, 3)
    np.testing.assert_array_equal(_run(first), expect)
    layer = L.ActivityRegularization(l1=0.1, l2=0.01)
    layer(kf.constant(X5))
    expected_loss = 0.1 * np.abs(X5).sum() + 0.01 * (X5 ** 2).sum()
    np.testing.assert_allclose(_run(layer.losses[0]), expected_loss, rtol=1e-6)
    with pytest.raises(ValueError, match="permutation of 1..2"):
        L.Permute((0, 1))


@pytest.mark.parametrize("shapes,axes", [(((4, 3), (4, 3)), 1), (((4, 3, 2), (4, 5, 3)), (1, 2)),
                                         (((4, 2, 3), (4, 2, 3)), -1)])
@pytest.mark.parametrize("normalize", [False, True])
def test_dot_matches_numpy(shapes, axes, normalize):
    rng = np.random.RandomState(1)
    a, b = rng.randn(*shapes[0]), rng.randn(*shapes[1])
    ax, ay = (axes, axes) if isinstance(axes, int) else axes
    ax, ay = ax % a.ndim, ay % b.ndim
    if normalize:
        a_n = a / np.linalg.norm(a, axis=ax, keepdims=True)
        b_n = b / np.linalg.norm(b, axis=ay, keepdims=True)
    else:
        a_n, b_n = a, b
    expect = np.stack([np.tensordot(a_n[i], b_n[i], axes=(ax - 1, ay - 1)) for i in range(4)])
    expect = expect.reshape(4, 1) if expect.ndim == 1 else expect
    layer = L.Dot(axes, normalize=normalize)
    out = layer([kf.constant(a), kf.constant(b)])
    np.testing.assert_allclose(_run(out), expect, rtol=1e-9)
    assert layer.compute_output_shape([a.shape, b.shape]).as_list() == list(expect.shape)
    check_gradients(lambda x, y: L.Dot(axes, normalize=normalize)([x, y]), [a, b])
    assert L.Dot.from_config(layer.get_config()).get_config() == layer.get_config()


def test_model_with_the_new_layers_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(2)
    x = rng.randn(16, 2, 3, 3, 1).astype(np.float32)
    y = x.mean(axis=(1, 2, 3, 4))[:, None]
    model = kf.keras.Sequential([L.ZeroPadding3D(1, input_shape=(2, 3, 3, 1)), L.Cropping3D(1),
                                 L.UpSampling3D((1, 1, 2)), L.Permute((1, 3, 2, 4)), L.ThresholdedReLU(0.0),
                                 L.ActivityRegularization(l2=1e-4), L.GlobalAveragePooling3D(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.1), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert type(loaded.layers[3]).__name__ == "Permute" and loaded.layers[3].dims == (1, 3, 2, 4)
