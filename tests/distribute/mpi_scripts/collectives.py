"""Collective values and gradients on every rank; writes rank<r>.json into the folder given as argv[1]."""
import json
import os
import sys

import numpy as np

import kflow as kf
import kflow.distribute as kd
from kflow.engine.gradients import gradients

kd.init()
r, n = kd.rank(), kd.size()
out = {}
with kf.Session() as sess:
    x = kf.constant(np.arange(4, dtype=np.float32) * (r + 1))
    a, b = kd.grouped_allreduce([x, kf.reshape(x, [2, 2]) + 1.0], average=False)
    ragged = kf.constant(np.full((r + 1, 2), r, np.int64))  # rank r gives r+1 rows
    fetched = sess.run({"mean": kd.allreduce(x), "sum": kd.allreduce(x, average=False), "fused_a": a,
                        "fused_b": b, "gathered": kd.allgather(ragged), "bcast": kd.broadcast(x, root_rank=n - 1),
                        "int_sum": kd.allreduce(kf.constant([r, 1]), average=False)})
    out.update({k: v.tolist() for k, v in fetched.items()})


def distributed_gradient_check(fn, x_value, seed=0, eps=1e-6):
    """Checks d(sum over ranks of L_r)/dx_r: the symbolic directional derivatives summed over the ranks
    against central differences of the summed loss, every rank stepping its own x along its direction."""
    rng = np.random.RandomState(seed + r)
    g = kf.Graph()
    with g.as_default(), kf.Session(graph=g) as s:
        ph = kf.placeholder(kf.float64, x_value.shape)
        y = fn(ph)
        w = kf.constant(rng.standard_normal(s.run(y, {ph: x_value}).shape))
        loss = kf.reduce_sum(y * w)
        grad = gradients(loss, [ph])[0]
        d = rng.standard_normal(x_value.shape)
        total = kd.allreduce(kf.reshape(loss, [1]), average=False)
        symbolic = float(np.sum(s.run(grad, {ph: x_value}) * d))
        numeric = (s.run(total, {ph: x_value + eps * d})[0] - s.run(total, {ph: x_value - eps * d})[0]) / (2 * eps)
        symbolic_total = float(s.run(kd.allreduce(kf.constant([symbolic], kf.float64), average=False))[0])
        return symbolic_total, float(numeric)


xv = np.random.RandomState(7 + r).standard_normal((r + 2, 3))
same = np.random.RandomState(7 + r).standard_normal((2, 3))
out["grad_allreduce_mean"] = distributed_gradient_check(lambda t: kd.allreduce(t * t), same)
out["grad_allreduce_sum"] = distributed_gradient_check(lambda t: kd.allreduce(kf.sin(t), average=False), same)
out["grad_allgather"] = distributed_gradient_check(lambda t: kd.allgather(t * 2.0), xv)
out["grad_broadcast"] = distributed_gradient_check(lambda t: kd.broadcast(t * t, root_rank=1), same)
with open(os.path.join(sys.argv[1], "rank%d.json" % r), "w") as f:
    json.dump(out, f)
