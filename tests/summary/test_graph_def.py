"""GraphDef export: node names, inputs (outputs >0, control, variable updates), attrs, write_graph."""
import os

import numpy as np
import pytest

import kflow as kf
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.summary.graph_def import MAX_CONST_ELEMENTS
from kflow.summary.tensor_proto import DT_FLOAT, DT_INT32, make_ndarray


TWO_OUT = OpDef("TwoOut", lambda a: (a, a), grad=None)  # an op with two outputs


def _build():
    x = kf.placeholder(kf.float32, [None, 3], name="x")
    with kf.name_scope("dense"):
        w = kf.Variable(np.ones((3, 2), np.float32), name="kernel")
        y = kf.matmul(x, w)
    two = make_op(TWO_OUT, [y], [(kf.float32, [None, 2]), (kf.float32, [None, 2])], "two")
    update = w.assign_add(np.ones((3, 2), np.float32))
    with kf.control_dependencies([update]):
        with kf.device("/cpu:0"):
            out = kf.identity(two.outputs[1], name="out")
    return out


def test_nodes_inputs_and_devices():
    _build()
    nodes = {n.name: n for n in kf.get_default_graph().as_graph_def().node}
    assert list(nodes)[:2] == ["x", "dense/kernel/initial_value"]
    assert nodes["dense/MatMul"].op == "MatMul"
    assert list(nodes["dense/MatMul"].input) == ["x", "dense/kernel/read"]
    assert list(nodes["out"].input) == ["two:1", "^AssignAdd"]
    # variable updates list their variable first, then the value, as TF's Assign(ref, value)
    assert nodes["AssignAdd"].input[0] == "dense/kernel" and len(nodes["AssignAdd"].input) == 2
    assert list(nodes["dense/kernel/Assign"].input) == ["dense/kernel", "dense/kernel/initial_value"]
    assert nodes["out"].device == "/cpu:0"


def test_attrs_dtype_shape_and_values():
    _build()
    kf.constant(np.arange(MAX_CONST_ELEMENTS + 1, dtype=np.int32), name="big")
    nodes = {n.name: n for n in kf.get_default_graph().as_graph_def(add_shapes=True).node}
    x = nodes["x"]
    assert x.attr["dtype"].type == DT_FLOAT
    assert [d.size for d in x.attr["shape"].shape.dim] == [-1, 3]
    var = nodes["dense/kernel"]
    assert var.attr["dtype"].type == DT_FLOAT and [d.size for d in var.attr["shape"].shape.dim] == [3, 2]
    init = nodes["dense/kernel/initial_value"]
    np.testing.assert_array_equal(make_ndarray(init.attr["value"].tensor), np.ones((3, 2)))
    assert nodes["big"].attr["value"].tensor.tensor_content == b""  # big constants keep dtype/shape only
    assert nodes["big"].attr["dtype"].type == DT_INT32
    assert nodes["dense/MatMul"].attr["T"].type == DT_FLOAT
    shapes = nodes["two"].attr["_output_shapes"].list.shape
    assert [[d.size for d in s.dim] for s in shapes] == [[-1, 2], [-1, 2]]
    assert "_output_shapes" not in {n.name: n for n in kf.get_default_graph().as_graph_def().node}["two"].attr


def test_graph_def_round_trips_and_graph_is_unchanged():
    _build()
    g = kf.get_default_graph()
    n = g.version
    gd = g.as_graph_def()
    assert g.version == n
    assert kf.GraphDef.FromString(gd.SerializeToString()) == gd


def test_write_graph_text_and_binary(tmp_path):
    _build()
    path = kf.train.write_graph(kf.get_default_graph(), str(tmp_path / "sub"), "graph.pbtxt")
    assert path == os.path.join(str(tmp_path / "sub"), "graph.pbtxt")
    text = open(path).read()
    assert 'name: "dense/MatMul"' in text and "type: DT_FLOAT" in text
    bin_path = kf.train.write_graph(kf.get_default_graph().as_graph_def(), str(tmp_path), "graph.pb", as_text=False)
    assert kf.GraphDef.FromString(open(bin_path, "rb").read()) == kf.get_default_graph().as_graph_def()
    assert [p for p in os.listdir(tmp_path) if p.endswith(".tmp")] == []
    with pytest.raises(TypeError, match="GraphDef"):
        kf.train.write_graph("nope", str(tmp_path), "x.pbtxt")


def test_session_graph_def_as_in_tf1(tmp_path):
    """``kf.train.write_graph(sess.graph_def, ...)``: the session's graph as a GraphDef."""
    _build()
    with kf.Session() as sess:
        assert sess.graph_def == kf.get_default_graph().as_graph_def()
        path = kf.train.write_graph(sess.graph_def, str(tmp_path), "graph.pb", as_text=False)
    assert kf.GraphDef.FromString(open(path, "rb").read()) == kf.get_default_graph().as_graph_def()


def test_text_format_parses_with_protobuf(tmp_path):
    graph_pb2 = pytest.importorskip("tensorboard.compat.proto.graph_pb2")
    text_format = pytest.importorskip("google.protobuf.text_format")
    _build()
    gd = kf.get_default_graph().as_graph_def(add_shapes=True)
    parsed = text_format.Parse(str(gd), graph_pb2.GraphDef())
    assert parsed.SerializeToString(deterministic=True) == gd.SerializeToString()
    assert text_format.MessageToString(parsed) == str(gd)


def test_write_graph_honours_the_umask(tmp_path):
    _build()
    old = os.umask(0o022)
    try:
        path = kf.train.write_graph(kf.get_default_graph(), str(tmp_path), "graph.pbtxt")
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == 0o644  # tempfile.mkstemp's files were 0600
    assert os.listdir(tmp_path) == ["graph.pbtxt"]  # no temporary file left
