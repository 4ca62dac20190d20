"""Graph pieces travel as JSON data: ops rebuilt from type, parameters and attributes; code never travels."""
import json

import numpy as np
import pytest

import kflow as kf
from kflow.engine import graph_json


def _rebuild(ops):
    """The ops re-created in a fresh graph from their JSON text, as a task does."""
    g = kf.Graph()
    with g.as_default():
        for op in ops:
            node = json.loads(json.dumps(graph_json.encode_op(op, op.name, [t.name for t in op.inputs])))
            graph_json.decode_op(g, node, {})
    return g


def test_ops_round_trip_through_json():
    x = kf.constant(np.arange(6, dtype=np.float64).reshape(2, 3), name="x")
    y = kf.reduce_sum(kf.cast(x, kf.float32) * 2.0, axis=1, keepdims=True, name="y")
    g = _rebuild(x.graph.get_operations())
    with kf.Session(graph=g) as sess:
        np.testing.assert_allclose(sess.run(g.get_tensor_by_name(y.name)), [[6.0], [24.0]])
    assert g.get_tensor_by_name(y.name).shape.as_list() == [2, 1]


def test_values_encode_as_tagged_data():
    encoded = graph_json.encode_value({"a": (1, [2.5, None]), "d": kf.int64, "s": kf.TensorShape([None, 3]),
                                         "n": np.float32(1.5), "t": np.dtype("int8")}, "test")
    back = graph_json.decode_value(json.loads(json.dumps(encoded)), None, {})
    assert back["a"] == (1, [2.5, None]) and back["d"] is kf.int64 and back["s"].as_list() == [None, 3]
    assert back["n"] == np.float32(1.5) and back["n"].dtype == np.float32 and back["t"] == np.dtype("int8")


def test_code_never_travels():
    with pytest.raises(TypeError, match="Op 'test' .* holds a function"):
        graph_json.encode_value({"rule": lambda v: v}, "Op 'test' (X)")
    with pytest.raises(TypeError, match="holds a ndarray"):
        graph_json.encode_value(np.array([object()]), "Op 'test' (X)")
    y = kf.py_func(lambda v: v * 2, [kf.constant([1.0])], kf.float32, name="doubled")
    with pytest.raises((ValueError, TypeError), match="doubled"):
        graph_json.encode_op(y.op, y.op.name, [t.name for t in y.op.inputs])
    # a function name outside kflow does not select code
    with pytest.raises(ValueError, match="No kflow function os.system"):
        graph_json.decode_value({"__function__": ["os", "system"]}, None, {})
    # nor does a kflow name that is not a function (a class, a module attribute), nor a kflow function that is
    # not an update rule marked encodable_by_name (one that deletes files, downloads, ...), nor an unloaded module
    for name in (["kflow.engine.graph_json", "Contexts"], ["kflow.engine.graph_json", "sys.exit"],
                 ["kflow.engine.graph_json", "Contexts.finish.__globals__"],
                 ["kflow.platform.gfile", "DeleteRecursively"], ["kflow.datasets.download", "fetch"],
                 ["kflow.engine.graph_json", "encodable_by_name"], ["kflow.__main__", "main"]):
        with pytest.raises(ValueError, match="No kflow function"):
            graph_json.decode_value({"__function__": name}, None, {})


def test_only_marked_functions_travel_by_name():
    from kflow.train import adam
    from kflow.keras.update_rules import KerasNadam
    for rule in (adam._rule, KerasNadam._rule):
        encoded = graph_json.encode_value(rule, "Op 'a' (ApplyAdam)")
        assert graph_json.decode_value(json.loads(json.dumps(encoded)), None, {}) is rule
    with pytest.raises(TypeError, match="Op 'a' .* holds a function.*encodable_by_name"):
        graph_json.encode_value(graph_json.encode_op, "Op 'a' (X)")  # kflow's, but not marked


def test_param_ops_strided_slices_and_pooling_round_trip():
    x = kf.placeholder(kf.float32, [2, 4, 4, 3], name="x")
    reps = kf.placeholder(kf.int32, [4], name="reps")
    tiled = kf.tile(x, reps, name="tiled")  # a param op with a parameter fed at run time (DYNAMIC)
    cut = kf.identity(x[1:, ..., ::2], name="cut")  # slices and an ellipsis in the indexing template
    pooled = kf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME", name="pooled")  # a Window attribute
    g = _rebuild(x.graph.get_operations())
    value = np.random.RandomState(0).rand(2, 4, 4, 3).astype(np.float32)
    with kf.Session() as sess:
        want = sess.run([tiled, cut, pooled], {x: value, reps: [1, 2, 1, 1]})
    with kf.Session(graph=g) as sess:
        got = sess.run(["tiled:0", "cut:0", "pooled:0"], {"x:0": value, "reps:0": [1, 2, 1, 1]})
    for w, h in zip(want, got):
        np.testing.assert_array_equal(w, h)


def test_tensors_and_contexts_encode_only_for_whole_graphs():
    t = kf.constant(1.0, name="c")
    with pytest.raises(TypeError, match="holds a Tensor"):
        graph_json.encode_value({"t": t}, "Op 'test' (X)")
    table = graph_json.Contexts()
    assert graph_json.encode_value({"t": t}, "Op 'test' (X)", table) == {"__dict__": {"t": {"__tensor__": "c:0"}}}
    with pytest.raises(ValueError, match="Unknown control-flow context class 'Evil'"):
        graph_json.Contexts.from_descriptions([{"class": "Evil", "outer": None, "ops": [], "cond_op": None,
                                                 "branch": None}])


def test_arrays_of_one_repeated_value_encode_compactly():
    for arr in (np.zeros((300, 200), np.float32), np.full((4, 5), 7, np.int64), np.ones(3, bool)):
        encoded = json.dumps(graph_json.encode_value(arr, "test"))
        assert len(encoded) < 150  # not 60000 elements
        back = graph_json.decode_value(json.loads(encoded), None, {})
        assert back.dtype == arr.dtype and back.shape == arr.shape and np.array_equal(back, arr)
    signed = np.array([0.0, -0.0, 0.0], np.float32)  # equal values, but not the same bits
    back = graph_json.decode_value(json.loads(json.dumps(graph_json.encode_value(signed, "test"))), None, {})
    assert np.array_equal(np.signbit(back), np.signbit(signed))
