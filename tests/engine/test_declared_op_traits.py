"""Traits and per-session binding declared by the library's stateful and host ops (iterators, parsers, py_func,
variables and their updates, cond, fused optimizer updates)."""
import numpy as np

import kflow as kf
from kflow.engine import devices


class _FakeGPU(devices.Backend):
    def __init__(self):
        super().__init__("GPU", np, np.asarray, np.asarray)


def test_ops_handling_python_objects_stay_on_the_host_even_with_numeric_outputs():
    devices._gpu_override.append(_FakeGPU())
    try:
        with kf.Graph().as_default():
            x = kf.constant([1.0, 2.0])
            py = kf.py_func(lambda v: v * 2, [x], kf.float32)
            raw = kf.decode_raw(kf.constant([b"abcd"]), kf.uint8)
            parsed = kf.parse_single_example(kf.constant(b""), {"f": kf.FixedLenFeature([], kf.float32, 0.0)})
            element = kf.data.Dataset.from_tensor_slices(np.zeros([4, 2], np.float32)).make_one_shot_iterator() \
                .get_next()
            v = kf.Variable([1.0, 2.0])
            sess = kf.Session()
            for t in (py, raw, parsed["f"], element):
                assert sess.placer.place(t.op) == ("CPU", 0), t.op.type
            assert sess.placer.place(v.op) == ("GPU", 0)
            assert sess.placer.place((x * 2.0).op) == ("GPU", 0)
    finally:
        devices._gpu_override.pop()


def test_fetched_variable_values_and_updates_never_alias_the_session_buffer():
    with kf.Graph().as_default():
        v = kf.Variable(np.zeros(3))
        inc = v.assign_add(np.ones(3))
        initialized = v.initialized_value()
        with kf.Session() as sess:
            sess.run(v.initializer)
            buffer = sess.variable_values[v.op]
            for got in sess.run([v.op.outputs[0], inc, initialized]):
                assert not np.shares_memory(got, buffer)
                got[...] = -5.0
            np.testing.assert_array_equal(buffer, [1.0, 1.0, 1.0])
            np.testing.assert_array_equal(sess.run(v), [1.0, 1.0, 1.0])


def test_cond_runs_its_branches_with_each_sessions_own_state():
    with kf.Graph().as_default():
        v = kf.Variable(1.0)
        pred = kf.placeholder(kf.bool, [])
        y = kf.cond(pred, lambda: v * 2.0, lambda: v - 1.0)
        a, b = kf.Session(), kf.Session()
        v.load(10.0, a)
        v.load(20.0, b)
        assert a.run(y, {pred: True}) == 20.0 and b.run(y, {pred: True}) == 40.0
        assert a.run(y, {pred: False}) == 9.0 and b.run(y, {pred: False}) == 19.0
        a.close()
        b.close()


def test_a_fused_update_type_is_declared_once_and_shared_by_every_update():
    ops = []
    for _ in range(2):
        with kf.Graph().as_default():
            w = kf.Variable([1.0, 2.0])
            ops.append(kf.train.GradientDescentOptimizer(0.5).minimize(kf.reduce_sum(w * w)))
    updates = [next(o for o in op.graph.get_operations() if o.type == "ApplyGradientDescent") for op in ops]
    assert updates[0].op_def is updates[1].op_def
    with updates[1].graph.as_default(), kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run(ops[1])
        np.testing.assert_allclose(sess.run(kf.global_variables()[0]), [0.0, 0.0])
