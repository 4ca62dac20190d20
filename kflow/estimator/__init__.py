"""kf.estimator: Estimator (model_fn + input_fn + model_dir), hooks and train_and_evaluate.

Example:
    >>> est = kf.estimator.Estimator(model_fn, model_dir="runs/m", config=kf.estimator.RunConfig(tf_random_seed=1))
    >>> est.train(kf.estimator.inputs.numpy_input_fn({"x": x}, y, num_epochs=None, shuffle=True), steps=500)
"""
from kflow.estimator import inputs
from kflow.estimator.estimator import Estimator
# The session-run hooks live in kf.train (TF1's home for them); Estimator users also find them here.
from kflow.train.session_run_hook import SessionRunArgs, SessionRunContext, SessionRunHook, SessionRunValues
from kflow.train.basic_session_run_hooks import (CheckpointSaverHook, LoggingTensorHook, NanLossDuringTrainingError,
                                                 NanTensorHook, StopAtStepHook, SummarySaverHook)
from kflow.estimator.model_fn import EstimatorSpec, ModeKeys
from kflow.estimator.run_config import RunConfig
from kflow.estimator.training import EvalSpec, TrainSpec, train_and_evaluate

__all__ = ["Estimator", "EstimatorSpec", "ModeKeys", "RunConfig", "TrainSpec", "EvalSpec", "train_and_evaluate",
           "inputs", "SessionRunHook", "SessionRunArgs", "SessionRunContext", "SessionRunValues",
           "LoggingTensorHook", "StopAtStepHook", "CheckpointSaverHook", "SummarySaverHook", "NanTensorHook",
           "NanLossDuringTrainingError"]

# premade Estimators (issue 16, feature columns)
from kflow.estimator.canned import (DNNClassifier, DNNRegressor, LinearClassifier, LinearRegressor,  # noqa: E402
                                    DNNLinearCombinedClassifier, DNNLinearCombinedRegressor)

__all__ += ["DNNClassifier", "DNNRegressor", "LinearClassifier", "LinearRegressor", "DNNLinearCombinedClassifier",
            "DNNLinearCombinedRegressor"]
from kflow.estimator.baseline import BaselineClassifier, BaselineRegressor  # noqa: E402

__all__ += ["BaselineClassifier", "BaselineRegressor"]
