"""Eager mode switches, eager tensors (values, printing, Python protocols) and eager variables."""
import numpy as np
import pytest

import kflow as kf


def test_scoped_modes_nest_and_restore():
    assert not kf.executing_eagerly()
    with kf.eager_mode():
        assert kf.executing_eagerly()
        with kf.graph_mode():
            assert not kf.executing_eagerly()
            t = kf.constant(1.0)
            assert not isinstance(t, kf.EagerTensor) and t.name == "Const:0"
        with kf.Graph().as_default():  # entering a graph builds a graph, as in TF 1.x
            assert not kf.executing_eagerly()
        assert kf.executing_eagerly()
    assert not kf.executing_eagerly()


def test_enable_eager_execution_switches_the_default():
    kf.enable_eager_execution()
    assert kf.executing_eagerly()
    assert isinstance(kf.constant(1.0) + 1.0, kf.EagerTensor)


def test_eager_tensor_values_and_printing():
    with kf.eager_mode():
        m = kf.matmul([[2.]], [[2.]])
        assert str(m) == "tf.Tensor([[4.]], shape=(1, 1), dtype=float32)"
        assert repr(m) == "<tf.Tensor: shape=(1, 1), dtype=float32, numpy=array([[4.]], dtype=float32)>"
        value = m.numpy()
        assert type(value) is np.ndarray and value.dtype == np.float32
        value[0, 0] = 7.0  # a copy: the tensor is unchanged
        assert m.numpy()[0, 0] == 4.0
        assert m.shape == kf.TensorShape([1, 1]) and m.dtype is kf.float32
        assert m.device.endswith("CPU:0")
        assert np.array_equal(np.square(kf.constant([1., 2.])), [1., 4.])


def test_python_protocols_of_eager_tensors():
    with kf.eager_mode():
        x = kf.constant([[1, 2], [3, 4]])
        rows = [r.numpy().tolist() for r in x]
        assert rows == [[1, 2], [3, 4]] and len(x) == 2
        assert int(x[1, 0]) == 3 and x[1, 0].numpy() == 3
        assert float(kf.constant(2.5)) == 2.5 and bool(kf.constant(True)) and not bool(kf.constant(0.0))
        assert [10, 20, 30][kf.constant(1)] == 20  # __index__
        assert "%.1f" % kf.constant(1.25) == "1.2"
        with pytest.raises(ValueError, match="exactly one element"):
            float(kf.constant([1.0, 2.0]))
        with pytest.raises(TypeError, match="scalar"):
            iter(kf.constant(1.0))


def test_python_operators_run_at_once():
    with kf.eager_mode():
        a = kf.constant([1.0, 2.0])
        b = kf.constant([3.0, 5.0])
        np.testing.assert_allclose((a + b).numpy(), [4, 7])
        np.testing.assert_allclose((2.0 * a - b / 2.0).numpy(), [0.5, 1.5])
        np.testing.assert_allclose((a ** 2).numpy(), [1, 4])
        np.testing.assert_allclose((-a).numpy(), [-1, -2])
        assert (a < b).numpy().tolist() == [True, True]
        np.testing.assert_allclose((np.ones(2) + a).numpy(), [2, 3])  # numpy defers to the tensor


def test_eager_ops_use_the_declared_kernels_with_their_params():
    with kf.eager_mode():
        x = kf.constant(np.arange(12.0).reshape(3, 4))
        np.testing.assert_allclose(kf.reduce_sum(x, axis=1, keepdims=True).numpy(), [[6], [22], [38]])
        np.testing.assert_allclose(kf.transpose(x).numpy(), np.arange(12.0).reshape(3, 4).T)
        np.testing.assert_allclose(kf.reshape(x, [kf.shape(x)[0] * 2, -1]).numpy(), np.arange(12.0).reshape(6, 2))
        parts = kf.split(x, 2, axis=1)
        assert [p.shape.as_list() for p in parts] == [[3, 2], [3, 2]]
        assert kf.argmax(x, axis=1).numpy().tolist() == [3, 3, 3]


def test_eager_random_ops_draw_new_values_and_follow_seeds():
    with kf.eager_mode():
        a, b = kf.random_normal([3]), kf.random_normal([3])
        assert not np.array_equal(a.numpy(), b.numpy())
        kf.set_random_seed(5)
        first = [kf.random_uniform([2]).numpy() for _ in range(2)]
        kf.reset_default_graph()
        kf.set_random_seed(5)
        again = [kf.random_uniform([2]).numpy() for _ in range(2)]
        # a seed gives one reproducible stream, whose draws differ
        assert not np.array_equal(first[0], first[1])
        kf.reset_default_graph()
    np.testing.assert_array_equal(first[0], again[0])


def test_eager_variables_hold_values():
    with kf.eager_mode():
        v = kf.Variable(1.0)
        assert isinstance(v, kf.Variable)
        v.assign_add(1)
        assert repr(v) == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>"
        assert v.numpy() == 2.0 and float(v) == 2.0
        before = v.read_value()
        v.assign(5.0)
        v.assign_sub(1.0)
        assert before.numpy() == 2.0  # a read is a snapshot
        assert v.numpy() == 4.0
        w = kf.Variable(np.zeros((2, 3)), name="w", dtype=kf.float32)
        assert w.name == "w:0" and w.dtype is kf.float32 and w.shape.as_list() == [2, 3]
        np.testing.assert_allclose((w + 1.0).numpy(), np.ones((2, 3)))
        assert repr(w).startswith("<tf.Variable 'w:0' shape=(2, 3) dtype=float32, numpy=array(")
        with pytest.raises(ValueError, match="shape"):
            w.assign(np.zeros(3))
        with kf.variable_scope("layer"):
            k = kf.get_variable("kernel", [2], initializer=kf.ones_initializer())
        assert k.name == "layer/kernel:0" and k.numpy().tolist() == [1.0, 1.0]


def test_reads_stay_snapshots_across_optimizer_updates():
    with kf.eager_mode():
        v = kf.Variable([1.0, 2.0])
        read = v.value()
        kf.train.GradientDescentOptimizer(1.0).apply_gradients([(kf.constant([1.0, 1.0]), v)])
        assert read.numpy().tolist() == [1.0, 2.0]
        assert v.numpy().tolist() == [0.0, 1.0]


@pytest.mark.parametrize("eager", [False, True], ids=["graph", "eager"])
def test_constant_leaves_the_callers_array_writable(eager):
    a = np.ones(3, np.float32)
    with kf.eager_mode() if eager else kf.graph_mode():
        c = kf.constant(a)
    a[0] = 5.0  # the caller's array stays theirs; the constant keeps its own value
    assert a.flags.writeable
    value = c.numpy() if eager else kf.Session().run(c)
    assert value.tolist() == [1.0, 1.0, 1.0]
