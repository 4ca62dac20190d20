"""Device tests: the ``gpu_log`` fixture (fake and real GPU), and the op tests' folders made importable."""
import os
import sys

import pytest

from kflow.engine import devices

_TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
for _folder in (os.path.join(_TESTS, "engine", "ops"), os.path.join(_TESTS, "nn")):
    if _folder not in sys.path:
        sys.path.insert(0, _folder)


@pytest.fixture(params=["fake", "cuda"])
def gpu_log(request):
    """Runs the test with a GPU backend; yields the ``DeviceLog`` of the GPU kernels it ran."""
    from device_check import host_outputs
    from fake_device import FakeDeviceArray, fake_gpu

    if request.param == "cuda":
        cupy = pytest.importorskip("cupy")
        if not devices.cupy_available():
            pytest.skip("cupy is installed but no CUDA device is visible")
        with host_outputs(cupy.ndarray) as log:
            yield log
    else:
        with fake_gpu(), host_outputs(FakeDeviceArray) as log:
            yield log
