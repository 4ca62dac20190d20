import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import merge

_ELEMENTWISE = [(merge.Add, lambda a, b, c: a + b + c), (merge.Multiply, lambda a, b, c: a * b * c),
                (merge.Maximum, lambda a, b, c: np.maximum(np.maximum(a, b), c)),
                (merge.Minimum, lambda a, b, c: np.minimum(np.minimum(a, b), c)),
                (merge.Average, lambda a, b, c: (a + b + c) / 3.0)]


def _arrays(n, shape=(4, 3), seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(*shape) for _ in range(n)]


@pytest.mark.parametrize("cls,expected", _ELEMENTWISE)
def test_elementwise_merges_match_numpy_and_gradients(cls, expected):
    xs = [x.astype(np.float32) for x in _arrays(3)]
    out = cls()([kf.constant(x) for x in xs])
    assert out.shape.as_list() == [4, 3]
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(out), expected(*xs), rtol=1e-6)
    check_gradients(lambda a, b, c: cls()([a, b, c]), _arrays(3, seed=1))


def test_subtract_and_concatenate():
    a, b = _arrays(2)
    sub = merge.Subtract()([kf.constant(a), kf.constant(b)])
    cat = merge.Concatenate()([kf.constant(a), kf.constant(b[:, :2])])
    cat0 = merge.concatenate([kf.constant(a), kf.constant(b)], axis=0)
    assert cat.shape.as_list() == [4, 5] and cat0.shape.as_list() == [8, 3]
    with kf.Session() as sess:
        s, c, c0 = sess.run([sub, cat, cat0])
    np.testing.assert_allclose(s, a - b)
    np.testing.assert_allclose(c, np.concatenate([a, b[:, :2]], axis=1))
    np.testing.assert_allclose(c0, np.concatenate([a, b], axis=0))
    check_gradients(lambda x, y: merge.Concatenate()([x, y]), _arrays(2, seed=2))
    check_gradients(lambda x, y: merge.Subtract()([x, y]), _arrays(2, seed=3))
    assert merge.Concatenate(axis=1).compute_output_shape([[None, 3], [None, 2]]).as_list() == [None, 5]


def test_bad_inputs_raise_clear_errors():
    a = kf.constant(np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="list of inputs"):
        merge.Add()(a)
    with pytest.raises(ValueError, match="Subtract expects 2 inputs; got 3"):
        merge.Subtract()([a, a, a])
    with pytest.raises(ValueError, match="at least 2"):
        merge.Concatenate()([a])


def test_functional_model_with_merges_trains_and_round_trips(tmp_path):
    L = kf.keras.layers
    a, b = kf.keras.Input(shape=(5,), name="a"), kf.keras.Input(shape=(5,), name="b")
    shared = L.Dense(4, activation="tanh")
    ha, hb = shared(a), shared(b)
    h = L.Concatenate()([L.Add()([ha, hb]), L.multiply([ha, hb])])
    model = kf.keras.Model([a, b], L.Dense(1)(h))
    model.compile("sgd", "mse")
    rng = np.random.RandomState(0)
    xa, xb, y = rng.randn(16, 5), rng.randn(16, 5), rng.randn(16, 1)
    before = model.evaluate([xa, xb], y)
    model.fit([xa, xb], y, epochs=5, verbose=0)
    assert model.evaluate([xa, xb], y) < before
    path = str(tmp_path / "merge.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers][-2:] == ["Concatenate", "Dense"]
    assert np.array_equal(loaded.predict([xa, xb]), model.predict([xa, xb]))
