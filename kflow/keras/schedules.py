"""Keras learning-rate schedules (``kf.keras.optimizers.schedules``): objects given as ``learning_rate``.

A schedule maps the optimizer's step count to a rate: ``schedule(step)`` builds the tensor from the
``kf.train`` decay functions (so the formulas are TF's own), and the optimizer calls it once with its
``iterations`` variable when it builds the update. ``get_config``/``from_config`` round-trip through
model files.

Example:
    >>> lr = kf.keras.optimizers.schedules.ExponentialDecay(1e-2, decay_steps=1000, decay_rate=0.9)
    >>> model.compile(kf.keras.optimizers.SGD(learning_rate=lr), "mse")
"""
import math

from kflow import train
from kflow.engine import dtypes
from kflow.engine.ops import math_ops as M


class LearningRateSchedule:
    """Base: subclasses store their config in ``__init__`` and implement ``__call__(step) -> rate tensor``."""

    def __call__(self, step):
        raise NotImplementedError

    def get_config(self):
        return dict(self._config)

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _step(step):
    return M.cast(step, dtypes.float32)


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)`` (floored exponent when ``staircase``)."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            decay_rate=decay_rate, staircase=staircase, name=name)

    def __call__(self, step):
        c = self._config
        return train.exponential_decay(float(c["initial_learning_rate"]), _step(step), c["decay_steps"],
                                       c["decay_rate"], c["staircase"])


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``."""

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            decay_rate=decay_rate, staircase=staircase, name=name)

    def __call__(self, step):
        c = self._config
        return train.inverse_time_decay(float(c["initial_learning_rate"]), _step(step), c["decay_steps"],
                                        c["decay_rate"], c["staircase"])


class PolynomialDecay(LearningRateSchedule):
    """From ``initial_learning_rate`` to ``end_learning_rate`` over ``decay_steps`` along ``(1 - t) ** power``."""

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name=None):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps,
                            end_learning_rate=end_learning_rate, power=power, cycle=cycle, name=name)

    def __call__(self, step):
        c = self._config
        return train.polynomial_decay(float(c["initial_learning_rate"]), _step(step), c["decay_steps"],
                                      c["end_learning_rate"], c["power"], c["cycle"])


class CosineDecay(LearningRateSchedule):
    """Cosine from ``initial_learning_rate`` down to ``alpha * initial_learning_rate`` over ``decay_steps``."""

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name=None):
        self._config = dict(initial_learning_rate=initial_learning_rate, decay_steps=decay_steps, alpha=alpha,
                            name=name)

    def __call__(self, step):
        c = self._config
        return train.cosine_decay(float(c["initial_learning_rate"]), _step(step), c["decay_steps"], c["alpha"])


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[i]`` while ``boundaries[i-1] < step <= boundaries[i]``."""

    def __init__(self, boundaries, values, name=None):
        if len(values) != len(boundaries) + 1:
            raise ValueError("PiecewiseConstantDecay needs one more value than boundaries; got %d boundaries and "
                             "%d values." % (len(boundaries), len(values)))
        self._config = dict(boundaries=list(boundaries), values=list(values), name=name)

    def __call__(self, step):
        c = self._config
        return train.piecewise_constant(_step(step), [float(b) for b in c["boundaries"]],
                                        [float(v) for v in c["values"]])


CLASSES = {c.__name__: c for c in (ExponentialDecay, InverseTimeDecay, PolynomialDecay, CosineDecay,
                                   PiecewiseConstantDecay)}


def serialize(schedule):
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config, custom_objects=None):
    classes = dict(CLASSES)
    classes.update(custom_objects or {})
    cls = classes.get(config.get("class_name"))
    if cls is None:
        raise ValueError("Unknown learning-rate schedule %r (pass it in custom_objects)." % config.get("class_name"))
    return cls.from_config(config["config"])


# issue 15 (round 2): text preprocessing / optimizers
class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR, Loshchilov & Hutter 2017), as Keras: period ``i`` lasts
    ``first_decay_steps * t_mul**i`` steps and starts at ``initial_learning_rate * m_mul**i``; each decays to
    ``alpha`` times its start.

    Example:
        >>> CosineDecayRestarts(0.1, first_decay_steps=100, t_mul=2.0, m_mul=0.5)
    """

    def __init__(self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0, name="SGDRDecay"):
        self._config = dict(initial_learning_rate=initial_learning_rate, first_decay_steps=first_decay_steps,
                            t_mul=t_mul, m_mul=m_mul, alpha=alpha, name=name)

    def __call__(self, step):
        c = self._config
        t_mul, m_mul, alpha = float(c["t_mul"]), float(c["m_mul"]), float(c["alpha"])
        fraction = _step(step) / float(c["first_decay_steps"])
        if t_mul == 1.0:
            i_restart = M.floor(fraction)
            fraction = fraction - i_restart
        else:  # periods grow geometrically: find the period by the geometric series' sum
            i_restart = M.floor(M.log(1.0 - fraction * (1.0 - t_mul)) / math.log(t_mul))
            sum_r = (1.0 - M.pow(t_mul, i_restart)) / (1.0 - t_mul)
            fraction = (fraction - sum_r) / M.pow(t_mul, i_restart)
        cosine = 0.5 * M.pow(m_mul, i_restart) * (1.0 + M.cos(math.pi * fraction))
        return float(c["initial_learning_rate"]) * ((1.0 - alpha) * cosine + alpha)


CLASSES["CosineDecayRestarts"] = CosineDecayRestarts
