"""``check_layer_gradients``: float64 gradient checks of a layer with respect to its inputs and its weights.

The weights are fed as placeholders through a variable-scope custom getter (no variables to initialize), so
``kflow.engine.gradient_check`` checks them like inputs.
"""
import numpy as np

import kflow as kf
from kflow.engine.gradient_check import check_gradients


def check_layer_gradients(make, inputs, call=None, seed=0, scale=0.5, **check_kwargs):
    """``make()`` -> a layer named "probe"; ``call(layer, *input_tensors)`` -> output(s) (default
    ``layer(*inputs)``); the weights get random values times ``scale``."""
    call = call or (lambda layer, *xs: layer(*xs))
    with kf.Graph().as_default():
        probe = make()
        call(probe, *[kf.constant(x) for x in inputs])
        names = [w.name[w.name.index("probe/"):-2] for w in probe.weights]
        weight_shapes = [w.shape.as_list() for w in probe.weights]
    rng = np.random.RandomState(seed)
    values = [rng.randn(*s) * scale for s in weight_shapes]

    def fn(*tensors):
        given = dict(zip(names, tensors[len(inputs):]))

        def getter(next_getter, name, *args, **kwargs):
            return given[name[name.index("probe/"):]]

        with kf.variable_scope("g", custom_getter=getter):
            return call(make(), *tensors[:len(inputs)])

    check_gradients(fn, list(inputs) + values, **check_kwargs)
    return names
