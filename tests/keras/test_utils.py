import random

import numpy as np
import pytest

import kflow as kf
from kflow.keras import utils


def test_to_categorical_and_normalize():
    y = np.array([[2], [0], [1]])
    one_hot = utils.to_categorical(y)
    assert one_hot.dtype == np.float32 and one_hot.shape == (3, 3)
    np.testing.assert_array_equal(one_hot, np.eye(3, dtype=np.float32)[[2, 0, 1]])
    assert utils.to_categorical([1, 3], num_classes=5).shape == (2, 5)
    assert utils.to_categorical(np.zeros((2, 4), int), 3).shape == (2, 4, 3)
    with pytest.raises(ValueError, match=r"class ids must be in \[0, 2\)"):
        utils.to_categorical([0, 2], num_classes=2)
    x = np.array([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(utils.normalize(x), [[0.6, 0.8], [0.0, 0.0]])


class _Batches(utils.Sequence):
    def __init__(self, x, y, batch_size):
        self.x, self.y, self.batch_size, self.epochs_seen = x, y, batch_size, 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, i):
        s = slice(i * self.batch_size, (i + 1) * self.batch_size)
        return self.x[s], utils.to_categorical(self.y[s], 3)

    def on_epoch_end(self):
        self.epochs_seen += 1


def test_fit_on_a_sequence_matches_fit_on_arrays(blobs):
    (x, y), (xv, yv) = blobs
    models = []
    for _ in range(2):
        m = kf.keras.Sequential([kf.keras.layers.Dense(3, activation="softmax", input_shape=(8,))])
        m.compile(kf.keras.optimizers.SGD(lr=0.1), "categorical_crossentropy", metrics=["acc"])
        models.append(m)
    models[1].set_weights(models[0].get_weights())
    seq = _Batches(x, y, 32)
    h = models[0].fit(seq, epochs=2, verbose=0)
    models[1].fit(x, utils.to_categorical(y, 3), batch_size=32, epochs=2, shuffle=False, verbose=0)
    assert seq.epochs_seen == 2 and len(h.history["loss"]) == 2
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert np.allclose(models[0].evaluate(_Batches(xv, yv, 16)), models[1].evaluate(xv, utils.to_categorical(yv)))


def _initial_weights(seed):
    kf.keras.backend.clear_session()
    utils.set_random_seed(seed)
    draws = (np.random.rand(), random.random())
    model = kf.keras.Sequential([kf.keras.layers.Dense(5, input_shape=(3,)), kf.keras.layers.Dense(2)])
    return draws, model.get_weights()


def test_set_random_seed_repeats_weights_and_draws():
    (draws_a, weights_a), (draws_b, weights_b) = _initial_weights(7), _initial_weights(7)
    (draws_c, weights_c) = _initial_weights(8)
    assert draws_a == draws_b and draws_a != draws_c
    for a, b in zip(weights_a, weights_b):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(weights_a[0], weights_c[0])
    with pytest.raises(ValueError, match="set_random_seed: the seed must be an int"):
        utils.set_random_seed(1.5)
