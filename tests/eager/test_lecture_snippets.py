"""The TF 1.x eager lecture's snippets, verbatim with tf -> kf, print what TF prints.

Each runs in a fresh process: ``kf.enable_eager_execution()`` is a program-start switch, as in TF 1.x.
"""
import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_program(source):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(source)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_no_placeholders_no_sessions():
    out = run_program("""
        import kflow as kf
        import kflow.contrib.eager as tfe
        tfe.enable_eager_execution()

        x = [[2.]]  # No need for placeholders!
        m = kf.matmul(x, x)
        print(m)  # No sessions!
    """)
    assert out == "tf.Tensor([[4.]], shape=(1, 1), dtype=float32)\n"


def test_tensors_are_numpy_compatible_and_iterable():
    out = run_program("""
        import numpy as np
        import kflow as kf
        kf.enable_eager_execution()

        x = kf.constant([1.0, 2.0, 3.0])
        # Tensors are backed by NumPy arrays
        assert type(x.numpy()) == np.ndarray
        squared = np.square(x)  # Tensors are compatible with NumPy functions
        print(squared)
        # Tensors are iterable!
        for i in x:
            print(i)
    """)
    assert out == ("[1. 4. 9.]\n"
                   "tf.Tensor(1.0, shape=(), dtype=float32)\n"
                   "tf.Tensor(2.0, shape=(), dtype=float32)\n"
                   "tf.Tensor(3.0, shape=(), dtype=float32)\n")


def test_python_control_flow_on_values():
    out = run_program("""
        import kflow as kf
        kf.enable_eager_execution()

        i = kf.constant(0)
        while i < 3:
            i = kf.add(i, 1)
            print("I could do this all day! %d" % i)
    """)
    assert out == "".join("I could do this all day! %d\n" % k for k in (1, 2, 3))


def test_indexing_by_python_loops():
    out = run_program("""
        import kflow as kf
        kf.enable_eager_execution()

        x = kf.constant([[1., 2.], [3., 4.]])
        for i in range(x.shape[0]):
            for j in range(x.shape[1]):
                print(x[i, j])
    """)
    assert out == "".join("tf.Tensor(%s, shape=(), dtype=float32)\n" % v for v in ("1.0", "2.0", "3.0", "4.0"))


def test_gradients_function():
    out = run_program("""
        import kflow as kf
        import kflow.contrib.eager as tfe
        tfe.enable_eager_execution()

        def square(x):
            return kf.multiply(x, x)

        grad = tfe.gradients_function(square)
        print(square(3.))
        print(grad(3.))
        print(tfe.gradients_function(lambda x: x ** 2)(3.))
    """)
    assert out == ("tf.Tensor(9.0, shape=(), dtype=float32)\n"
                   "[<tf.Tensor: shape=(), dtype=float32, numpy=6.0>]\n"
                   "[<tf.Tensor: shape=(), dtype=float32, numpy=6.0>]\n")


def test_implicit_gradients():
    out = run_program("""
        import kflow as kf
        import kflow.contrib.eager as tfe
        tfe.enable_eager_execution()

        x = tfe.Variable(2.0)
        def loss(y):
            return (y - x ** 2) ** 2

        grad = tfe.implicit_gradients(loss)
        print(loss(7.))
        print(grad(7.))
    """)
    assert out == ("tf.Tensor(9.0, shape=(), dtype=float32)\n"
                   "[(<tf.Tensor: shape=(), dtype=float32, numpy=-24.0>, "
                   "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>)]\n")


def test_variables_hold_values():
    out = run_program("""
        import kflow as kf
        kf.enable_eager_execution()

        v = kf.Variable(1.0)
        v.assign_add(1)
        print(v)
        print(v.numpy())
    """)
    assert out == "<tf.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>\n2.0\n"


def test_linear_regression_with_implicit_value_and_gradients():
    out = run_program("""
        import numpy as np
        import kflow as kf
        import kflow.contrib.eager as tfe
        tfe.enable_eager_execution()

        data = np.stack([np.linspace(0, 1, 20), 3.0 * np.linspace(0, 1, 20) + 1.0], axis=1).astype(np.float32)
        dataset = kf.data.Dataset.from_tensor_slices((data[:, 0], data[:, 1]))
        w = tfe.Variable(0.0)
        b = tfe.Variable(0.0)

        def prediction(x):
            return x * w + b

        def squared_loss(y, y_predicted):
            return (y - y_predicted) ** 2

        def train(loss_fn):
            optimizer = kf.train.GradientDescentOptimizer(learning_rate=0.1)
            def loss_for_example(x, y):
                return loss_fn(y, prediction(x))
            grad_fn = tfe.implicit_value_and_gradients(loss_for_example)
            for epoch in range(100):
                total_loss = 0.0
                for x_i, y_i in tfe.Iterator(dataset):
                    loss, gradients = grad_fn(x_i, y_i)
                    optimizer.apply_gradients(gradients)
                    total_loss += loss
            print("w=%.2f b=%.2f loss<1e-3: %s" % (w.numpy(), b.numpy(), float(total_loss) / 20 < 1e-3))

        train(squared_loss)
    """)
    assert out == "w=3.00 b=1.00 loss<1e-3: True\n"


def test_enable_after_graph_ops_is_an_error():
    out = run_program("""
        import kflow as kf
        kf.constant(1.0)
        try:
            kf.enable_eager_execution()
        except ValueError as e:
            print("ValueError:", "program startup" in str(e), "1 ops" in str(e))
        print(kf.executing_eagerly())
    """)
    assert out == "ValueError: True True\nFalse\n"
