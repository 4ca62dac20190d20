"""Optimizers on a (fake) GPU: slots and scratch live on the device, updates stay there, no per-step copies."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import devices


class DeviceArray(np.ndarray):
    """Stands for GPU memory: numpy ufuncs keep the subclass, so values computed 'on the GPU' stay marked."""


class FakeGPU(devices.Backend):
    def __init__(self):
        self.uploads = 0
        super().__init__("GPU", np, self._up, self._down)

    def _up(self, x):
        self.uploads += 1
        return np.asarray(x).view(DeviceArray)

    @staticmethod
    def _down(x):
        return np.asarray(x).view(np.ndarray)


@pytest.fixture
def gpu():
    fake = FakeGPU()
    devices._gpu_override.append(fake)
    yield fake
    devices._gpu_override.remove(fake)


@pytest.mark.parametrize("make_opt", [lambda lr: kf.train.AdamOptimizer(lr),
                                      lambda lr: kf.train.RMSPropOptimizer(lr, momentum=0.5, centered=True)])
def test_training_on_the_device_matches_the_host(gpu, make_opt):
    start = np.random.RandomState(1).randn(4, 3)
    results = []
    for device in ("/cpu:0", "/gpu:0"):
        kf.reset_default_graph()
        with kf.device(device):
            w = kf.Variable(start, name="w")
            lr = kf.Variable(0.1, dtype=kf.float64, name="lr", trainable=False)
            opt = make_opt(lr)
            train_op = opt.minimize(kf.reduce_sum(kf.square(w - 1.0)))
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            sess.run(train_op)
            uploads = gpu.uploads
            for _ in range(3):
                sess.run(train_op)
            if device == "/gpu:0":
                assert gpu.uploads == uploads  # nothing crosses to the device per step
                stored = [sess.variable_values[v.op] for v in [w] + opt.variables()]
                assert all(isinstance(a, DeviceArray) for a in stored)
                assert all(isinstance(b, DeviceArray) for bufs in sess.resources.values()
                           if isinstance(bufs, list) for b in bufs)
            results.append(sess.run(w))
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)
