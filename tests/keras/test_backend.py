import numpy as np
import pytest

import kflow as kf
from kflow.keras import backend as K


def test_function_reads_intermediate_layers_in_either_learning_phase():
    # The Keras FAQ recipe, on a Sequential model (in the default graph): K.learning_phase() switches dropout.
    L = kf.keras.layers
    model = kf.keras.Sequential([L.Dense(4, activation="relu", input_shape=(3,)), L.Dropout(0.5), L.Dense(2)])
    x = np.random.RandomState(0).rand(64, 3).astype(np.float32)
    hidden = K.function([model.layers[0].input], [model.layers[0].output])
    kernel, bias = model.layers[0].get_weights()
    np.testing.assert_allclose(hidden([x])[0], np.maximum(x @ kernel + bias, 0), rtol=1e-5, atol=1e-7)
    out = K.function([model.layers[0].input, K.learning_phase()], [model.layers[2].output])
    np.testing.assert_allclose(out([x, 0])[0], model.predict(x), rtol=1e-6)
    assert not np.allclose(out([x, 1])[0], model.predict(x))
    with pytest.raises(ValueError, match="takes 2 input values"):
        out([x])


def test_function_runs_updates():
    v = K.variable(0.0)
    step = K.function([], [v], updates=[kf.assign_add(v, 1.0)])
    step([])
    assert float(K.get_value(v)) == 1.0
