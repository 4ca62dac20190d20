"""Deterministic initializers: zeros, ones, a constant value, the identity matrix.

Example:
    >>> b = kf.get_variable("b", [10], initializer=kf.zeros_initializer())
    >>> w = kf.get_variable("w", [2, 2], initializer=kf.constant_initializer([[1, 2], [3, 4]]))
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.ops.array_ops import zeros, ones
from kflow.engine.ops.constant_op import constant
from kflow.initializers.base import Initializer, as_float_dtype


class Zeros(Initializer):
    """All zeros (``kf.zeros_initializer()``)."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return zeros(list(shape), dtype if dtype is not None else self.dtype)

    def get_config(self):
        return {}


class Ones(Initializer):
    """All ones (``kf.ones_initializer()``)."""

    def __init__(self, dtype=dtypes.float32):
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        return ones(list(shape), dtype if dtype is not None else self.dtype)

    def get_config(self):
        return {}


class Constant(Initializer):
    """A scalar broadcast to the shape, or a value with exactly as many elements (reshaped).

    Example:
        >>> kf.constant_initializer(0.1)([3])     # [0.1, 0.1, 0.1]
    """

    def __init__(self, value=0, dtype=dtypes.float32, verify_shape=False):
        if not np.isscalar(value) and not isinstance(value, (list, tuple, np.ndarray)):
            raise TypeError("Invalid type for initial value: %s (expected a Python scalar, list, tuple or numpy "
                            "array)." % type(value).__name__)
        self.value = value
        self.dtype = dtypes.as_dtype(dtype)
        self._verify_shape = verify_shape

    def __call__(self, shape, dtype=None, partition_info=None, verify_shape=None):
        dtype = dtype if dtype is not None else self.dtype
        verify = self._verify_shape if verify_shape is None else verify_shape
        size = int(np.size(self.value))
        if size != 1 and size != int(np.prod(shape)):
            raise ValueError("constant_initializer: value has %d elements but the variable shape %s needs %d"
                             % (size, list(shape), int(np.prod(shape))))
        return constant(self.value, dtype=dtype, shape=list(shape), verify_shape=verify)

    def get_config(self):
        value = self.value.tolist() if isinstance(self.value, np.ndarray) else self.value
        return {"value": value, "verify_shape": self._verify_shape}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only; rectangular allowed)."""

    def __init__(self, gain=1.0, dtype=dtypes.float32):
        self.gain = gain
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = as_float_dtype(dtype if dtype is not None else self.dtype, "Identity initializer")
        if len(shape) != 2:
            raise ValueError("Identity matrix initializer can only be used for 2D matrices, got shape %s"
                             % (list(shape),))
        return constant(self.gain * np.eye(*[int(d) for d in shape]), dtype=dtype)

    def get_config(self):
        return {"gain": self.gain}


zeros_initializer = Zeros
ones_initializer = Ones
constant_initializer = Constant
