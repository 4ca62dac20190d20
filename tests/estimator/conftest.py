"""Regression data shared by the estimator tests."""
import numpy as np
import pytest


@pytest.fixture
def regression():
    rng = np.random.RandomState(0)
    x = rng.randn(200, 3).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5]], np.float32) + 0.25).astype(np.float32)
    return x, y
