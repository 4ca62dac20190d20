"""Devices and their array backends: numpy on the CPU, CuPy on the GPU (named "devices" so it never reads as
Keras's ``kflow.keras.backend``).

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


# (device array type, its array module) pairs: cupy's when it imports. Tests add a numpy-backed fake device here to
# check on the CPU that kernels keep device values on the device. A module must offer ``asnumpy`` (as cupy does).
_device_array_types = [] if _cupy is None else [(_cupy.ndarray, _cupy)]


def array_module(*arrays):
    """Returns the array module (cupy) of the first device array among ``arrays``, else numpy."""
    if _device_array_types:
        for a in arrays:
            for array_type, module in _device_array_types:
                if isinstance(a, array_type):
                    return module
    return np


def to_numpy(x):
    """Copies a device array to the host; numpy values pass through."""
    for array_type, module in _device_array_types:
        if isinstance(x, array_type):
            return module.asnumpy(x)
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
