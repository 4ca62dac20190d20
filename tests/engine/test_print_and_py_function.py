"""kf.Print, kf.print, kf.py_function / numpy_function with gradients given by name."""
import sys

import numpy as np
import pytest

import kflow as kf
from kflow.engine import gradient_check


def test_print_v1_passes_the_value_and_logs_first_n(capsys):
    x = kf.constant([1.0, 2.0, 3.0, 4.0, 5.0])
    y = kf.Print(x, [x, kf.reduce_sum(x)], "values: ", first_n=2, summarize=2)
    z = y * 2.0
    with kf.Session() as sess:
        for _ in range(3):
            np.testing.assert_array_equal(sess.run(z), [2., 4., 6., 8., 10.])
    err = capsys.readouterr().err
    assert err.count("values: [1 2...][15]") == 2


def test_print_v1_gradient_is_identity(capsys):
    gradient_check.check_gradients(lambda t: kf.Print(t, [t], "x") * t, [np.array([0.5, -1.0, 2.0])])
    x = kf.placeholder(kf.float64, [3])
    g = kf.gradients(kf.reduce_sum(kf.Print(x, [x]) * 3.0), x)[0]
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: [1., 2., 3.]}), [3., 3., 3.])


def test_print_v2_streams_and_summarize(capsys, tmp_path):
    x = kf.reshape(kf.range(12), [3, 4])
    to_stdout = kf.print("x:", x, "n =", kf.constant(7), output_stream=sys.stdout, summarize=1)
    to_stderr = kf.print(kf.constant(b"hello"), kf.constant(0.5))
    path = str(tmp_path / "log.txt")
    to_file = kf.print("step", kf.constant(3), output_stream="file://" + path, sep="|", end=";\n")
    with kf.Session() as sess:
        sess.run([to_stdout, to_stderr, to_file])
        sess.run(to_file)
    captured = capsys.readouterr()
    assert captured.out == "x: [[0 ... 3]\n ...\n [8 ... 11]] n = 7\n"
    assert captured.err == "hello 0.5\n"
    assert open(path).read() == "step|3;\nstep|3;\n"
    with pytest.raises(ValueError, match="output_stream"):
        kf.print("x", output_stream="stdout")


def test_print_v2_to_a_logging_function(caplog):
    saved = kf.logging.get_verbosity()
    kf.logging.set_verbosity(kf.logging.INFO)
    try:
        with kf.Session() as sess:
            sess.run(kf.print("loss", kf.constant([0.25]), output_stream=kf.logging.info))
    finally:
        kf.logging.set_verbosity(saved)
    assert ("kflow", kf.logging.INFO, "loss [0.25]") in caplog.record_tuples


def test_py_function_gets_values_with_numpy_method():
    x = kf.constant([1.0, 2.0])
    y = kf.py_function(lambda a: a.numpy() * 2 + np.sum(a), [x], kf.float32)
    a, b = kf.py_function(lambda a: (a, a.numpy().astype(np.int64)), [x], [kf.float32, kf.int64])
    assert y.op.type == "EagerPyFunc"
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), [5.0, 7.0])
        out = sess.run([a, b])
    assert type(out[0]) is np.ndarray and out[1].dtype == np.int64


def test_py_function_and_py_func_without_gradient_raise_when_differentiated():
    x = kf.constant([1.0, 2.0])
    for make in (kf.py_function, kf.py_func, kf.numpy_function):
        y = make(lambda a: a * 2, [x], kf.float32)
        with pytest.raises(LookupError):
            kf.gradients(y, x)


def test_py_function_gradient_through_override_map_is_checked_numerically():
    @kf.RegisterGradient("CubeGradForTest")
    def _cube_grad(op, grad):
        return [grad * 3.0 * op.inputs[0] * op.inputs[0]]

    def cube(t):
        with kf.get_default_graph().gradient_override_map({"EagerPyFunc": "CubeGradForTest"}):
            y = kf.py_function(lambda a: a.numpy() ** 3, [t], kf.float64)
        y.set_shape(t.shape)
        return y

    x0 = np.array([0.5, -1.5, 2.0])
    x = kf.placeholder(kf.float64, [3])
    g = kf.gradients(kf.reduce_sum(cube(x)), x)[0]
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: x0}), 3 * x0 ** 2)
    gradient_check.check_gradients(cube, [x0])
