"""The ``Initializer`` base class and the fan computation shared by the scaling initializers.

An initializer is called as ``init(shape, dtype=None, partition_info=None)`` and returns a
Tensor holding the initial value; ``get_variable`` calls it when it creates a variable.

Example:
    >>> class Halves(Initializer):
    ...     def __call__(self, shape, dtype=None, partition_info=None):
    ...         return kf.fill(shape, 0.5)
    >>> v = kf.get_variable("v", [2, 2], initializer=Halves())
"""
from kflow.engine import dtypes


class Initializer:
    """Base class of initializers: callable ``(shape, dtype=None, partition_info=None) -> Tensor``."""

    def __call__(self, shape, dtype=None, partition_info=None):
        raise NotImplementedError

    def get_config(self):
        """The constructor arguments as a dict (``type(init).from_config(init.get_config())`` rebuilds it)."""
        return {}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config.pop("dtype", None)  # older configs stored a dtype name; the call's dtype wins anyway
        return cls(**config)

    def __repr__(self):
        args = ", ".join("%s=%r" % kv for kv in sorted(self.get_config().items()))
        return "%s(%s)" % (type(self).__name__, args)


def as_float_dtype(dtype, who):
    """``dtype`` as a DType, checking it is floating (random and scaling initializers need floats)."""
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise ValueError("%s: expected a floating point dtype, got %s" % (who, dtype.name))
    return dtype


def compute_fans(shape):
    """(fan_in, fan_out) of a weight shape: dense [in, out]; conv [..., in_channels, out_channels].

    Example:
        >>> compute_fans([3, 3, 16, 32])   # 3*3*16, 3*3*32
        (144, 288)
    """
    shape = [int(d) for d in shape]
    if not shape:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = 1
    for d in shape[:-2]:
        receptive *= d
    return shape[-2] * receptive, shape[-1] * receptive
