"""Placement and cross-device copies, checked with a fake GPU backend (a numpy subclass as "device memory")."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import devices
from kflow.engine.placement import parse_device


class DeviceArray(np.ndarray):
    """Stands for GPU memory: numpy ufuncs keep the subclass, so values computed 'on the GPU' stay marked."""


class FakeGPU(devices.Backend):
    def __init__(self):
        self.uploads = 0
        self.downloads = 0
        super().__init__("GPU", np, self._up, self._down)

    def _up(self, x):
        assert not isinstance(x, DeviceArray), "value already on the device was copied again"
        self.uploads += 1
        return np.asarray(x).view(DeviceArray)

    def _down(self, x):
        assert isinstance(x, DeviceArray), "host value sent back to the host"
        self.downloads += 1
        return np.asarray(x).view(np.ndarray)


@pytest.fixture
def gpu():
    fake = FakeGPU()
    devices._gpu_override.append(fake)
    yield fake
    devices._gpu_override.remove(fake)


def test_parse_device():
    assert parse_device("/gpu:0") == ("GPU", 0)
    assert parse_device("/device:GPU:1") == ("GPU", 1)
    assert parse_device("/job:localhost/replica:0/task:0/device:CPU:0") == ("CPU", 0)
    assert parse_device("") is None
    with pytest.raises(ValueError, match="tpu"):
        parse_device("/tpu:0")


def test_default_placement_is_gpu_and_copies_only_at_feed_and_fetch(gpu):
    x = kf.placeholder(kf.float32, [3])
    y = (x * 2.0 + 1.0) * x
    with kf.Session() as sess:
        sess.run(y, {x: np.zeros(3, np.float32)})
        assert gpu.uploads == 3  # building the plan uploaded the two constants; the step uploaded the feed
        up, down = gpu.uploads, gpu.downloads
        out = sess.run(y, {x: np.array([1, 2, 3], np.float32)})
    assert type(out) is np.ndarray  # fetched back to the host
    np.testing.assert_array_equal(out, [3, 10, 21])
    assert gpu.uploads - up == 1  # the feed, once, though x is used twice
    assert gpu.downloads - down == 1  # the fetch


def test_cross_device_edges_copy_once_each(gpu):
    x = kf.placeholder(kf.float32, [2])
    a = x * 2.0  # GPU
    with kf.device("/cpu:0"):
        b = a + 1.0  # CPU: one download of `a`
    c = b * a  # GPU: one upload of `b`; `a` is already there
    with kf.Session() as sess:
        sess.run(c, {x: [0.0, 0.0]})
        up, down = gpu.uploads, gpu.downloads
        np.testing.assert_array_equal(sess.run(c, {x: [1.0, 2.0]}), [6.0, 20.0])
    assert gpu.uploads - up == 2  # feed + b
    assert gpu.downloads - down == 2  # a -> cpu, fetch of c


def test_variables_live_on_their_device(gpu):
    v = kf.Variable(np.ones(3, np.float32))
    step = v.assign_add(v * 2.0)
    with kf.Session() as sess:
        sess.run(v.initializer)
        assert isinstance(sess.variable_values[v.op], DeviceArray)
        sess.run(step)  # builds the plan (uploads the constant 2.0)
        uploads = gpu.uploads
        sess.run(step)
        assert gpu.uploads == uploads  # updates stay on the device
        np.testing.assert_array_equal(sess.run(v), [9.0, 9.0, 9.0])


def test_soft_placement_without_gpu():
    with kf.device("/gpu:0"):
        y = kf.constant(2.0) * 3.0
    with kf.Session() as sess:
        assert sess.run(y) == 6.0
    with kf.Session(config=kf.ConfigProto(allow_soft_placement=False)) as sess:
        with pytest.raises(kf.errors.InvalidArgumentError, match="no GPU is available"):
            sess.run(y)


def test_host_only_ops_stay_on_cpu(gpu, capsys):
    r = kf.report_uninitialized_variables([])
    c = kf.constant(1.0, name="c") * 2.0
    with kf.Session(config=kf.ConfigProto(log_device_placement=True)) as sess:
        sess.run([r, c])
    out = capsys.readouterr().out
    assert "report_uninitialized_variables: (ReportUninitializedVariables): " \
           "/job:localhost/replica:0/task:0/device:CPU:0" in out
    assert "c: (Const): /job:localhost/replica:0/task:0/device:GPU:0" in out
    assert sess.list_devices()[-1].endswith("GPU:0")
