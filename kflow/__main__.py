"""``python -m kflow``: what kflow sees on this machine, the first thing to run when debugging a set-up.

Prints the version and where kflow was imported from, Python, numpy and its BLAS (with threadpoolctl's view
when it is installed), whether kflow's C extension (compiled optimizer updates) is built, CuPy and the GPUs,
MPI (mpi4py), and the data and cache folders with whether they exist. Nothing here fails: a missing optional
package is reported as such.

Example:
    $ python -m kflow
    kflow 0.1.0 (/home/me/kflow/kflow)
    ...
"""
import os
import platform
import sys

import numpy as np

import kflow
from kflow.datasets import idx_dataset
from kflow.engine import devices, blas_threads
from kflow.train import compiled_updates


def _blas():
    try:
        from threadpoolctl import threadpool_info  # optional: the most precise view of the loaded BLAS
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        pools = [p for p in threadpool_info() if p.get("user_api") == "blas"]
        if pools:
            return "; ".join("%s %s, %s threads (%s)" % (p.get("internal_api"), p.get("version"),
                                                          p.get("num_threads"), p.get("filepath")) for p in pools)
    try:
        info = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        text = "%s %s" % (info.get("name"), info.get("version"))
    except Exception:  # numpy < 1.25 has no dict mode
        text = "unknown (numpy does not say; pip install threadpoolctl for details)"
    control = "thread count adjustable" if blas_threads.available() else "thread count not adjustable"
    kernel = blas_threads.core_name()
    return "%s, %s%s" % (text, control, ", kernel %s" % kernel if kernel else "")


def _gpu():
    cupy = devices._cupy
    if cupy is None:
        return "CuPy not installed (pip install 'kflow[gpu-cuda12]' or 'kflow[gpu-cuda11]')"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
        names = [cupy.cuda.runtime.getDeviceProperties(i)["name"].decode() for i in range(count)]
        cuda = cupy.cuda.runtime.runtimeGetVersion()
        return "CuPy %s, CUDA runtime %d.%d, %d GPU(s): %s" % (cupy.__version__, cuda // 1000, cuda % 1000 // 10,
                                                               count, ", ".join(names) or "none")
    except Exception as e:
        return "CuPy %s installed, but no usable GPU: %s" % (cupy.__version__, e)


def _mpi():
    try:
        import mpi4py
    except ImportError:
        return "mpi4py not installed"
    try:
        from mpi4py import MPI
        return "mpi4py %s, %s" % (mpi4py.__version__, MPI.Get_library_version().splitlines()[0].strip())
    except Exception as e:
        return "mpi4py %s installed, but MPI does not start: %s" % (mpi4py.__version__, e)


def _compiled_updates():
    if compiled_updates.kernels is None:
        return "not built (no C compiler at install): optimizer updates run as numpy passes, ~4x slower"
    if not compiled_updates.is_enabled():
        return "built, switched off by $%s" % compiled_updates.ENV_VAR
    return "built (%s)" % compiled_updates.kernels.__file__


def _folder(path):
    return "%s (%s)" % (path, "exists" if os.path.isdir(path) else "does not exist")


def report():
    """The lines ``python -m kflow`` prints."""
    data_dir = os.environ.get(idx_dataset.DATA_DIR_ENV)
    cache = os.path.dirname(idx_dataset.cache_dir("x"))
    return [
        "kflow %s (%s)" % (kflow.__version__, os.path.dirname(os.path.abspath(kflow.__file__))),
        "Python %s on %s, %d CPUs" % (platform.python_version(), platform.platform(), os.cpu_count() or 0),
        "numpy %s, BLAS: %s" % (np.__version__, _blas()),
        "compiled optimizer updates: %s" % _compiled_updates(),
        "GPU: %s" % _gpu(),
        "MPI: %s" % _mpi(),
        "data dir ($%s): %s" % (idx_dataset.DATA_DIR_ENV, _folder(data_dir) if data_dir else "not set"),
        "dataset cache ($%s): %s" % (idx_dataset.CACHE_DIR_ENV, _folder(cache)),
    ]


def main():
    print("\n".join(report()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
