"""kf.device with functions and nested scopes; kf.train.replica_device_setter; colocate_with."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.device_spec import merge_device, parse_fields


def test_device_function_sees_the_op():
    seen = []

    def by_type(op):
        seen.append(op.type)
        return "/cpu:0" if op.type == "MatMul" else ""
    a = kf.constant([[1.0]])
    with kf.device(by_type):
        b = kf.matmul(a, a)
        c = b + 1.0
    assert b.op.device == "/cpu:0" and c.op.device == ""
    assert "MatMul" in seen and any(t.startswith("Add") for t in seen)
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(c), [[2.0]])


def test_nested_scopes_merge_inner_fields_first():
    with kf.device("/job:worker/task:1"):
        with kf.device("/gpu:0"):
            a = kf.constant(1.0)
        b = kf.constant(2.0)
    with kf.device("/cpu:0"):
        with kf.device("/gpu:0"):
            c = kf.constant(3.0)
    assert a.op.device == "/job:worker/task:1/device:GPU:0"
    assert b.op.device == "/job:worker/task:1"
    assert c.op.device == "/gpu:0"  # the inner device wins and outer adds nothing
    assert merge_device("", "/cpu:0") == "/cpu:0"
    assert parse_fields("/job:ps/replica:0/task:2/device:CPU:0") == {"job": "ps", "replica": "0", "task": "2",
                                                                     "device": "CPU:0"}
    with pytest.raises(ValueError, match="Unknown device specification"):
        parse_fields("/tpu:0")


def test_replica_device_setter_round_robins_variables_over_ps_tasks():
    with kf.device(kf.train.replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:0")):
        w1 = kf.Variable(kf.zeros([2]), name="w1")
        w2 = kf.Variable(kf.zeros([2]), name="w2")
        w3 = kf.get_variable("w3", [2])
        y = w1 + w2 + w3
        with kf.device("/cpu:0"):
            z = y * 2.0
    assert [w.op.device for w in (w1, w2, w3)] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:0"]
    assert y.op.device == "/job:worker/task:0"
    assert z.op.device == "/job:worker/task:0/device:CPU:0"
    with kf.Session() as sess:  # job/task parts name no local device: ops run where kflow places them
        sess.run(kf.global_variables_initializer())
        assert sess.run(z).shape == (2,)


def test_replica_device_setter_from_a_cluster_and_without_ps():
    setter = kf.train.replica_device_setter(cluster={"ps": ["ps0:2222", "ps1:2222", "ps2:2222"],
                                                     "worker": ["w0:2222"]})
    with kf.device(setter):
        vs = [kf.Variable(0.0) for _ in range(4)]
    assert [v.op.device for v in vs] == ["/job:ps/task:0", "/job:ps/task:1", "/job:ps/task:2", "/job:ps/task:0"]
    assert kf.train.replica_device_setter(ps_tasks=0) is None
    with kf.device(kf.train.replica_device_setter()):  # None: no device
        c = kf.constant(1.0)
    assert c.op.device == ""


def test_colocate_with_uses_the_ops_device():
    with kf.device("/cpu:0"):
        v = kf.Variable(1.0)
    with kf.colocate_with(v):
        y = v * 2.0
    assert y.op.device == "/cpu:0"


def test_device_none_hides_outer_scopes():
    with kf.device("/cpu:0"):
        with kf.device(None):
            a = kf.constant(1.0)
        with kf.device(""):
            b = kf.constant(2.0)
    assert a.op.device == "" and b.op.device == "/cpu:0"
