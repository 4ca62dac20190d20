"""TF 1.x's functional eager gradients: ``tfe.gradients_function``, ``tfe.implicit_gradients`` and their
value-returning twins, each a thin wrapper over ``kf.GradientTape``.

Example:
    >>> x = tfe.Variable(2.0)
    >>> loss = lambda y: (y - x ** 2) ** 2
    >>> tfe.implicit_gradients(loss)(7.)
    [(<tf.Tensor: shape=(), dtype=float32, numpy=-24.0>, <tf.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>)]
"""
import functools

from kflow.engine.backprop import GradientTape
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.ops.constant_op import convert_to_tensor


def value_and_gradients_function(f, params=None):
    """``g(*args) -> (f(*args), [df/d(arg) for the differentiated args])``.

    Args:
        f: a function of tensors returning a tensor (differentiated as the sum of its elements).
        params: indices (or argument names) of the arguments to differentiate; default all.
    """
    @functools.wraps(f)
    def decorated(*args, **kwargs):
        dy = kwargs.pop("dy", None)
        args = [a if isinstance(a, EagerTensor) else convert_to_tensor(a) for a in args]
        chosen = _positions(f, params, len(args))
        with GradientTape() as tape:
            for i in chosen:
                tape.watch(args[i])
            value = f(*args, **kwargs)
        if value is None:
            raise ValueError("Cannot differentiate a function that returns None; did you forget to return a value "
                             "from %s?" % getattr(f, "__name__", f))
        grads = tape.gradient(value, [args[i] for i in chosen], output_gradients=dy)
        return value, grads

    return decorated


def gradients_function(f, params=None):
    """``g(*args) -> [df/d(arg) ...]``: TF 1.x's ``tfe.gradients_function``."""
    value_and_grads = value_and_gradients_function(f, params)

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        return value_and_grads(*args, **kwargs)[1]

    return decorated


def implicit_value_and_gradients(f):
    """``g(*args) -> (f(*args), [(gradient, variable)])`` for the trainable variables ``f`` reads.

    Raises:
        ValueError: ``f`` reads no trainable variable.
    """
    @functools.wraps(f)
    def decorated(*args, **kwargs):
        with GradientTape() as tape:
            value = f(*args, **kwargs)
        variables = tape.watched_variables()
        if not variables:
            raise ValueError("No trainable variables were accessed while the function %s was being computed."
                             % getattr(f, "__name__", f))
        grads = tape.gradient(value, variables)
        return value, list(zip(grads, variables))

    return decorated


def implicit_gradients(f):
    """``g(*args) -> [(gradient, variable)]``: TF 1.x's ``tfe.implicit_gradients``."""
    value_and_grads = implicit_value_and_gradients(f)

    @functools.wraps(f)
    def decorated(*args, **kwargs):
        return value_and_grads(*args, **kwargs)[1]

    return decorated


def _positions(f, params, n):
    if params is None:
        return list(range(n))
    code = getattr(f, "__code__", None)
    names = list(code.co_varnames[:code.co_argcount]) if code is not None else []
    return [names.index(p) if isinstance(p, str) else int(p) for p in params]
