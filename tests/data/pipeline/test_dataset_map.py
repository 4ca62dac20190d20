"""Dataset.map / filter / flat_map / interleave: traced and Python functions, parallel calls, errors."""
import threading
import time

import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset


def ints(ds):
    return [int(v) for v in ds]


def test_map_is_traced_once_with_kflow_ops():
    calls = []

    def fn(x, y):
        calls.append(1)
        return {"sum": kf.cast(x, kf.float32) + y, "x": x}

    ds = Dataset.from_tensor_slices((np.arange(4), np.full(4, 0.5, np.float32))).map(fn)
    assert ds.output_types == {"sum": kf.float32, "x": kf.int64}
    got = list(ds) + list(ds)
    assert len(calls) == 1  # traced once, never called per element
    assert [float(e["sum"]) for e in got[:4]] == [0.5, 1.5, 2.5, 3.5]
    assert "MapDataset(fn)" in ds._pipeline()


def test_map_graph_function_is_built_once_not_per_element(monkeypatch):
    from kflow.engine import plan as plan_mod

    plans = []
    real_plan = plan_mod.Plan

    def counting_plan(*args, **kwargs):
        plans.append(1)
        return real_plan(*args, **kwargs)

    monkeypatch.setattr(plan_mod, "Plan", counting_plan)
    ds = Dataset.range(50).map(lambda x: kf.square(x) + 1, num_parallel_calls=2)
    fn_graph = ds._fn.graph
    ops_after_tracing = len(fn_graph.get_operations())
    assert ints(ds) == [i * i + 1 for i in range(50)]
    assert len(plans) == 1  # one compiled plan for the iterator, not one per element
    nxt = ds.make_one_shot_iterator().get_next()
    graph_ops = len(kf.get_default_graph().get_operations())
    with kf.Session() as sess:
        assert [int(sess.run(nxt)) for _ in range(50)] == [i * i + 1 for i in range(50)]
    assert len(plans) == 2  # plus one for the session's iterator
    assert len(fn_graph.get_operations()) == ops_after_tracing  # the function graph never grows
    assert len(kf.get_default_graph().get_operations()) == graph_ops  # nor does the user's graph


def test_map_static_shapes_from_the_graph():
    ds = Dataset.from_tensor_slices(np.zeros((3, 784), np.uint8)).map(
        lambda x: kf.reshape(kf.cast(x, kf.float32) / 255.0, [28, 28, 1]))
    assert ds.output_shapes == kf.TensorShape([28, 28, 1])
    assert next(iter(ds)).shape == (28, 28, 1)


def test_map_python_function_fallback():
    calls = []

    def fn(x):  # numpy code: fails on placeholders (no .astype), runs on arrays
        calls.append(1)
        return x.astype(np.float32) * 2, np.int64(x.sum())

    ds = Dataset.from_tensor_slices(np.arange(6).reshape(3, 2)).map(fn)
    got = list(ds)
    assert len(calls) == 4  # the failed tracing attempt, then one call per element
    np.testing.assert_array_equal(got[1][0], [4.0, 6.0])
    assert got[1][1] == 5
    assert ds.output_types == (kf.float32, kf.int64)
    assert ds.output_shapes == (kf.TensorShape([2]), kf.TensorShape([]))


def test_map_python_function_spec_probed_before_iteration():
    ds = Dataset.range(3).map(lambda x: np.asarray([x, x], np.float64) if np.ndim(x) == 0 else None)
    assert ds.output_types == kf.float64 and ds.output_shapes == kf.TensorShape([2])


def test_map_python_shape_change_is_an_error():
    ds = Dataset.range(1, 4).map(lambda x: np.arange(int(x)))
    with pytest.raises(kf.errors.InvalidArgumentError, match="py_func"):
        list(ds)


def test_map_returning_none_or_dataset_is_an_error():
    with pytest.raises(TypeError, match="returned None"):
        Dataset.range(3).map(lambda x: None)
    with pytest.raises(TypeError, match="flat_map"):
        Dataset.range(3).map(lambda x: Dataset.range(2))


def test_map_tuple_elements_are_unpacked_and_lists_become_tuples():
    ds = Dataset.from_tensor_slices((np.arange(3), np.arange(3))).map(lambda a, b: [a + b, a * b])
    assert isinstance(ds.output_types, tuple)
    assert [(int(s), int(p)) for s, p in ds] == [(0, 0), (2, 1), (4, 4)]


def test_map_with_outer_constant_and_numpy_capture():
    offset = np.float32(10.0)
    ds = Dataset.from_tensor_slices(np.arange(3, dtype=np.float32)).map(lambda x: x + offset)
    assert [float(v) for v in ds] == [10.0, 11.0, 12.0]


def test_map_random_ops_follow_the_graph_seed():
    kf.set_random_seed(7)
    ds = Dataset.range(4).map(lambda x: kf.random_uniform([2]))
    first = np.stack(list(ds))
    kf.reset_default_graph()
    kf.set_random_seed(7)
    again = np.stack(list(Dataset.range(4).map(lambda x: kf.random_uniform([2]))))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first[0], first[1])


def test_map_num_parallel_calls_keeps_order():
    seen_threads = set()

    def slow(x):
        seen_threads.add(threading.get_ident())
        time.sleep(0.005 if x % 4 == 0 else 0.0)  # the first of each group of 4 finishes last
        return x * 2

    ds = Dataset.range(50).map(lambda x: kf.py_func(slow, [x], kf.int64), num_parallel_calls=4)
    assert ints(ds) == [2 * i for i in range(50)]
    assert len(seen_threads) > 1
    auto = Dataset.range(10).map(lambda x: x + 1, num_parallel_calls=kf.data.experimental.AUTOTUNE)
    assert ints(auto) == list(range(1, 11))


def test_map_errors_propagate_with_parallel_calls():
    def boom(x):
        if int(x) == 5:  # int() of a placeholder raises: this runs as Python
            raise ValueError("bad element")
        return x

    ds = Dataset.range(10).map(boom, num_parallel_calls=3)
    out = []
    with pytest.raises(ValueError, match="bad element"):
        for v in ds:
            out.append(int(v))
    assert out == [0, 1, 2, 3, 4]


def test_filter_traced_and_python():
    assert ints(Dataset.range(10).filter(lambda x: kf.equal(x % 3, 0))) == [0, 3, 6, 9]
    assert ints(Dataset.range(10).filter(lambda x: int(x) in (2, 7))) == [2, 7]
    with pytest.raises(ValueError, match="scalar boolean"):
        Dataset.range(3).filter(lambda x: x + 1)


def test_flat_map_and_interleave_tf_order():
    ds = Dataset.range(1, 4).flat_map(lambda x: Dataset.from_tensors(x).repeat(x))
    assert ints(ds) == [1, 2, 2, 3, 3, 3]
    # the example of tf.data.Dataset.interleave's documentation
    ds = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2,
                                        block_length=4)
    assert ints(ds) == [1, 1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 3, 3, 4, 4, 5, 5, 5, 5, 5, 5]
    parallel = Dataset.range(1, 6).interleave(lambda x: Dataset.from_tensors(x).repeat(6), cycle_length=2,
                                              block_length=4, num_parallel_calls=2)
    assert ints(parallel) == ints(ds)


def test_flat_map_with_tensor_dependent_dataset():
    ds = Dataset.from_tensor_slices(np.arange(6).reshape(3, 2)).flat_map(
        lambda row: Dataset.from_tensor_slices(row * 10))
    assert ints(ds) == [0, 10, 20, 30, 40, 50]
    py = Dataset.range(3).flat_map(lambda x: Dataset.range(int(x)))
    assert ints(py) == [0, 0, 1]


def test_flat_map_must_return_a_dataset():
    with pytest.raises(TypeError, match="must return a Dataset"):
        Dataset.range(3).flat_map(lambda x: x + 1)


def test_map_captures_outer_constants_but_not_other_tensors():
    mean = kf.constant([1.0, 2.0])
    ds = Dataset.from_tensor_slices(np.ones((2, 2), np.float32)).map(lambda x: (x - mean, mean))
    assert [e[0].tolist() for e in ds] == [[0.0, -1.0], [0.0, -1.0]]
    assert next(iter(ds))[1].tolist() == [1.0, 2.0]
    v = kf.Variable([1.0, 2.0])
    with pytest.raises(TypeError, match="can only capture constants"):
        list(Dataset.from_tensor_slices(np.ones((2, 2), np.float32)).map(lambda x: x - v))


def test_python_function_changing_structure_is_an_error():
    ds = Dataset.range(3).map(lambda x: (x, x) if int(x) == 0 else x)
    with pytest.raises(kf.errors.InvalidArgumentError, match="structure"):
        list(ds)


def test_python_function_over_placeholder_data_needs_graph_ops():
    p = kf.placeholder(kf.float32, [None])
    ds = Dataset.from_tensor_slices(p).map(lambda x: np.float32(x) * 2)
    with pytest.raises(ValueError, match="kf.py_func"):
        ds.make_initializable_iterator()
    traced = Dataset.from_tensor_slices(p).map(lambda x: kf.py_func(lambda v: v * 2, [x], kf.float32))
    it = traced.make_initializable_iterator()
    nxt = it.get_next()
    with kf.Session() as sess:
        sess.run(it.initializer, {p: [1.0, 2.0]})
        assert [float(sess.run(nxt)) for _ in range(2)] == [2.0, 4.0]
