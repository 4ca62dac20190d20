"""Fixtures shared by the layer tests."""
import numpy as np
import pytest

import kflow as kf


@pytest.fixture
def trains_and_round_trips(tmp_path):
    """``check(model, x, y)``: fits a compiled Keras model a few epochs (the loss must fall), saves it to HDF5,
    loads it back and asserts identical predictions; returns the loaded model."""

    def check(model, x, y):
        before = model.evaluate(x, y)
        model.fit(x, y, epochs=5, verbose=0)
        assert model.evaluate(x, y) < before
        path = str(tmp_path / "model.h5")
        model.save(path)
        loaded = kf.keras.models.load_model(path)
        assert np.array_equal(loaded.predict(x), model.predict(x))
        return loaded

    return check


@pytest.fixture
def run_initialized():
    """``run(fetches, feed=None)``: the fetches' values in a new session of the default graph, variables
    initialized."""

    def run(fetches, feed=None):
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            return sess.run(fetches, feed)

    return run
