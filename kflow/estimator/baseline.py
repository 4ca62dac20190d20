"""BaselineClassifier and BaselineRegressor: the premade Estimators that ignore the features and learn one bias
per output (the label prior for classifiers, the label mean for regressors) — the yardstick for other models.

The bias is ``baseline/bias`` as in TF; the default optimizer is "Ftrl" with learning rate 0.3, as TF's.

Example:
    >>> base = kf.estimator.BaselineClassifier(n_classes=3)
    >>> base.train(input_fn, steps=100)
    >>> base.evaluate(eval_input_fn)["accuracy"]        # the frequency of the most common class
"""
from kflow.engine import dtypes
from kflow.engine.ops import reshape_ops
from kflow.engine.ops.array_ops import ones
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.elementwise import cast
from kflow.initializers import Zeros
from kflow.layers.variable_scope import get_variable, variable_scope
from kflow.sparse import SparseTensor
from kflow.sparse.sparse_tensor import is_sparse_value
from kflow.estimator.canned import _Canned
from kflow.estimator.heads import ClassificationHead, RegressionHead
from kflow.losses.reduction import Reduction

BASELINE_LEARNING_RATE = 0.3


def _batch_size(value):
    """The batch size of a feature (a sparse feature's is the first entry of its dense shape), as int32."""
    if is_sparse_value(value) or isinstance(value, SparseTensor):
        return cast(value.dense_shape[0], dtypes.int32)
    return reshape_ops.shape(convert_to_tensor(value))[0]


def _baseline_logits_fn(head):
    def logits_fn(features, mode):
        if not features:
            raise ValueError("The baseline Estimator needs at least one feature to know the batch size.")
        batch = _batch_size(features[sorted(features)[0]])
        with variable_scope("baseline"):
            bias = get_variable("bias", [head.logits_dimension], dtype=dtypes.float32, initializer=Zeros())
        return bias * ones(stack([batch, head.logits_dimension]), dtype=dtypes.float32)
    return logits_fn


class BaselineClassifier(_Canned):
    """``tf.estimator.BaselineClassifier``: predicts the (learned) class distribution of the labels."""

    def __init__(self, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None, optimizer="Ftrl",
                 config=None, loss_reduction=Reduction.SUM):
        head = ClassificationHead(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, _baseline_logits_fn(head),
                         [(optimizer, BASELINE_LEARNING_RATE, "baseline")], model_dir, config, None)


class BaselineRegressor(_Canned):
    """``tf.estimator.BaselineRegressor``: predicts the (learned) mean of the labels."""

    def __init__(self, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl", config=None,
                 loss_reduction=Reduction.SUM):
        head = RegressionHead(label_dimension, weight_column, loss_reduction)
        super().__init__(head, _baseline_logits_fn(head),
                         [(optimizer, BASELINE_LEARNING_RATE, "baseline")], model_dir, config, None)
