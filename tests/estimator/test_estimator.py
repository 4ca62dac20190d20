import os

import numpy as np
import pytest

import kflow as kf
from kflow.estimator import (Estimator, EstimatorSpec, EvalSpec, LoggingTensorHook, ModeKeys, RunConfig,
                             SessionRunArgs, SessionRunHook, StopAtStepHook, TrainSpec, train_and_evaluate)
from kflow.summary import summary_iterator

from estimator_testlib import input_fn, linear_model_fn


def _est(tmp_path, **config):
    config.setdefault("log_step_count_steps", None)
    return Estimator(linear_model_fn, model_dir=str(tmp_path), config=RunConfig(**config), params={"lr": 0.1})


def test_train_checkpoints_evaluate_predict(regression, tmp_path):
    x, y = regression
    est = _est(tmp_path, save_checkpoints_steps=10, keep_checkpoint_max=3, save_summary_steps=5)
    est.train(input_fn(x, y), steps=35)
    assert est.latest_checkpoint().endswith("model.ckpt-35")
    kept = sorted(f for f in os.listdir(tmp_path) if f.startswith("model.ckpt"))
    assert kept == ["model.ckpt-20.h5", "model.ckpt-20.meta", "model.ckpt-30.h5", "model.ckpt-30.meta",
                    "model.ckpt-35.h5", "model.ckpt-35.meta"]
    assert "global_step" in est.get_variable_names()
    metrics = est.evaluate(input_fn(x, y, batch_size=50, num_epochs=1))
    assert metrics["global_step"] == 35 and metrics["loss"] < 0.05 and metrics["mae"] < 0.2
    preds = list(est.predict(input_fn(x[:5], num_epochs=1)))
    assert len(preds) == 5 and set(preds[0]) == {"y", "double"}
    assert np.allclose([p["y"] for p in preds], y[:5, 0], atol=0.3)
    assert np.allclose([p["double"] for p in preds], [2 * p["y"] for p in preds])
    only = list(est.predict(input_fn(x[:3], num_epochs=1), predict_keys="y"))
    assert set(only[0]) == {"y"}
    events = [f for f in os.listdir(tmp_path) if f.startswith("events.out")]
    steps = [e.step for e in summary_iterator(os.path.join(tmp_path, events[0])) if e.HasField("summary")]
    assert steps[:3] == [0, 5, 10]
    assert os.listdir(tmp_path / "eval")


def test_resume_from_model_dir_matches_one_run(regression, tmp_path):
    x, y = regression
    one = _est(tmp_path / "one", save_checkpoints_steps=100)
    one.train(input_fn(x, y), steps=20)
    two = _est(tmp_path / "two", save_checkpoints_steps=100)
    two.train(input_fn(x, y), steps=10)
    again = _est(tmp_path / "two", save_checkpoints_steps=100)  # a new Estimator on the same directory
    again.train(input_fn(x[100:], y[100:]), steps=10)
    assert again.get_variable_value("global_step") == 20
    one_more = _est(tmp_path / "three", save_checkpoints_steps=100)
    one_more.train(input_fn(x, y), steps=10)
    one_more.train(input_fn(x[100:], y[100:]), steps=10)
    assert np.array_equal(one_more.get_variable_value("w"), again.get_variable_value("w"))
    assert not np.array_equal(one.get_variable_value("w"), again.get_variable_value("w"))
    again.train(input_fn(x, y), max_steps=20)  # already there: nothing to do
    assert again.get_variable_value("global_step") == 20


def test_train_until_input_ends_and_max_steps(regression, tmp_path):
    x, y = regression
    est = _est(tmp_path)
    est.train(input_fn(x, y, num_epochs=2))  # 200 examples / 20 = 10 batches per epoch
    assert est.get_variable_value("global_step") == 20
    est.train(input_fn(x, y), max_steps=25)
    assert est.get_variable_value("global_step") == 25
    with pytest.raises(ValueError, match="both steps and max_steps"):
        est.train(input_fn(x, y), steps=1, max_steps=2)


def test_hooks(regression, tmp_path):
    x, y = regression

    class Counter(SessionRunHook):
        def begin(self):
            self.calls = []

        def after_create_session(self, session, coord):
            self.calls.append("session")

        def before_run(self, run_context):
            return SessionRunArgs({"step": kf.train.get_global_step()})

        def after_run(self, run_context, run_values):
            self.calls.append(int(run_values.results["step"]))

        def end(self, session):
            self.calls.append("end")

    counter = Counter()
    log_hook = LoggingTensorHook({"step": "global_step:0"}, every_n_iter=2)
    est = _est(tmp_path)
    est.train(input_fn(x, y), hooks=[counter, log_hook, StopAtStepHook(num_steps=5)])
    assert counter.calls[0] == "session" and counter.calls[-1] == "end" and len(counter.calls) == 7
    assert [step for step, _ in log_hook.logged] == [0, 2, 4]
    assert est.get_variable_value("global_step") == 5


def test_hooks_under_their_tf1_names(regression, tmp_path):
    """TF1 code builds hooks as ``tf.train.LoggingTensorHook``, ``tf.train.StopAtStepHook``, ..."""
    x, y = regression

    class Steps(kf.train.SessionRunHook):
        def begin(self):
            self.seen = 0

        def before_run(self, run_context):
            return kf.train.SessionRunArgs(kf.train.get_global_step())

        def after_run(self, run_context, run_values):
            self.seen += 1

    steps = Steps()
    _est(tmp_path).train(input_fn(x, y), hooks=[steps, kf.train.StopAtStepHook(last_step=3)])
    assert steps.seen == 3
    assert kf.train.LoggingTensorHook is LoggingTensorHook and kf.train.NanTensorHook is kf.estimator.NanTensorHook


def test_predict_keeps_a_warm_session(regression, tmp_path, monkeypatch):
    x, y = regression
    est = _est(tmp_path)
    est.train(input_fn(x, y), steps=5)
    restores, graphs = [], []
    real_restore = kf.train.Saver.restore
    monkeypatch.setattr(kf.train.Saver, "restore",
                        lambda self, *a, **k: restores.append(1) or real_restore(self, *a, **k))
    model_fn = est._model_fn
    est._model_fn = lambda features, labels, mode, params: (graphs.append(mode)
                                                            or model_fn(features, labels, mode, params))
    first = list(est.predict(input_fn(x[:4], num_epochs=1)))
    session = est._predictor[1]
    assert (len(restores), graphs) == (1, [ModeKeys.PREDICT])
    second = list(est.predict(input_fn(x[10:14], num_epochs=1)))
    assert (len(restores), graphs) == (1, [ModeKeys.PREDICT])  # no new graph, no new restore
    assert est._predictor[1] is session and not session._closed
    assert not np.allclose([p["y"] for p in first], [p["y"] for p in second])
    est.train(input_fn(x, y), steps=5)  # a new checkpoint: the next predict reloads
    list(est.predict(input_fn(x[:4], num_epochs=1)))
    assert est._predictor[1] is not session and session._closed


def test_input_fn_returning_dataset_or_tensors(regression, tmp_path):
    x, y = regression
    est = _est(tmp_path)

    def dataset_fn():
        return kf.data.Dataset.from_tensor_slices(({"x": x}, y)).batch(25)

    est.train(dataset_fn)  # one pass: 8 batches
    assert est.get_variable_value("global_step") == 8

    def tensors_fn():
        return {"x": kf.constant(x[:40])}, kf.constant(y[:40])

    est.train(tensors_fn, steps=3)
    assert est.get_variable_value("global_step") == 11
    metrics = est.evaluate(dataset_fn)
    assert metrics["global_step"] == 11 and np.isfinite(metrics["loss"])


def test_evaluate_without_checkpoint_and_bad_model_fn(regression, tmp_path):
    x, y = regression
    with pytest.raises(ValueError, match="Could not find trained model"):
        _est(tmp_path).evaluate(input_fn(x, y, num_epochs=1))
    bad = Estimator(lambda features, labels, mode: {"loss": 1}, model_dir=str(tmp_path / "bad"))
    with pytest.raises(ValueError, match="EstimatorSpec"):
        bad.train(input_fn(x, y), steps=1)
    with pytest.raises(ValueError, match="train_op"):
        EstimatorSpec(ModeKeys.TRAIN, loss=kf.constant(1.0))
    with pytest.raises(ValueError, match="shuffle"):
        kf.estimator.inputs.numpy_input_fn({"x": x}, y)


def test_train_and_evaluate(regression, tmp_path):
    x, y = regression
    est = _est(tmp_path, save_checkpoints_steps=10)
    evaluated = []

    class EvalCounter(SessionRunHook):
        def end(self, session):
            evaluated.append(int(session.run("global_step:0")))

    metrics, exports = train_and_evaluate(
        est, TrainSpec(input_fn(x, y), max_steps=30),
        EvalSpec(input_fn(x, y, batch_size=100, num_epochs=1), steps=None, throttle_secs=0, hooks=[EvalCounter()]))
    assert metrics["global_step"] == 30 and exports == []
    assert evaluated == [10, 20, 30]


def test_seed_makes_runs_repeatable(tmp_path):
    def model_fn(features, labels, mode):
        w = kf.Variable(kf.random_normal([3, 1]), name="w")
        loss = kf.reduce_mean(kf.square(kf.matmul(features["x"], w) - labels))
        return EstimatorSpec(mode, loss=loss, train_op=kf.assign_add(kf.train.get_global_step(), 1))

    x, y = np.ones((4, 3), np.float32), np.ones((4, 1), np.float32)
    values = []
    for d in ("a", "b"):
        est = Estimator(model_fn, str(tmp_path / d), RunConfig(tf_random_seed=7, log_step_count_steps=None))
        est.train(input_fn(x, y), steps=1)
        values.append(est.get_variable_value("w"))
    assert np.array_equal(values[0], values[1])
