import pytest

import kflow as kf


def test_unique_names_and_scopes():
    a = kf.constant(1.0)
    b = kf.constant(2.0)
    assert a.name == "Const:0" and b.name == "Const_1:0"
    with kf.name_scope("layer"):
        c = kf.add(a, b)
        with kf.name_scope("inner"):
            d = kf.add(c, b, name="sum")
    with kf.name_scope("layer"):
        e = kf.add(a, b)
    assert c.op.name == "layer/Add"
    assert d.op.name == "layer/inner/sum"
    assert e.op.name == "layer_1/Add"
    z1 = kf.zeros([2, 2])
    z2 = kf.zeros([2, 2])
    assert z2.name == "zeros_1:0"
    assert repr(z2) == 'Tensor("zeros_1:0", shape=(2, 2), dtype=float32)'


def test_reprs_match_tf():
    x = kf.placeholder(kf.float32, [None, 784], name="images")
    assert repr(x) == str(x) == 'Tensor("images:0", shape=(?, 784), dtype=float32)'
    assert repr(kf.placeholder(kf.int64)) == 'Tensor("Placeholder:0", shape=<unknown>, dtype=int64)'
    assert repr(kf.reduce_sum(x)) == 'Tensor("Sum:0", shape=(), dtype=float32)'
    assert repr(x.op) == "<tf.Operation 'images' type=Placeholder>"


def test_name_scope_returns_scope_string_and_reentry():
    with kf.name_scope("s") as scope:
        assert scope == "s/"
    with kf.name_scope(scope):
        x = kf.constant(1, name="x")
    assert x.op.name == "s/x"
    with kf.name_scope(None, default_name="d"):
        y = kf.constant(1)
    assert y.op.name == "d/Const"


def test_lookup_by_name():
    with kf.name_scope("s"):
        x = kf.placeholder(kf.float32, [None, 3], name="x")
    g = kf.get_default_graph()
    assert g.get_tensor_by_name("s/x:0") is x
    assert g.get_operation_by_name("s/x") is x.op
    assert x.op in g.get_operations()
    with pytest.raises(KeyError, match="does not exist"):
        g.get_tensor_by_name("nope:0")
    with pytest.raises(ValueError, match="Operation name"):
        g.get_tensor_by_name("s/x")
    with pytest.raises(KeyError, match="has 1 outputs"):
        g.get_tensor_by_name("s/x:1")


def test_tensor_properties():
    x = kf.placeholder(kf.float32, [None, 784])
    assert x.dtype == kf.float32 and x.dtype is kf.float32
    assert x.shape.as_list() == [None, 784]
    assert x.get_shape().as_list() == [None, 784]
    assert x.graph is kf.get_default_graph()
    assert x.op.type == "Placeholder"
    assert x.op.outputs[0] is x
    y = x * 2.0
    assert y.op.inputs[0] is x
    with pytest.raises(TypeError, match="bool"):
        bool(y)
    with pytest.raises(TypeError):
        if y:
            pass


def test_graphs_are_separate_and_default_stack():
    g1, g2 = kf.Graph(), kf.Graph()
    with g1.as_default():
        a = kf.constant(1)
        assert kf.get_default_graph() is g1
        with g2.as_default():
            b = kf.constant(2)
    assert a.graph is g1 and b.graph is g2
    assert a.name == b.name == "Const:0"
    with pytest.raises(ValueError, match="same graph"):
        kf.add(a, b)


def test_finalize_blocks_new_ops():
    g = kf.Graph()
    with g.as_default():
        kf.constant(1.0)
        g.finalize()
        with pytest.raises(RuntimeError, match="finalized"):
            kf.constant(2.0)


def test_reset_default_graph():
    kf.constant(1)
    kf.reset_default_graph()
    assert kf.get_default_graph().get_operations() == []


def test_collections():
    kf.add_to_collection("things", 1)
    kf.add_to_collections(["a", "b"], 2)
    assert kf.get_collection("things") == [1]
    assert kf.get_collection("a") == [2] and kf.get_collection("b") == [2]
    v = kf.Variable(1.0, name="v")
    w = kf.Variable(1.0, name="w", trainable=False)
    assert kf.get_collection(kf.GraphKeys.GLOBAL_VARIABLES) == [v, w]
    assert kf.trainable_variables() == [v]
    assert kf.get_collection(kf.GraphKeys.GLOBAL_VARIABLES, scope="w") == [w]


def test_device_scope_recorded():
    with kf.device("/cpu:0"):
        a = kf.constant(1.0)
        with kf.device("/gpu:0"):
            b = a + 1.0
    c = a * 2.0
    assert a.op.device == "/cpu:0" and b.op.device == "/gpu:0" and c.op.device == ""


def test_control_dependencies_recorded_and_cleared():
    a = kf.constant(1.0)
    b = kf.constant(2.0)
    with kf.control_dependencies([a]):
        c = b + 1.0
        with kf.control_dependencies(None):
            d = b + 2.0
    assert c.op.control_inputs == [a.op]
    assert d.op.control_inputs == []


def test_build_time_errors_name_op_shapes_and_line():
    a = kf.placeholder(kf.float32, [2, 3], name="a")
    b = kf.placeholder(kf.float32, [2, 4], name="b")
    with pytest.raises(ValueError) as e:
        kf.add(a, b, name="bad_add")
    msg = str(e.value)
    assert "bad_add" in msg and "(2, 3)" in msg and "(2, 4)" in msg and "test_graph.py" in msg
    i = kf.placeholder(kf.int32, [2, 3], name="i")
    with pytest.raises(TypeError) as e:
        a + i
    assert "int32" in str(e.value) and "float32" in str(e.value)
    with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 4"):
        kf.matmul(a, kf.placeholder(kf.float32, [4, 5]))
