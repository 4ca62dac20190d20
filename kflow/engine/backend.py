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


class Backend:
    """One device kind: its array module and the copies onto / off it."""

    def __init__(self, kind, xp, to_device, to_host):
        self.kind = kind
        self.xp = xp
        self.to_device = to_device
        self.to_host = to_host

    def __repr__(self):
        return "<kflow backend %s>" % self.kind


CPU = Backend("CPU", np, to_numpy, to_numpy)
_gpu_override = []  # tests install a fake GPU backend here
_gpu_probe = []  # memoized result of probing for CuPy + a GPU (done once per process)


def gpu_backend():
    """The GPU backend (CuPy) when a GPU is usable, else None."""
    if _gpu_override:
        return _gpu_override[-1]
    if not _gpu_probe:
        _gpu_probe.append(Backend("GPU", _cupy, _cupy.asarray, to_numpy) if cupy_available() else None)
    return _gpu_probe[0]
