"""Learning-rate schedules of TF1 (``kf.train.exponential_decay`` ...), built from kflow ops on the global step.

Each returns a scalar tensor of the learning rate's dtype (float32 for Python numbers) that
an optimizer reads every step, e.g. ``AdamOptimizer(exponential_decay(1e-3, gs, 1000, 0.96))``.
With ``p = global_step / decay_steps`` (floored when ``staircase``):

  * exponential_decay:  ``lr * decay_rate ** p``
  * natural_exp_decay:  ``lr * exp(-decay_rate * p)``
  * inverse_time_decay: ``lr / (1 + decay_rate * p)``
  * polynomial_decay:   ``(lr - end) * (1 - min(step, decay_steps) / decay_steps) ** power + end``
  * cosine_decay:       ``lr * ((1 - alpha) * 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps)) + alpha)``
  * piecewise_constant: ``values[i]`` for ``boundaries[i-1] < x <= boundaries[i]``

Example:
    >>> gs = kf.train.get_or_create_global_step()
    >>> lr = kf.train.exponential_decay(0.1, gs, decay_steps=100, decay_rate=0.5, staircase=True)
"""
import math

from kflow.engine import graph as graph_mod
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import where
from kflow.engine.ops.comparison_ops import equal, greater
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity


def _decay_inputs(fn_name, learning_rate, global_step, decay_steps):
    """(lr, step, decay_steps) as tensors of the learning rate's dtype."""
    if global_step is None:
        raise ValueError("global_step is required for %s." % fn_name)
    lr = convert_to_tensor(learning_rate, name="learning_rate")
    if not lr.dtype.is_floating:
        raise TypeError("%s: learning_rate must be floating point, got %s" % (fn_name, lr.dtype.name))
    step = M.cast(global_step, lr.dtype)
    return lr, step, M.cast(convert_to_tensor(decay_steps, dtype=_numeric_dtype(decay_steps, lr)), lr.dtype)


def _numeric_dtype(value, lr):
    """Python numbers take the learning rate's dtype (so ``decay_steps=1e3`` works); tensors keep theirs."""
    return lr.dtype if isinstance(value, (int, float)) else None


def _progress(step, decay_steps, staircase):
    p = step / decay_steps
    return M.floor(p) if staircase else p


def exponential_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate * decay_rate ** (global_step / decay_steps)`` (exponent floored when ``staircase``)."""
    with graph_mod.name_scope(name, "ExponentialDecay") as scope:
        lr, step, steps = _decay_inputs("exponential_decay", learning_rate, global_step, decay_steps)
        rate = convert_to_tensor(decay_rate, dtype=lr.dtype)
        return M.multiply(lr, M.pow(rate, _progress(step, steps, staircase)), name=scope)


def natural_exp_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate * exp(-decay_rate * global_step / decay_steps)`` (floored ratio when ``staircase``)."""
    with graph_mod.name_scope(name, "NaturalExpDecay") as scope:
        lr, step, steps = _decay_inputs("natural_exp_decay", learning_rate, global_step, decay_steps)
        rate = convert_to_tensor(decay_rate, dtype=lr.dtype)
        return M.multiply(lr, M.exp(M.negative(rate) * _progress(step, steps, staircase)), name=scope)


def inverse_time_decay(learning_rate, global_step, decay_steps, decay_rate, staircase=False, name=None):
    """``learning_rate / (1 + decay_rate * global_step / decay_steps)`` (floored ratio when ``staircase``)."""
    with graph_mod.name_scope(name, "InverseTimeDecay") as scope:
        lr, step, steps = _decay_inputs("inverse_time_decay", learning_rate, global_step, decay_steps)
        rate = convert_to_tensor(decay_rate, dtype=lr.dtype)
        return M.divide(lr, 1.0 + rate * _progress(step, steps, staircase), name=scope)


def polynomial_decay(learning_rate, global_step, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                     name=None):
    """Decays from ``learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along ``(1 - p) ** power``.

    With ``cycle`` the horizon grows to the next multiple of ``decay_steps`` instead of holding the end value.
    """
    with graph_mod.name_scope(name, "PolynomialDecay") as scope:
        lr, step, steps = _decay_inputs("polynomial_decay", learning_rate, global_step, decay_steps)
        end = convert_to_tensor(end_learning_rate, dtype=lr.dtype)
        power = convert_to_tensor(power, dtype=lr.dtype)
        if cycle:
            # the first multiple of decay_steps at or above the step (1 at step 0)
            multiple = where(equal(step, 0.0), 1.0, M.ceil(step / steps))
            steps = steps * multiple
        else:
            step = M.minimum(step, steps)
        return M.add((lr - end) * M.pow(1.0 - step / steps, power), end, name=scope)


def cosine_decay(learning_rate, global_step, decay_steps, alpha=0.0, name=None):
    """Cosine decay (Loshchilov & Hutter 2017) from ``learning_rate`` to ``alpha * learning_rate``."""
    with graph_mod.name_scope(name, "CosineDecay") as scope:
        lr, step, steps = _decay_inputs("cosine_decay", learning_rate, global_step, decay_steps)
        fraction = M.minimum(step, steps) / steps
        cosine = 0.5 * (1.0 + M.cos(math.pi * fraction))
        return M.multiply(lr, (1.0 - alpha) * cosine + alpha, name=scope)


def piecewise_constant(x, boundaries, values, name=None):
    """``values[0]`` while ``x <= boundaries[0]``, ``values[i]`` while ``boundaries[i-1] < x <= boundaries[i]``,
    ``values[-1]`` after the last boundary.

    Raises:
        ValueError: ``len(values) != len(boundaries) + 1``, or mixed dtypes among boundaries/values.
    """
    if len(boundaries) != len(values) - 1:
        raise ValueError("The length of boundaries (%d) should be 1 less than the length of values (%d)"
                         % (len(boundaries), len(values)))
    with graph_mod.name_scope(name, "PiecewiseConstant") as scope:
        x = convert_to_tensor(x)
        bounds = [_like(b, x.dtype, "Boundaries", x) for b in boundaries]
        vals = [convert_to_tensor(v) for v in values]
        for v in vals[1:]:
            if v.dtype is not vals[0].dtype:
                raise ValueError("Values must have elements all with the same dtype (%s vs %s)."
                                 % (vals[0].dtype.name, v.dtype.name))
        if not bounds:
            return identity(vals[0], name=scope)
        result = vals[0]
        for i, (b, v) in enumerate(zip(bounds, vals[1:])):
            result = where(greater(x, b), v, result, name=scope if i == len(bounds) - 1 else None)
        return result


def _like(value, dtype, what, x):
    """A boundary as a tensor of ``x``'s dtype: Python numbers and int32 tensors convert, others must match."""
    if isinstance(value, (int, float)):
        try:
            return convert_to_tensor(value, dtype=dtype)
        except (TypeError, ValueError):
            raise ValueError("%s (%r) must have the same dtype as x (%s)." % (what, value, dtype.name)) from None
    t = convert_to_tensor(value)
    if t.dtype is not dtype:
        if t.dtype.name == "int32" and dtype.name == "int64":
            return M.cast(t, dtype)
        raise ValueError("%s (%s) must have the same dtype as x '%s' (%s)." % (what, t.dtype.name, x.name,
                                                                               dtype.name))
    return t
