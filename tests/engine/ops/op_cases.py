"""Helpers shared by the op tests: run an op built on placeholders, with static or unknown input shapes."""
import numpy as np

import kflow as kf


def run_op(fn, inputs, static=True):
    """Builds ``fn(*placeholders)`` in a fresh graph and runs it on ``inputs``.

    ``static=False`` gives every placeholder unknown dims (``[None] * rank``), to exercise shape inference.
    Returns ``(output tensors as a list, their values as a list, graph)``.
    """
    inputs = [np.asarray(x) for x in inputs]
    g = kf.Graph()
    with g.as_default():
        phs = [kf.placeholder(kf.as_dtype(x.dtype), x.shape if static else [None] * x.ndim, name="in%d" % i)
               for i, x in enumerate(inputs)]
        out = fn(*phs)
        outs = list(out) if isinstance(out, (list, tuple)) else [out]
        with kf.Session(graph=g) as sess:
            values = sess.run(outs, dict(zip(phs, inputs)))
    return outs, values, g


def rand(*shape, low=-1.0, high=1.0, seed=0):
    """float64 values in [low, high) (a fixed stream per seed)."""
    return np.random.RandomState(seed).uniform(low, high, size=shape)


def away_from_zero(*shape, seed=0):
    """float64 values with |v| in [0.5, 1.5): safe for abs/sign/reciprocal/maximum ties."""
    r = np.random.RandomState(seed)
    return r.uniform(0.5, 1.5, size=shape) * r.choice([-1.0, 1.0], size=shape)
