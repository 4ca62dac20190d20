"""Collectives on device values over 2 ranks: NCCL through CuPy when each rank has a GPU, the host path for
ranks that share one, and (without CuPy) the fake device of tests/gpu, which catches host arrays left in
device slots."""
import json

import numpy as np

from kflow.engine import devices


def test_collectives_on_device_values(mpirun, tmp_path):
    mpirun("gpu_collectives.py", 2, "{tmp}")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    for r in range(2):
        out = json.load(open(tmp_path / ("rank%d.json" % r)))
        np.testing.assert_allclose(out["a"], 1.5 * x)
        np.testing.assert_allclose(out["b"], 3.0 * x)
        np.testing.assert_allclose(out["total"], 3.0 * x)
        np.testing.assert_allclose(out["root"], 2.0 * x)
        assert out["real_gpu"] == devices.cupy_available()
        if out["real_gpu"]:  # NCCL exactly when every rank has a GPU of its own
            import cupy
            assert out["nccl"] == (cupy.cuda.runtime.getDeviceCount() >= 2)
        else:
            assert not out["nccl"]
