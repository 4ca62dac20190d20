"""Runs numpy's BLAS (OpenBLAS) single-threaded while kflow's kernels split a batch over their own threads.

A convolution on the CPU is im2col copies + a GEMM + col2im adds per chunk of images. With BLAS's own
threads only the GEMM runs on all cores; the copies and adds run on one. Splitting the batch over one
Python thread per core, each running its chunks with a single-threaded GEMM, keeps every core busy for the
whole kernel: on the 2-core bench machine the [128, 26, 26, 32] x [3, 3, 32, 64] convolution's forward went
from 22.5 to 17.1 ms, its filter gradient from 23.6 to 17.4 ms and its input gradient from 30.5 to 22.2 ms.

That only holds if no BLAS worker competes for the cores: OpenBLAS's idle workers spin for ~0.1 s after
each multi-threaded call, and one small multi-threaded product per step (a dense layer) made the Keras
MNIST CNN's step 1.5x slower than with no splitting at all. So a plan holding such kernels
(ops declared ``splits=True``) runs its whole step inside ``single_threaded()``, and matmul splits large products
itself meanwhile (``lowered()``): that step went from 49.7 to 32.3 ms (PyTorch: 26 ms).

OpenBLAS's thread count is process-wide (``openblas_set_num_threads_local`` is global in the pthreads builds
numpy ships), so other threads' numpy products also run single-threaded during such a step; nested or
concurrent users share the setting (the smallest limit held wins).
On cores that other processes keep busy, plans without such kernels also cap BLAS's threads at the free
cores (``limited``, ``core_budget``): BLAS threads waiting for a taken core spin and stall the product. Where numpy's BLAS cannot be found (MKL, Accelerate,
a renamed build) ``available()`` is False, nothing is lowered and kernels leave BLAS calls to BLAS's threads.

Example:
    >>> with single_threaded():
    ...     plan_run(feeds)
"""
import contextlib
import ctypes
import glob
import os
import threading

import numpy as np

# (set, get) symbol pairs: numpy's wheels (scipy-openblas, 64-bit ints), then plain OpenBLAS builds
_SYMBOLS = [("scipy_openblas_set_num_threads64_", "scipy_openblas_get_num_threads64_"),
            ("scipy_openblas_set_num_threads", "scipy_openblas_get_num_threads"),
            ("openblas_set_num_threads64_", "openblas_get_num_threads64_"),
            ("openblas_set_num_threads", "openblas_get_num_threads")]
# numpy builds whose BLAS is not OpenBLAS (numpy's build configuration names it); generic names ("blas",
# "cblas": a distribution's switchable BLAS) are probed
_OTHER_BLAS = ("mkl", "accelerate", "blis", "atlas", "armpl", "nvpl", "essl")
_lock = threading.Lock()
_state = {"limits": [], "limit": None, "saved": None}  # limits held now; the BLAS thread count set
_found = []  # memoized (set, get) functions, or None


def _candidate_libraries():
    """numpy's bundled OpenBLAS first (other packages bundle their own copies), then any loaded OpenBLAS."""
    here = os.path.dirname(np.__file__)
    paths = sorted(glob.glob(os.path.join(here, os.pardir, "numpy.libs", "*openblas*")))
    paths += sorted(glob.glob(os.path.join(here, ".dylibs", "*openblas*")))
    try:
        with open("/proc/self/maps") as maps:
            paths += sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:  # not Linux
        pass
    return paths


def _numpy_blas_name():
    """The BLAS numpy was built with ("scipy-openblas", "mkl", "accelerate", ...); None where numpy (< 1.26)
    does not say."""
    try:
        return str(np.__config__.CONFIG["Build Dependencies"]["blas"]["name"]).lower()
    except (AttributeError, KeyError, TypeError):
        return None


def _library():
    """``(setter, getter, library)`` of numpy's OpenBLAS, or None (probed once)."""
    if not _found:
        with _lock:  # probed once: a thread arriving meanwhile waits rather than seeing "not available"
            if not _found:
                _found.append(_probe())
    return _found[0]


def _functions():
    """The thread-count ``(setter, getter)`` of numpy's OpenBLAS, or None."""
    found = _library()
    return None if found is None else found[:2]


def _probe():
    name = _numpy_blas_name() or ""
    if any(other in name for other in _OTHER_BLAS):
        return None  # another package's OpenBLAS may be loaded, but lowering it would not lower numpy's BLAS
    for path in _candidate_libraries():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for set_name, get_name in _SYMBOLS:
            if hasattr(lib, set_name) and hasattr(lib, get_name):
                setter, getter = getattr(lib, set_name), getattr(lib, get_name)
                setter.argtypes, setter.restype, getter.restype = [ctypes.c_int], None, ctypes.c_int
                return setter, getter, lib
    return None


def available():
    """True when numpy's BLAS thread count can be changed at run time."""
    return _functions() is not None


def lowered():
    """True while some thread holds numpy's BLAS single-threaded (``single_threaded()`` or ``limited(1)``)."""
    return _state["limit"] == 1


@contextlib.contextmanager
def limited(threads):
    """Runs the block with numpy's BLAS on at most ``threads`` threads (a no-op where ``available()`` is False).

    Nested or concurrent users share the process-wide setting: the smallest limit held wins, and BLAS's own
    thread count comes back when the last user leaves.
    """
    functions = _functions()
    if functions is None:
        yield
        return
    setter, getter = functions
    threads = max(1, int(threads))
    with _lock:
        if not _state["limits"]:
            _state["saved"] = getter()
        _state["limits"].append(threads)
        _set(setter, min(_state["limits"]))
    try:
        yield
    finally:
        with _lock:
            _state["limits"].remove(threads)
            _set(setter, min(_state["limits"]) if _state["limits"] else _state["saved"])
            if not _state["limits"]:
                _state["limit"] = None


def _set(setter, threads):
    if threads != _state["limit"]:
        setter(threads)
        _state["limit"] = threads


def single_threaded():
    """Runs the block with numpy's BLAS on one thread (a no-op where ``available()`` is False)."""
    return limited(1)


def core_name():
    """The CPU kernel numpy's OpenBLAS runs ("SkylakeX", "Haswell", ...; ``OPENBLAS_CORETYPE`` overrides it), or
    None where numpy's BLAS is not a controllable OpenBLAS (benchmarks print it: the kernel decides BLAS speed)."""
    found = _library()
    if found is None:
        return None
    lib = found[2]  # the library whose thread count kflow sets: the one numpy calls
    for symbol in ("scipy_openblas_get_corename64_", "scipy_openblas_get_corename", "openblas_get_corename64_",
                   "openblas_get_corename"):
        if hasattr(lib, symbol):
            getter = getattr(lib, symbol)
            getter.restype = ctypes.c_char_p
            return getter().decode()
    return None
