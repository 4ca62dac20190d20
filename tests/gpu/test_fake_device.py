"""The fake device itself: it must catch host results and host/device mixing, or test_gpu_ops proves nothing."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from device_check import host_outputs
from fake_device import FakeDeviceArray, FakeDeviceModule, fake_gpu


@pytest.fixture
def fake_log():
    with fake_gpu(), host_outputs(FakeDeviceArray) as log:
        yield log


# an op whose kernel is the function under test (given as the op's parameter)
CUSTOM = OpDef("Custom", lambda x, fn: fn(x), grad=None)


def _run_kernel_on_gpu(kernel):
    x = kf.placeholder(kf.float32, [2, 3])
    with kf.device("/gpu:0"):
        y = make_op(CUSTOM, [x], [(kf.float32, [2, 3])], params={"fn": kernel}).outputs[0]
    with kf.Session() as sess:
        return sess.run(y, {x: np.ones((2, 3), np.float32)})


@pytest.mark.parametrize("kernel", [lambda x: np.zeros(x.shape, x.dtype), lambda x: np.empty_like(x.view(np.ndarray)),
                                    lambda x: np.asarray(x) * 2, lambda x: np.array(x)],
                         ids=["zeros", "empty_like", "asarray", "array"])
def test_kernel_building_its_result_with_host_numpy_is_caught(fake_log, kernel):
    with pytest.raises(AssertionError, match="host value"):  # fetching it back from the "device" fails too
        _run_kernel_on_gpu(kernel)
    assert fake_log.leaks == [("Custom", "Custom", 0, "ndarray")]


def test_xp_kernels_keep_results_on_the_device(fake_log):
    value = _run_kernel_on_gpu(lambda x: devices.array_module(x).full(x.shape, 2.0, x.dtype) * x)
    assert fake_log.calls == 1 and fake_log.leaks == []
    assert type(value) is np.ndarray  # fetched back to the host
    np.testing.assert_array_equal(value, np.full((2, 3), 2.0))


def test_mixing_a_host_array_into_a_device_computation_raises(fake_log):
    with pytest.raises(kf.errors.InvalidArgumentError, match="host numpy array float32 \\(2, 3\\) mixed"):
        _run_kernel_on_gpu(lambda x: x + np.ones(x.shape, x.dtype))
    with pytest.raises(kf.errors.InvalidArgumentError, match="concatenate: host numpy array"):
        _run_kernel_on_gpu(lambda x: np.concatenate([x[:1], np.ones((1, 3), x.dtype)]))


def test_fake_arrays_behave_like_cupy_arrays():
    with fake_gpu() as gpu:
        x = gpu.to_device(np.arange(6.0).reshape(2, 3))
        xp = devices.array_module(np.ones(2), x)
        assert isinstance(xp, FakeDeviceModule) and devices.array_module(np.ones(2)) is np
        total = x.sum()
        assert isinstance(total, FakeDeviceArray) and total.shape == ()  # reductions stay 0-d device arrays
        assert isinstance(x[0, 1], FakeDeviceArray) and isinstance(np.stack([x, x]), FakeDeviceArray)
        assert isinstance(xp.zeros(3), FakeDeviceArray) and xp.float32 is np.float32
        assert isinstance(xp.random.RandomState(1).random_sample((2,), dtype=np.float32), FakeDeviceArray)
        host = devices.to_numpy(x)
        assert type(host) is np.ndarray and float(total) == 15.0
    assert devices.array_module(x) is np and devices.gpu_backend() is not gpu  # uninstalled on exit
