"""CategoryEncoding and Discretization: values against numpy, adapt, configs, use in a model saved to h5."""
import numpy as np
import pytest

import kflow as kf

L = kf.keras.layers


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def test_category_encoding_modes():
    ids = np.array([[0, 1, 1], [3, 3, 2]])
    multi = _run(L.CategoryEncoding(4)(kf.constant(ids)))
    count = _run(L.CategoryEncoding(4, output_mode="count")(kf.constant(ids)))
    one = _run(L.CategoryEncoding(4, output_mode="one_hot")(kf.constant(np.array([[2], [0]]))))
    np.testing.assert_array_equal(multi, [[1, 1, 0, 0], [0, 0, 1, 1]])
    np.testing.assert_array_equal(count, [[1, 2, 0, 0], [0, 0, 1, 2]])
    np.testing.assert_array_equal(one, np.eye(4)[[2, 0]])
    np.testing.assert_array_equal(_run(L.CategoryEncoding(3)(kf.constant([0, 2]))), [[1, 0, 0], [0, 0, 1]])
    with pytest.raises(ValueError, match="output_mode must be one of"):
        L.CategoryEncoding(3, output_mode="tf_idf")


def test_discretization_boundaries_and_adapt():
    x = np.array([[-1.0, 0.0, 0.5], [1.0, 1.5, 3.0]])
    got = _run(L.Discretization(bin_boundaries=[0.0, 1.0, 2.0])(kf.constant(x)))
    np.testing.assert_array_equal(got, np.digitize(x, [0.0, 1.0, 2.0]))
    layer = L.Discretization(num_bins=4)
    layer.adapt(kf.data.Dataset.from_tensor_slices(np.linspace(0, 1, 401)).batch(50))
    np.testing.assert_allclose(layer.bin_boundaries, [0.25, 0.5, 0.75])
    with pytest.raises(ValueError, match="exactly one of"):
        L.Discretization()
    with pytest.raises(ValueError, match="must be sorted"):
        L.Discretization(bin_boundaries=[1.0, 0.0])
    for made in (L.Discretization(bin_boundaries=[0.5]), L.CategoryEncoding(5, output_mode="count")):
        config = made.get_config()
        assert type(made).from_config(config).get_config() == config


def test_in_a_model_saved_and_loaded(tmp_path):
    x = np.random.RandomState(0).rand(20, 3).astype(np.float32)
    inputs = kf.keras.Input((3,))
    buckets = L.Discretization(bin_boundaries=[0.25, 0.5, 0.75])(inputs)
    encoded = L.CategoryEncoding(4, output_mode="count")(buckets)
    model = kf.keras.Model(inputs, L.Dense(1)(encoded))
    model.compile("sgd", "mse")
    expect = np.stack([np.bincount(np.digitize(r, [0.25, 0.5, 0.75]), minlength=4) for r in x])
    np.testing.assert_array_equal(kf.keras.backend.function([inputs], [encoded])([x])[0], expect)
    path = str(tmp_path / "categorical.h5")
    model.save(path)
    np.testing.assert_allclose(kf.keras.models.load_model(path).predict(x), model.predict(x), rtol=1e-6)
