"""LocallyConnected1D / 2D (tf.keras 2.x, implementation 1): loop references in numpy, Keras's weight shapes and
flattening orders, channels_first (with Keras's reshaped bias), gradients, config, a model that fits, saves, loads."""
import itertools

import numpy as np
import pytest

import kflow as kf
from layer_gradients import check_layer_gradients

L = kf.keras.layers


def local_reference(x, kernel, bias, kernel_size, strides, channels_first):
    """Per output position: that position's kernel times the flattened window (k..., C) or (C, k...)."""
    spatial = x.shape[2:] if channels_first else x.shape[1:-1]
    outs = [(n - k) // s + 1 for n, k, s in zip(spatial, kernel_size, strides)]
    y = np.zeros((x.shape[0],) + tuple(outs) + (kernel.shape[-1],))
    for p, position in enumerate(itertools.product(*[range(o) for o in outs])):
        window = tuple(slice(i * s, i * s + k) for i, s, k in zip(position, strides, kernel_size))
        for b in range(x.shape[0]):
            patch = x[(b, slice(None)) + window] if channels_first else x[(b,) + window]
            y[(b,) + position] = patch.ravel() @ kernel[p]
    if channels_first:
        y = np.moveaxis(y, -1, 1)
        return y + (0 if bias is None else bias.reshape((1, kernel.shape[-1]) + tuple(outs)))
    return y + (0 if bias is None else bias)


@pytest.mark.parametrize("rank,shape,kernel_size,strides,channels_first,use_bias", [
    (1, (2, 9, 3), 3, 1, False, True),
    (1, (2, 3, 10), 2, 3, True, True),
    (2, (2, 6, 5, 2), (3, 2), (1, 2), False, True),
    (2, (2, 2, 6, 5), 2, (2, 1), True, True),
    (2, (1, 4, 4, 3), 2, 2, False, False),
])
def test_locally_connected_matches_numpy(rank, shape, kernel_size, strides, channels_first, use_bias):
    x = np.random.RandomState(0).randn(*shape)
    cls = L.LocallyConnected1D if rank == 1 else L.LocallyConnected2D
    layer = cls(4, kernel_size, strides=strides, data_format="channels_first" if channels_first else None,
                use_bias=use_bias, bias_initializer="random_normal", activation="tanh")
    out = layer(kf.constant(x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got, weights = sess.run([out, layer.weights])
    ks = (kernel_size,) * rank if isinstance(kernel_size, int) else kernel_size
    st = (strides,) * rank if isinstance(strides, int) else strides
    spatial = shape[2:] if channels_first else shape[1:-1]
    outs = tuple((n - k) // s + 1 for n, k, s in zip(spatial, ks, st))
    channels = shape[1] if channels_first else shape[-1]
    assert weights[0].shape == (int(np.prod(outs)), int(np.prod(ks)) * channels, 4)
    if use_bias:
        assert weights[1].shape == outs + (4,)
    want = np.tanh(local_reference(x, weights[0], weights[1] if use_bias else None, ks, st, channels_first))
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    assert layer.compute_output_shape(shape).as_list() == list(got.shape)


def test_backend_local_conv_gradients_config_and_errors():
    rng = np.random.RandomState(1)
    check_layer_gradients(lambda: L.LocallyConnected2D(2, 2, strides=(1, 2), name="probe"), [rng.randn(2, 3, 4, 2)])
    check_layer_gradients(lambda: L.LocallyConnected1D(2, 2, data_format="channels_first", name="probe"),
                          [rng.randn(2, 3, 4)])
    layer = L.LocallyConnected2D(3, (2, 3), strides=2, activation="relu", kernel_regularizer="l2")
    config = layer.get_config()
    assert config["implementation"] == 1 and config["padding"] == "valid"
    assert L.LocallyConnected2D.from_config(config).get_config() == config
    with pytest.raises(NotImplementedError, match="implementation=1"):
        L.LocallyConnected1D(2, 3, implementation=2)
    with pytest.raises(ValueError, match="padding='valid'"):
        L.LocallyConnected2D(2, 3, padding="same")
    with pytest.raises(ValueError, match="must be known"):
        L.LocallyConnected1D(2, 3)(kf.placeholder(kf.float32, [None, None, 3]))


def test_locally_connected_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(2)
    x = rng.randn(32, 6, 6, 1).astype(np.float32)
    y = x[:, 1:-1, 1:-1].mean(axis=(1, 2, 3))[:, None]
    model = kf.keras.Sequential([L.LocallyConnected2D(2, 3, input_shape=(6, 6, 1)), L.Reshape((16, 2)),
                                 L.LocallyConnected1D(1, 2, strides=2), L.Flatten(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.05), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert [w.shape.as_list() for w in loaded.weights][:4] == [[16, 9, 2], [4, 4, 2], [8, 4, 1], [8, 1]]
