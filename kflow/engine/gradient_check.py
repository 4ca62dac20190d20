"""Numerical gradient checking: symbolic gradients vs central differences in float64.

For each input, the symbolic directional derivative of ``sum(w * f(x))`` (``w`` random)
along a random direction is compared with ``(L(x + eps*d) - L(x - eps*d)) / (2*eps)``.

Example:
    >>> check_gradients(lambda x, y: kf.matmul(x, y), [np.random.randn(2, 3), np.random.randn(3, 4)])
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.graph import Graph
from kflow.engine.gradients import gradients
from kflow.engine.ops.constant_op import placeholder, constant
from kflow.engine.ops.math_ops import multiply
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.session import Session


def check_gradients(fn, inputs, eps=1e-6, rtol=1e-5, atol=1e-8, seed=0, wrt=None):
    """Asserts that the gradient of ``fn`` matches central differences.

    Args:
        fn: builds an output tensor (or list of tensors) from placeholders shaped like ``inputs``.
        inputs: list of float64 arrays (integer arrays are fed but not checked).
        wrt: indices of the inputs to check (default: every floating input).

    Raises:
        AssertionError: naming the input and both derivatives when they disagree.
    """
    rng = np.random.RandomState(seed)
    inputs = [np.asarray(x) for x in inputs]
    g = Graph()
    with g.as_default():
        phs = [placeholder(dtypes.as_dtype(x.dtype), x.shape, name="x%d" % i) for i, x in enumerate(inputs)]
        outs = fn(*phs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        sess = Session(graph=g)
        feed = dict(zip(phs, inputs))
        values = sess.run(outs, feed)
        weights = [rng.standard_normal(np.shape(v)) for v in values]
        loss = reduce_sum([reduce_sum(multiply(o, constant(w, dtype=o.dtype))) for o, w in zip(outs, weights)]
                          if len(outs) > 1 else multiply(outs[0], constant(weights[0], dtype=outs[0].dtype)))
        if wrt is None:
            wrt = [i for i, x in enumerate(inputs) if x.dtype.kind == "f"]
        grads = gradients(loss, [phs[i] for i in wrt])
        grad_values = sess.run([gr for gr in grads if gr is not None], feed)
        it = iter(grad_values)
        for i, gr in zip(wrt, grads):
            x = inputs[i]
            d = rng.standard_normal(x.shape)
            symbolic = 0.0 if gr is None else float(np.sum(next(it) * d))
            plus, minus = dict(feed), dict(feed)
            plus[phs[i]] = x + eps * d
            minus[phs[i]] = x - eps * d
            numeric = (float(sess.run(loss, plus)) - float(sess.run(loss, minus))) / (2 * eps)
            if not np.isclose(symbolic, numeric, rtol=rtol, atol=atol + rtol * abs(numeric)):
                raise AssertionError("Gradient mismatch for input %d (shape %s): symbolic %r vs numeric %r" % (
                    i, x.shape, symbolic, numeric))
        sess.close()
