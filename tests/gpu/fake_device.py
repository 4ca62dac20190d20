"""A numpy-backed stand-in for CuPy, strict where CuPy is strict, to test device code paths on the CPU.

``FakeDeviceArray`` stands for GPU memory and ``FakeDeviceModule`` for the ``cupy`` module:
  * every result computed from device arrays (ufuncs, reductions, ``np.*`` functions dispatched through
    ``__array_function__``, ``xp.*`` functions) is a device array, and 0-d results stay 0-d arrays (as in CuPy,
    where a reduction never returns a host scalar);
  * mixing a host ``numpy.ndarray`` into a device computation raises ``TypeError`` (CuPy raises too);
  * host arrays made by ``np.zeros``/``np.empty``/``np.asarray``/``np.array`` stay host arrays, so a kernel that
    builds results with bare ``np.`` instead of ``xp.`` is caught by the residency check of ``FakeGPU``.
What it cannot catch: numpy functions CuPy lacks, and ``isinstance(x, np.ndarray)`` tests (true here, false for
CuPy arrays).

Example:
    >>> with fake_gpu() as gpu:
    ...     ...  # ops placed on /gpu:0 now run on FakeDeviceArray values
"""
import contextlib
import sys
import types

import numpy as np

from kflow.engine import devices

# xp functions that take host data by design (CuPy's upload paths)
_UPLOADS = {"array", "asarray", "asanyarray", "ascontiguousarray", "asfortranarray"}


class FakeDeviceArray(np.ndarray):
    """A numpy array standing for a CuPy array."""

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        _reject_host("%s.%s" % (ufunc.__name__, method), inputs + (out or ()))
        if out is not None:
            kwargs["out"] = tuple(_unwrap(o) for o in out)
        result = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _to_device(result)

    def __array_function__(self, func, types_, args, kwargs):
        _reject_host(func.__name__, (args, kwargs))
        return _to_device(func(*_unwrap(args), **_unwrap(kwargs)))

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        return arr.view(FakeDeviceArray)  # never a host scalar, as in CuPy

    def __getitem__(self, key):
        return _to_device(super().__getitem__(key))


class _FakeRandomState:
    """``cupy.random.RandomState``'s sampling API, drawing on the host and placing results on the device."""

    def __init__(self, seed=None):
        self._rng = np.random.RandomState(seed)

    def random_sample(self, size=None, dtype=np.float64):
        return _to_device(self._rng.random_sample(size).astype(dtype))

    def standard_normal(self, size=None, dtype=np.float64):
        return _to_device(self._rng.standard_normal(size).astype(dtype))


class FakeDeviceModule:
    """Stands for the ``cupy`` module: numpy's names, with array results on the device."""

    def __init__(self, module=np):
        self._module = module
        if module is np.random:
            self.RandomState = _FakeRandomState

    def __getattr__(self, name):
        attr = getattr(self._module, name)
        if isinstance(attr, types.ModuleType):
            return FakeDeviceModule(attr)
        if isinstance(attr, type) or not callable(attr):
            return attr  # dtypes (cupy.float32 is numpy.float32) and constants

        def device_function(*args, **kwargs):
            if name not in _UPLOADS:
                _reject_host("xp." + name, (args, kwargs))
            return _to_device(attr(*_unwrap(args), **_unwrap(kwargs)))
        return device_function

    @staticmethod
    def asnumpy(x):
        return np.array(x.view(np.ndarray) if isinstance(x, FakeDeviceArray) else x)


def _leaves(obj):
    if isinstance(obj, (list, tuple)):
        for o in obj:
            yield from _leaves(o)
    elif isinstance(obj, dict):
        for o in obj.values():
            yield from _leaves(o)
    else:
        yield obj


def _reject_host(what, args):
    leaves = list(_leaves(args))
    if any(isinstance(a, FakeDeviceArray) for a in leaves) or what.startswith("xp."):
        for a in leaves:
            if type(a) is np.ndarray:
                raise TypeError("%s: host numpy array %s %s mixed with device arrays (CuPy raises here)"
                                % (what, a.dtype, a.shape))


def _unwrap(obj):
    if isinstance(obj, FakeDeviceArray):
        return obj.view(np.ndarray)
    if isinstance(obj, (list, tuple)) and not hasattr(obj, "_fields"):
        return type(obj)(_unwrap(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _unwrap(v) for k, v in obj.items()}
    return obj


def _to_device(result):
    if isinstance(result, np.ndarray):
        return result.view(FakeDeviceArray)
    if isinstance(result, np.generic):
        return np.asarray(result).view(FakeDeviceArray)
    if isinstance(result, (list, tuple)):  # numpy's named results (QRResult...) are plain tuples in CuPy
        return (list if isinstance(result, list) else tuple)(_to_device(r) for r in result)
    return result


class FakeGPU(devices.Backend):
    """A GPU backend over ``FakeDeviceModule``: uploads make device arrays, downloads accept only device arrays."""

    def __init__(self):
        super().__init__("GPU", FakeDeviceModule(), self._up, self._down)

    @staticmethod
    def _up(x):
        if isinstance(x, FakeDeviceArray):
            raise AssertionError("a value already on the device was uploaded again")
        return np.array(x).view(FakeDeviceArray)

    @staticmethod
    def _down(x):
        if not isinstance(x, FakeDeviceArray):
            raise AssertionError("a host value (%s) sat in a device slot" % type(x).__name__)
        return np.array(x.view(np.ndarray))


def _scatter_add(out, key, values):
    """``cupyx.scatter_add``: ``out[key] += values`` with repeated indices adding up, in place on the device."""
    _reject_host("cupyx.scatter_add", (out, key, values))
    np.add.at(out.view(np.ndarray), _unwrap(key), _unwrap(values))


@contextlib.contextmanager
def fake_gpu():
    """Installs a ``FakeGPU`` as the GPU backend (its arrays as device arrays, and a ``cupyx``) for the block."""
    gpu = FakeGPU()
    entry = (FakeDeviceArray, gpu.xp)
    saved_cupyx = sys.modules.get("cupyx")
    sys.modules["cupyx"] = types.SimpleNamespace(scatter_add=_scatter_add)
    devices._gpu_override.append(gpu)
    devices._device_array_types.insert(0, entry)
    try:
        yield gpu
    finally:
        devices._device_array_types.remove(entry)
        devices._gpu_override.remove(gpu)
        if saved_cupyx is None:
            del sys.modules["cupyx"]
        else:
            sys.modules["cupyx"] = saved_cupyx
