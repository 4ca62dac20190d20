"""Collectives on GPU-placed values on every rank: CuPy's GPU when present (NCCL when every rank has a GPU of
its own), else the numpy-backed fake device of tests/gpu; writes rank<r>.json into argv[1]."""
import contextlib
import json
import os
import sys

import numpy as np

import kflow as kf
import kflow.distribute as kd
from kflow.distribute.world import world
from kflow.engine import devices

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "gpu"))
from fake_device import fake_gpu  # noqa: E402

kd.init()
r = kd.rank()
real = devices.cupy_available()
with (contextlib.nullcontext() if real else fake_gpu()):
    with kf.device("/gpu:0"):
        x = kf.constant(np.arange(6, dtype=np.float32).reshape(2, 3)) * float(r + 1)
        a, b = kd.grouped_allreduce([x, x * 2.0], average=True)
        total = kd.allreduce(x, average=False) * 1.0  # consumed on the device: must stay a device array
        root = kd.broadcast(x, root_rank=1) + 0.0
    with kf.Session(config=kf.ConfigProto(log_device_placement=False)) as sess:
        out = sess.run({"a": a, "b": b, "total": total, "root": root})
with open(os.path.join(sys.argv[1], "rank%d.json" % r), "w") as f:
    json.dump({k: v.tolist() for k, v in out.items()} | {"real_gpu": real, "nccl": world().nccl is not None}, f)
