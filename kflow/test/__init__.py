"""kf.test: TF1's ``tf.test`` for users' unit tests: TestCase, main, the gradient checker and device queries.

kflow's own code never imports this package (only the root namespace does): it stands above every other.

Example:
    >>> class MyOpTest(kf.test.TestCase):
    ...     def test_grad(self):
    ...         with self.cached_session():
    ...             x = kf.constant([1.0, 2.0]); y = x * x
    ...             self.assertLess(kf.test.compute_gradient_error(x, [2], y, [2]), 1e-3)
    >>> if __name__ == "__main__":
    ...     kf.test.main()
"""
import importlib.util
import os
import sys
import tempfile
import unittest

from kflow.engine import devices
from kflow.test.benchmark import Benchmark
from kflow.test.gradient_checker import compute_gradient, compute_gradient_error
from kflow.test.testcase import TestCase

_temp_dir = []


def main(argv=None):
    """Runs the tests of the calling ``__main__`` module (``unittest.main``), exiting with its status."""
    return unittest.main(module="__main__", argv=argv if argv is not None else sys.argv)


def get_temp_dir():
    """A temporary directory shared by the tests of this process (made on first use)."""
    if not _temp_dir:
        _temp_dir.append(tempfile.mkdtemp(prefix="kflow_test_"))
    return _temp_dir[0]


def is_gpu_available(cuda_only=False, min_cuda_compute_capability=None):
    """Whether kflow can run ops on a GPU (CuPy imports and sees a device); a ``min_cuda_compute_capability``
    ``(major, minor)`` must be met by device 0."""
    if devices.gpu_backend() is None:
        return False
    if min_cuda_compute_capability is None:
        return True
    major_minor = devices.gpu_backend().xp.cuda.Device(0).compute_capability  # e.g. "90"
    return (int(major_minor[:-1]), int(major_minor[-1])) >= tuple(min_cuda_compute_capability)


def gpu_device_name():
    """``"/device:GPU:0"`` when a GPU is available, else ``""``."""
    return "/device:GPU:0" if is_gpu_available() else ""


def is_built_with_cuda():
    """Whether kflow's GPU backend (CuPy) is installed: kflow's counterpart of a CUDA build of TF."""
    return importlib.util.find_spec("cupy") is not None


def is_built_with_gpu_support():
    return is_built_with_cuda()


def is_built_with_rocm():
    return False


def is_built_with_xla():
    return False


def is_cpu_target_available(cpu):
    """Whether the host CPU is ``cpu`` (an architecture such as "x86_64" or "aarch64")."""
    return os.uname().machine.lower() == str(cpu).lower()


__all__ = ["TestCase", "Benchmark", "main", "get_temp_dir", "compute_gradient", "compute_gradient_error", "is_gpu_available",
           "gpu_device_name", "is_built_with_cuda", "is_built_with_gpu_support", "is_built_with_rocm",
           "is_built_with_xla", "is_cpu_target_available"]
