"""Clear errors across the two modes: each says which mode is active and what to do."""
import numpy as np
import pytest

import kflow as kf


def test_session_in_eager_mode():
    with kf.eager_mode():
        with pytest.raises(RuntimeError, match="kf.Session\\(\\) is not available while eager execution is "
                                               "active.*kf.function.*kf.graph_mode"):
            kf.Session()


def test_session_run_of_a_graph_session_in_eager_mode():
    x = kf.constant(1.0) * 2.0
    sess = kf.Session()
    with kf.eager_mode():
        with pytest.raises(RuntimeError, match="Session.run\\(\\) is not available while eager execution"):
            sess.run(x)
    assert sess.run(x) == 2.0  # back in graph mode it runs


def test_placeholder_in_eager_mode():
    with kf.eager_mode():
        with pytest.raises(RuntimeError, match="placeholder\\(\\) cannot be used with eager execution: eager mode "
                                               "is active.*pass values"):
            kf.placeholder(kf.float32, [None, 3])


def test_eager_tensor_used_in_a_graph():
    with kf.eager_mode():
        e = kf.constant([1.0, 2.0])
    with pytest.raises(ValueError, match="eager tensor.*graph mode, which is active now.*kf.constant\\(t.numpy"):
        kf.add(e, kf.constant([1.0, 1.0]))
    with pytest.raises(ValueError, match="eager variable 'Variable:0'.*graph mode.*kf.function"):
        with kf.eager_mode():
            v = kf.Variable(1.0)
        v * 2.0


def test_numpy_of_a_graph_tensor():
    t = kf.constant(1.0)
    with pytest.raises(NotImplementedError, match="only available for eager tensors; 'Const:0' is a graph tensor "
                                                  "\\(graph mode.*sess.run\\(t\\)"):
        t.numpy()


def test_graph_tensor_in_an_eager_op():
    t = kf.placeholder(kf.float32, [2])
    with kf.eager_mode():
        with pytest.raises(ValueError, match="graph tensor.*eager execution is active.*Session"):
            kf.tanh(t)


def test_eager_kernel_errors_name_the_op_and_inputs():
    with kf.eager_mode():
        with pytest.raises(ValueError, match="eager op Add on float32 \\(2,\\), float32 \\(3,\\)"):
            kf.constant([1.0, 2.0]) + kf.constant([1.0, 2.0, 3.0])
        with pytest.raises(ValueError, match="eager op MatMul on float32 \\(2, 3\\), float32 \\(2, 3\\)"):
            kf.matmul(kf.ones([2, 3]), kf.ones([2, 3]))
        with pytest.raises(ValueError, match="Dimensions must be equal, but are 3 and 2 for MatMul"):
            kf.matmul(np.ones((2, 3), np.float32), np.ones((2, 3), np.float32))  # the builder's checks
        with pytest.raises(TypeError, match="does not match type"):
            kf.constant([1.0]) + kf.constant([1])


def test_gradient_without_a_definition_is_named():
    with kf.eager_mode():
        x = kf.constant([3.0, 1.0])
        with kf.GradientTape() as tape:
            tape.watch(x)
            y = kf.py_func(lambda v: v * 2, [x], kf.float32)
        with pytest.raises(LookupError, match="No gradient defined for operation type PyFunc"):
            tape.gradient(y, x)
