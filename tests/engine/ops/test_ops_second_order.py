"""Gradients of gradients for every op case of test_ops_gradients: the gradient of ``sum(f(x)**2)`` is itself
checked numerically (float64, random direction), so every registered gradient must be built from differentiable
kflow ops (a kernel-only gradient, or one that detaches its inputs, fails here)."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from test_ops_gradients import ALL


def _first_gradients(fn, inputs):
    """A function of the inputs returning d sum(f(x)**2) / dx for each floating input."""
    floating = [i for i, x in enumerate(inputs) if np.asarray(x).dtype.kind == "f"]

    def grads(*xs):
        y = fn(*xs)
        ys = list(y) if isinstance(y, (list, tuple)) else [y]
        gs = kf.gradients([kf.reduce_sum(t * t) for t in ys], [xs[i] for i in floating])
        assert any(g is not None for g in gs)
        return [g for g in gs if g is not None]
    return grads


@pytest.mark.parametrize("fn,inputs", [c[1:] for c in ALL], ids=[c[0] for c in ALL])
def test_second_order_gradient_matches_numeric(fn, inputs):
    check_gradients(_first_gradients(fn, inputs), inputs, rtol=1e-4)
