"""DistributedOptimizer: 2 ranks with per-rank batch B train to the weights of 1 process with batch 2B."""
import numpy as np

# Measured (float32, 12 Adam steps + 6 momentum steps, 8->16->3 MLP): max |difference| 6e-8 (a few ULPs: the
# two runs sum the same gradient terms in different orders). The bound leaves room for other BLAS builds.
TOLERANCE = 2e-6


def test_two_ranks_batch_b_equal_one_process_batch_2b(mpirun, tmp_path):
    mpirun("equivalence.py", 2, "{tmp}/two.npz", 8)
    mpirun("equivalence.py", 1, "{tmp}/one.npz", 16)
    two, one = np.load(tmp_path / "two.npz"), np.load(tmp_path / "one.npz")
    assert sorted(two.files) == sorted(one.files) and len(two.files) == 8
    worst = max(float(np.max(np.abs(two[k] - one[k]))) for k in two.files)
    print("max |w(2 ranks, B) - w(1 process, 2B)| = %.3g" % worst)
    assert worst <= TOLERANCE
