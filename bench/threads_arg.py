"""``--threads N`` for the training benchmarks: it must reach OpenBLAS/OpenMP before numpy loads them, so
the scripts read it from ``sys.argv`` before their other imports (this module imports neither numpy nor kflow).

Example:
    >>> THREADS = threads_from_argv()   # first thing in a benchmark script
"""
import os
import sys


def threads_from_argv():
    """The ``--threads`` value (exported to the BLAS/OpenMP thread variables), else the number of cores."""
    if "--threads" in sys.argv[:-1]:
        n = sys.argv[sys.argv.index("--threads") + 1]
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ[var] = n
        return int(n)
    return os.cpu_count()
