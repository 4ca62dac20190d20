"""The TF1 cluster API: ClusterSpec (TF semantics), replica_device_setter, and Server/Session over 2 MPI ranks."""
import json

import numpy as np
import pytest

import kflow as kf


def test_lecture_example_and_ps_worker_training_on_two_ranks(mpirun):
    proc = mpirun("cluster.py", 2, timeout=120)
    lines = proc.stdout.strip().splitlines()
    assert lines[0] == "55"  # b = a * 10 on task 0, c = b + a on task 1
    records = {}
    for line in lines[1:]:
        records.update(json.loads(line))
    assert records["ping_pong"] == records["local"]  # task 1 -> task 0 -> task 1, a feed used on task 1
    assert records["devices"] == {"weights": "/job:ps/task:0", "loss": "/job:worker/task:0"}
    cluster_w, local_w = records["trained"]["mpi://job:ps/task:0"], records["trained"]["local"]
    np.testing.assert_allclose(cluster_w, local_w, rtol=1e-6)  # same 60 momentum steps, split over ps and worker
    assert np.abs(np.array(local_w) - [1.0, -1.0, 2.0]).max() < 0.1
    assert records["joined_returned"]  # the client's exit released the server's join()


def test_cluster_spec_follows_tf():
    spec = kf.train.ClusterSpec({"worker": ["w0:1", "w1:1"], "ps": ["p0:1"]})
    assert spec.jobs == ["ps", "worker"]
    assert spec.as_dict() == {"worker": ["w0:1", "w1:1"], "ps": ["p0:1"]}
    assert spec.num_tasks("worker") == 2 and spec.task_indices("worker") == [0, 1]
    assert spec.task_address("worker", 1) == "w1:1" and spec.job_tasks("ps") == ["p0:1"]
    assert [spec.task_rank("ps", 0), spec.task_rank("worker", 0), spec.task_rank("worker", 1)] == [0, 1, 2]
    assert spec.rank_task(2) == ("worker", 1) and spec.num_all_tasks() == 3
    sparse = kf.train.ClusterSpec({"worker": {1: "w1:1", 3: "w3:1"}})
    assert sparse.as_dict() == {"worker": {1: "w1:1", 3: "w3:1"}}
    assert sparse.job_tasks("worker") == [None, "w1:1", None, "w3:1"]
    assert kf.train.ClusterSpec(spec) == spec and spec != sparse and bool(spec)
    with pytest.raises(ValueError, match="No such job in cluster: 'chief'"):
        spec.num_tasks("chief")
    with pytest.raises(ValueError, match="No task with index 5 in job 'worker'"):
        spec.task_address("worker", 5)
    with pytest.raises(TypeError, match="must be a list of addresses"):
        kf.train.ClusterSpec({"worker": "w0:1"})


def test_replica_device_setter_places_variables_round_robin_on_ps():
    cluster = {"ps": ["p0", "p1"], "worker": ["w0"]}
    with kf.device(kf.train.replica_device_setter(cluster=cluster, worker_device="/job:worker/task:0")):
        a = kf.Variable(1.0, name="a")
        b = kf.Variable(2.0, name="b")
        c = kf.Variable(3.0, name="c")
        y = a + b
    assert [v.op.device for v in (a, b, c)] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"]
    assert y.op.device == "/job:worker/task:0"
    assert kf.train.replica_device_setter(cluster={"worker": ["w0"]}) is None
    with kf.Session() as sess:  # job/task parts are ignored in a plain session
        sess.run(kf.global_variables_initializer())
        assert sess.run(y) == 3.0


def test_session_targets_say_what_kflow_serves():
    with pytest.raises(ValueError, match="not grpc:// servers"):
        kf.Session("grpc://localhost:2222")
    with pytest.raises(ValueError, match="create kflow.distribute.Server"):
        kf.Session("mpi://job:worker/task:3").run(kf.constant(1.0))


def test_server_checks_the_world():
    pytest.importorskip("mpi4py", reason="mpi4py is not installed (pip install 'kflow[mpi]')")
    with pytest.raises(ValueError, match="has 2 tasks but the MPI job has 1 ranks"):
        kf.train.Server({"worker": ["a", "b"]}, job_name="worker", task_index=0)
    server = kf.train.Server.create_local_server()
    assert server.target == "mpi://job:localhost/task:0"
    with kf.Session(server.target) as sess:  # a one-task cluster runs in this process
        assert sess.run(kf.constant(2.0) * 3.0) == 6.0
