"""Weight regularizers: ``l1``, ``l2``, ``l1_l2`` (Keras style) and TF1's ``l1_regularizer``/``l2_regularizer``.

A regularizer maps a weight to a scalar loss. Passed as ``kernel_regularizer=`` to a layer or
``regularizer=`` to ``get_variable``, its loss lands in ``GraphKeys.REGULARIZATION_LOSSES``
(summed by ``kf.losses.get_regularization_loss()``).

Example:
    >>> y = kf.layers.dense(x, 10, kernel_regularizer=kf.keras.regularizers.l2(1e-4))
    >>> reg = kf.add_n(kf.get_collection(kf.GraphKeys.REGULARIZATION_LOSSES))
"""
from kflow.engine.ops import math_ops, reduction_ops
from kflow.engine.ops.constant_op import constant


class Regularizer:
    """Base class: ``__call__(weight) -> scalar loss tensor``."""

    def __call__(self, x):
        return 0.0

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|x|) + l2 * sum(x**2)`` (note: no 1/2 factor, as in Keras)."""

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, x):
        loss = None
        if self.l1:
            loss = math_ops.multiply(reduction_ops.reduce_sum(math_ops.abs(x)), _scalar(self.l1, x))
        if self.l2:
            l2 = math_ops.multiply(reduction_ops.reduce_sum(math_ops.square(x)), _scalar(self.l2, x))
            loss = l2 if loss is None else math_ops.add(loss, l2)
        if loss is None:
            loss = reduction_ops.reduce_sum(math_ops.multiply(x, _scalar(0.0, x)))
        return loss

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}

    def __repr__(self):
        return "L1L2(l1=%r, l2=%r)" % (self.l1, self.l2)


def _scalar(value, x):
    return constant(value, dtype=x.dtype.base_dtype)


def l1(l=0.01):  # noqa: E741 - Keras's argument name
    """Keras ``l1(l)``: ``l * sum(|x|)``."""
    return L1L2(l1=l)


def l2(l=0.01):  # noqa: E741
    """Keras ``l2(l)``: ``l * sum(x**2)``."""
    return L1L2(l2=l)


def l1_l2(l1=0.01, l2=0.01):  # noqa: F811 - Keras reuses the names as arguments
    return L1L2(l1=l1, l2=l2)


def l1_regularizer(scale, scope=None):
    """TF1 (contrib) ``l1_regularizer(scale)``: ``scale * sum(|x|)``; scale 0 gives None (no loss)."""
    if scale < 0.:
        raise ValueError("Setting a scale less than 0 on a regularizer: %g" % scale)
    if scale == 0.:
        return lambda _: None
    return L1L2(l1=scale)


def l2_regularizer(scale, scope=None):
    """TF1 (contrib) ``l2_regularizer(scale)``: ``scale * sum(x**2) / 2`` (like ``scale * kf.nn.l2_loss``)."""
    if scale < 0.:
        raise ValueError("Setting a scale less than 0 on a regularizer: %g" % scale)
    if scale == 0.:
        return lambda _: None
    return L1L2(l2=0.5 * scale)


_BY_NAME = {"L1L2": L1L2, "l1": l1, "l2": l2, "l1_l2": l1_l2}


def serialize(regularizer):
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config, custom_objects=None):
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError("Unknown regularizer: %s" % name)
    return cls.from_config(config.get("config", {})) if isinstance(cls, type) else cls(**config.get("config", {}))


def get(identifier):
    """Resolves a ``*_regularizer=`` argument: None, a callable, a name ("l1", "l2", "l1_l2") or a config dict."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier in _BY_NAME:
        return _BY_NAME[identifier]()
    raise ValueError("Could not interpret regularizer identifier: %r" % (identifier,))
