"""Rank 1 fails before the collective that rank 0 waits in."""
import kflow as kf
import kflow.distribute as kd

kd.init()
if kd.rank() == 1:
    raise RuntimeError("simulated failure on rank 1")
with kf.Session() as sess:
    sess.run(kd.allreduce(kf.constant([1.0])))  # would wait forever for rank 1
print("rank 0 finished: should not happen")
