"""Small synthetic data shared by the Keras tests."""
import numpy as np
import pytest



@pytest.fixture
def blobs():
    """A linearly separable 3-class problem: (x_train, y_train), (x_val, y_val)."""
    rng = np.random.RandomState(0)
    centers = rng.randn(3, 8).astype(np.float32) * 3
    y = rng.randint(0, 3, size=400)
    x = (centers[y] + rng.randn(400, 8).astype(np.float32)).astype(np.float32)
    return (x[:320], y[:320].astype(np.int64)), (x[320:], y[320:].astype(np.int64))
