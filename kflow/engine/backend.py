"""Array backends: numpy on the CPU, CuPy on the GPU.

Kernels call ``xp = array_module(x)`` and use ``xp`` so one code path serves both.
Importing kflow never fails when cupy is missing.

Example:
    >>> xp = array_module(np.zeros(3))
    >>> xp is np
    True
"""
import numpy as np

try:  # cupy is optional (extra "gpu"); its absence must never break `import kflow`.
    import cupy as _cupy
except Exception:  # pragma: no cover - depends on the machine
    _cupy = None


def cupy_available():
    """True when cupy imports and at least one GPU is visible."""
    if _cupy is None:
        return False
    try:
        return _cupy.cuda.runtime.getDeviceCount() > 0
    except Exception:
        return False


def array_module(*arrays):
    """Returns cupy if any argument is a cupy array, else numpy."""
    if _cupy is not None:
        for a in arrays:
            if isinstance(a, _cupy.ndarray):
                return _cupy
    return np


def to_numpy(x):
    """Copies a device array to the host; numpy values pass through."""
    if _cupy is not None and isinstance(x, _cupy.ndarray):
        return _cupy.asnumpy(x)
    return x
