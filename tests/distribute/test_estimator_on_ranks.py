"""An Estimator on 2 MPI ranks: RunConfig reads the world, only the chief writes model_dir."""
import json
import os

import numpy as np

import kflow as kf


def test_estimator_on_two_ranks_only_chief_writes(mpirun, tmp_path):
    mpirun("estimator_train.py", 2, "{tmp}")
    ranks = [json.load(open(tmp_path / ("rank%d.json" % r))) for r in range(2)]
    assert [(o["is_chief"], o["task_id"], o["workers"]) for o in ranks] == [(True, 0, 2), (False, 1, 2)]
    chief_dir = str(tmp_path / "rank0")
    assert kf.train.latest_checkpoint(chief_dir).endswith("model.ckpt-8")  # 2 epochs x 40 rows / 10 per step
    assert any(f.startswith("events.out.tfevents") for f in os.listdir(chief_dir))
    assert [o["wrote_model_dir"] for o in ranks] == [True, False]  # the worker wrote nothing
    w = np.array(ranks[0]["w"])[:, 0]
    assert np.all(np.abs(w - [1.0, -2.0, 0.5]) < np.abs([1.0, -2.0, 0.5]))  # learned toward the truth


def test_run_config_outside_mpi_is_a_single_chief():
    config = kf.estimator.RunConfig()
    assert (config.is_chief, config.task_id, config.num_worker_replicas) == (True, 0, 1)
