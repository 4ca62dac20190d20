"""K.set_floatx reaches every place Keras reads it: backend tensors, Input, Sequential's input, layer weights."""
import numpy as np
import pytest

import kflow as kf
from kflow.keras import backend as K


@pytest.fixture
def float64():
    K.set_floatx("float64")
    yield
    K.set_floatx("float32")


def test_backend_defaults_follow_floatx(float64):
    with kf.Graph().as_default():
        made = [K.variable(1.0), K.constant(2), K.placeholder(shape=(2,)), K.random_normal((2,)),
                K.random_uniform((2,)), K.zeros((2,)), K.truncated_normal((2,))]
        assert [t.dtype for t in made] == [kf.float64] * len(made)
        assert K.constant(1, dtype="int32").dtype == kf.int32  # an explicit dtype still wins


def test_models_train_in_floatx(float64):
    x = np.random.RandomState(0).rand(16, 3)
    y = x @ np.array([[1.0], [-2.0], [0.5]])
    inputs = kf.keras.Input((3,))
    functional = kf.keras.Model(inputs, kf.keras.layers.Dense(1)(inputs))
    sequential = kf.keras.Sequential([kf.keras.layers.Dense(1, input_shape=(3,))])
    deferred = kf.keras.Sequential([kf.keras.layers.Dense(1)])  # input made from the first fit's arrays
    for model in (functional, sequential, deferred):
        model.compile(kf.keras.optimizers.SGD(0.1), "mse")
        model.fit(x, y, epochs=2, verbose=0)
        assert model.weights[0].dtype == kf.float64 and model.predict(x).dtype == np.float64
    assert sequential.get_config()["layers"][0]["config"]["dtype"] == "float64"


def test_default_is_float32():
    inputs = kf.keras.Input((3,))
    assert K.floatx() == "float32" and inputs.dtype == kf.float32
    assert kf.keras.layers.Dense(2)(inputs).dtype == kf.float32
