"""A tiny linear-regression model_fn and input_fn shared by the estimator tests, and a runner for TF programs."""
import os
import subprocess
import sys

import kflow as kf

ModeKeys = kf.estimator.ModeKeys


def linear_model_fn(features, labels, mode, params):
    w = kf.get_variable("w", [3, 1], initializer=kf.zeros_initializer())
    b = kf.get_variable("b", [1], initializer=kf.zeros_initializer())
    pred = kf.matmul(features["x"], w) + b
    if mode == ModeKeys.PREDICT:
        return kf.estimator.EstimatorSpec(mode, predictions={"y": pred[:, 0], "double": 2.0 * pred[:, 0]})
    loss = kf.reduce_mean(kf.square(pred - labels))
    train_op = kf.train.GradientDescentOptimizer(params.get("lr", 0.1)).minimize(
        loss, global_step=kf.train.get_global_step())
    return kf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op,
                                      eval_metric_ops={"mae": kf.metrics.mean_absolute_error(labels, pred)})


def input_fn(x, y=None, batch_size=20, num_epochs=None, shuffle=False):
    return kf.estimator.inputs.numpy_input_fn({"x": x}, y, batch_size=batch_size, num_epochs=num_epochs,
                                              shuffle=shuffle)


def run_program(directory, name, source, args):
    """Writes ``source`` to ``directory/name`` and runs it with ``args`` in ``directory`` (this kflow importable);
    returns its stdout, after checking it exited 0."""
    script = directory / name
    script.write_text(source)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(kf.__file__)))
    result = subprocess.run([sys.executable, str(script)] + list(args), capture_output=True, text=True,
                            timeout=300, cwd=str(directory), env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout
