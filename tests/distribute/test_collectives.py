"""allreduce / allgather / broadcast as graph ops on 2 real MPI ranks: values and gradients."""
import json

import numpy as np
import pytest

import kflow as kf


def test_collective_values_and_gradients_on_two_ranks(mpirun, tmp_path):
    mpirun("collectives.py", 2, "{tmp}")
    ranks = [json.load(open(tmp_path / ("rank%d.json" % r))) for r in range(2)]
    x0, x1 = np.arange(4.0), np.arange(4.0) * 2
    for out in ranks:
        np.testing.assert_allclose(out["mean"], (x0 + x1) / 2)
        np.testing.assert_allclose(out["sum"], x0 + x1)
        np.testing.assert_allclose(out["fused_a"], x0 + x1)  # one packed buffer, two tensors back
        np.testing.assert_allclose(out["fused_b"], (x0 + x1).reshape(2, 2) + 2)
        assert out["gathered"] == [[0, 0], [1, 1], [1, 1]]  # ragged: rank 0 gives 1 row, rank 1 two
        np.testing.assert_allclose(out["bcast"], x1)  # root_rank = 1
        assert out["int_sum"] == [1, 2]
        for key in ("grad_allreduce_mean", "grad_allreduce_sum", "grad_allgather", "grad_broadcast"):
            symbolic, numeric = out[key]
            assert np.isclose(symbolic, numeric, rtol=1e-5, atol=1e-8), (key, symbolic, numeric)


def test_collectives_need_init_and_valid_arguments():
    kd = pytest.importorskip("kflow.distribute")
    was = kd.is_initialized()
    kd.shutdown()
    with pytest.raises(ValueError, match="not initialized"):
        kd.allreduce(kf.constant([1.0]))
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install 'kflow[mpi]')")
    kd.init()
    try:
        with pytest.raises(TypeError, match="floating point"):
            kd.allreduce(kf.constant([1, 2]), average=True)
        with pytest.raises(ValueError, match="root_rank 3 is not a rank of this 1-process world"):
            kd.broadcast(kf.constant([1.0]), root_rank=3)
        with pytest.raises(ValueError, match="rank >= 1"):
            kd.allgather(kf.constant(1.0))
        with kf.Session() as sess:  # a world of one: identities, and the gradient of the identity
            x = kf.constant([1.0, 2.0])
            assert sess.run(kd.allreduce(x)).tolist() == [1.0, 2.0]
            assert sess.run(kd.allgather(x)).tolist() == [1.0, 2.0]
    finally:
        if not was:
            kd.shutdown()
