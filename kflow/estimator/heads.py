"""Heads of the premade Estimators: from logits and labels to the loss, predictions and eval metrics, named as
TF 1.x's canned heads name them.

- multi-class (softmax cross entropy): predictions ``logits, probabilities, class_ids, classes, all_class_ids,
  all_classes``; metrics ``accuracy, average_loss`` (the Estimator adds ``loss`` and ``global_step``).
- binary (sigmoid cross entropy, one logit): predictions add ``logistic``; metrics ``accuracy,
  accuracy_baseline, auc, auc_precision_recall, average_loss, label/mean, precision, prediction/mean, recall``.
- regression (squared error): predictions ``predictions``; metrics ``average_loss, label/mean, prediction/mean``.

The training loss reduces the (weighted) per-example losses by ``loss_reduction``: ``SUM`` by default, as TF
1.x's canned Estimators.

Example:
    >>> head = ClassificationHead(n_classes=3)
    >>> spec = head.spec(features, mode, logits, labels, train_op_fn=lambda loss: opt.minimize(loss, step))
"""
import numpy as np

from kflow import errors, metrics
from kflow.engine import dtypes
from kflow.engine.graph import name_scope
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops import reshape_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import constant, convert_to_tensor, ones_like
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.math_ops import maximum
from kflow.engine.ops.nn_ops import softmax
from kflow.engine.ops.reduction_ops import argmax, reduce_sum
from kflow.engine.ops.shape_ops import expand_dims, tile
from kflow.engine.ops.unary_math_ops import sigmoid, square
from kflow.engine.ops.xent_ops import sigmoid_cross_entropy_with_logits, sparse_softmax_cross_entropy_with_logits
from kflow.estimator.model_fn import EstimatorSpec, ModeKeys
from kflow.feature_column.column_base import FeatureCache
from kflow.losses.reduction import Reduction

REDUCTIONS = (Reduction.SUM, Reduction.SUM_OVER_BATCH_SIZE, Reduction.MEAN)


def _label_lookup_kernel(labels, vocabulary):
    table = {v.encode("utf-8"): i for i, v in enumerate(vocabulary)}
    flat = np.asarray(labels, dtype=object).reshape(-1)
    ids = np.empty(flat.shape, np.int64)
    for i, v in enumerate(flat):
        found = table.get(bytes(v) if not isinstance(v, str) else v.encode("utf-8"))
        if found is None:
            raise errors.InvalidArgumentError(None, None, "label %r is not in label_vocabulary %s"
                                              % (v, list(vocabulary)))
        ids[i] = found
    return ids.reshape(np.shape(labels))


LABEL_VOCABULARY_LOOKUP = OpDef("LabelVocabularyLookup", _label_lookup_kernel, grad=None, host_only=True)


def _check_reduction(loss_reduction):
    if loss_reduction not in REDUCTIONS:
        raise ValueError("loss_reduction must be one of %s, got %r" % (REDUCTIONS, loss_reduction))
    return loss_reduction


def example_weights(features, weight_column):
    """float32 ``[batch, 1]`` weights from ``weight_column`` (a feature key or numeric_column), or None."""
    if weight_column is None:
        return None
    # a numeric_column applies its normalizer_fn, as TF reads the weights through the column
    return cast(FeatureCache(features).get(weight_column), dtypes.float32)


class _Head:
    """Shared by the heads: loss reduction, metrics and the EstimatorSpec of each mode."""

    def __init__(self, logits_dimension, weight_column, loss_reduction):
        self.logits_dimension = logits_dimension
        self.weight_column = weight_column
        self.loss_reduction = _check_reduction(loss_reduction)

    def _reduce(self, unreduced, weights):
        weighted = unreduced if weights is None else unreduced * weights
        total = reduce_sum(weighted)
        if self.loss_reduction == Reduction.SUM:
            return total
        if self.loss_reduction == Reduction.MEAN and weights is not None:
            # the weights broadcast over the loss's elements (regression losses have label_dimension of them)
            return total / maximum(reduce_sum(weights * ones_like(unreduced)), 1e-12)
        return total / cast(reshape_ops.size(unreduced), dtypes.float32)

    def spec(self, features, mode, logits, labels=None, train_op_fn=None):
        """The EstimatorSpec of ``mode``; ``train_op_fn(loss)`` builds the train op in TRAIN mode."""
        with name_scope("head"):
            predictions = self.predictions(logits)
            if mode == ModeKeys.PREDICT:
                return EstimatorSpec(mode, predictions=predictions)
            if labels is None:
                raise ValueError("The premade Estimator needs labels in %s mode; the input_fn returned none." % mode)
            weights = example_weights(features, self.weight_column)
            label_ids, unreduced = self.unreduced_loss(logits, labels)
            loss = self._reduce(unreduced, weights)
            if mode == ModeKeys.EVAL:
                return EstimatorSpec(mode, predictions=predictions, loss=loss,
                                     eval_metric_ops=self.metrics(label_ids, predictions, unreduced, weights))
        return EstimatorSpec(mode, predictions=predictions, loss=loss, train_op=train_op_fn(loss))


class ClassificationHead(_Head):
    """Softmax cross entropy over ``n_classes`` (> 2) logits, or sigmoid cross entropy on one logit for 2."""

    def __init__(self, n_classes=2, weight_column=None, label_vocabulary=None, loss_reduction=Reduction.SUM):
        if n_classes is None or n_classes < 2:
            raise ValueError("n_classes must be > 1 for classification, got %r" % (n_classes,))
        if label_vocabulary is not None:
            label_vocabulary = [v.decode("utf-8") if isinstance(v, bytes) else v for v in label_vocabulary]
            if not all(isinstance(v, str) for v in label_vocabulary) or len(label_vocabulary) != n_classes:
                raise ValueError("label_vocabulary must be %d strings (n_classes), got %r" % (n_classes,
                                                                                              label_vocabulary))
        super().__init__(1 if n_classes == 2 else n_classes, weight_column, loss_reduction)
        self.n_classes = n_classes
        self.label_vocabulary = tuple(label_vocabulary) if label_vocabulary else None
        names = self.label_vocabulary or tuple(str(i) for i in range(n_classes))
        self._class_names = np.array([n.encode("utf-8") for n in names], dtype=object)

    def predictions(self, logits):
        batch = reshape_ops.shape(logits)[:1]
        if self.n_classes == 2:
            logistic = sigmoid(logits)
            probabilities = concat([1.0 - logistic, logistic], 1)
            class_ids = cast(logits > 0.0, dtypes.int64)
            out = {"logits": logits, "logistic": logistic, "probabilities": probabilities}
        else:
            probabilities = softmax(logits)
            class_ids = expand_dims(argmax(logits, 1), -1)
            out = {"logits": logits, "probabilities": probabilities}
        names = constant(self._class_names, dtype=dtypes.string)
        all_ids = tile(expand_dims(constant(np.arange(self.n_classes, dtype=np.int64)), 0),
                       concat([batch, constant([1], dtype=dtypes.int32)], 0))
        out.update(class_ids=class_ids, classes=gather(names, class_ids), all_class_ids=all_ids,
                   all_classes=gather(names, all_ids))
        return out

    def label_ids(self, labels):
        """int64 ``[batch, 1]`` class ids of ``labels`` (strings looked up in ``label_vocabulary``)."""
        labels = convert_to_tensor(labels)
        labels = reshape_ops.reshape(labels, [-1, 1])
        if labels.dtype is dtypes.string:
            if self.label_vocabulary is None:
                raise ValueError("String labels need label_vocabulary (the class names, in id order).")
            return make_op(LABEL_VOCABULARY_LOOKUP, [labels], [(dtypes.int64, labels.shape)], "label_ids",
                           params={"vocabulary": self.label_vocabulary}).outputs[0]
        if self.label_vocabulary is not None:
            raise ValueError("label_vocabulary is given, so labels must be strings; got %s." % labels.dtype.name)
        return cast(labels, dtypes.int64)

    def unreduced_loss(self, logits, labels):
        ids = self.label_ids(labels)
        if self.n_classes == 2:
            loss = sigmoid_cross_entropy_with_logits(labels=cast(ids, dtypes.float32), logits=logits)
        else:
            loss = expand_dims(sparse_softmax_cross_entropy_with_logits(labels=reshape_ops.reshape(ids, [-1]),
                                                                        logits=logits), -1)
        return ids, loss

    def metrics(self, label_ids, predictions, unreduced, weights):
        ops = {"accuracy": metrics.accuracy(label_ids, predictions["class_ids"], weights, name="accuracy"),
               "average_loss": metrics.mean(unreduced, weights, name="average_loss")}
        if self.n_classes == 2:
            labels = cast(label_ids, dtypes.float32)
            logistic = predictions["logistic"]
            label_mean = metrics.mean(labels, weights, name="label/mean")
            ops.update({
                "label/mean": label_mean,
                "prediction/mean": metrics.mean(logistic, weights, name="prediction/mean"),
                "accuracy_baseline": (maximum(label_mean[0], 1.0 - label_mean[0]), label_mean[1]),
                "auc": metrics.auc(labels, logistic, weights, name="auc"),
                "auc_precision_recall": metrics.auc(labels, logistic, weights, curve="PR",
                                                    name="auc_precision_recall"),
                "precision": metrics.precision(label_ids, predictions["class_ids"], weights, name="precision"),
                "recall": metrics.recall(label_ids, predictions["class_ids"], weights, name="recall")})
        return ops


class RegressionHead(_Head):
    """Squared error on ``label_dimension`` outputs."""

    def __init__(self, label_dimension=1, weight_column=None, loss_reduction=Reduction.SUM):
        if label_dimension is None or label_dimension < 1:
            raise ValueError("label_dimension must be >= 1, got %r" % (label_dimension,))
        super().__init__(int(label_dimension), weight_column, loss_reduction)

    def predictions(self, logits):
        return {"predictions": logits}

    def unreduced_loss(self, logits, labels):
        labels = convert_to_tensor(labels)
        if labels.dtype is dtypes.string:
            raise ValueError("Regression labels must be numbers, got a string tensor.")
        labels = reshape_ops.reshape(cast(labels, dtypes.float32), [-1, self.logits_dimension])
        return labels, square(logits - labels)

    def metrics(self, labels, predictions, unreduced, weights):
        return {"average_loss": metrics.mean(unreduced, weights, name="average_loss"),
                "label/mean": metrics.mean(labels, weights, name="label/mean"),
                "prediction/mean": metrics.mean(predictions["predictions"], weights, name="prediction/mean")}
