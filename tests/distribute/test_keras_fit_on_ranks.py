"""Keras fit on 2 MPI ranks: broadcast start, sharded input, averaged metrics, warmup, files on rank 0 only."""
import json

import numpy as np


def test_fit_on_two_ranks_with_distribute_callbacks(mpirun, tmp_path):
    proc = mpirun("keras_fit.py", 2, "{tmp}")
    ranks = [json.load(open(tmp_path / ("rank%d.json" % r))) for r in range(2)]
    for a, b in zip(ranks[0]["weights"], ranks[1]["weights"]):  # same start + same averaged updates
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-6)
    h0, h1 = ranks[0]["history"], ranks[1]["history"]
    for key in ("loss", "acc", "val_loss", "val_acc", "lr"):
        np.testing.assert_allclose(h0[key], h1[key], rtol=1e-6)  # averaged over the ranks
    assert h0["lr"][-1] == np.float32(0.2) and h0["loss"][-1] < h0["loss"][0]
    # only rank 0 writes files and shows progress
    assert (tmp_path / "ckpt-rank0.h5").exists() and not (tmp_path / "ckpt-rank1.h5").exists()
    assert (tmp_path / "log-rank0.csv").exists() and not (tmp_path / "log-rank1.csv").exists()
    assert proc.stdout.count("finished gradual learning rate warmup") == 1
    assert proc.stdout.count("Epoch 1/3") + proc.stderr.count("Epoch 1/3") == 1
