"""Keras's metric classes: means of per-sample functions, confusion counts, Precision/Recall, AUC, IoU.

Example:
    >>> model.compile("adam", "binary_crossentropy", metrics=[kf.keras.metrics.AUC(), kf.keras.metrics.Precision()])
    >>> acc = kf.keras.metrics.SparseCategoricalAccuracy()
    >>> acc.update_state([1, 2], [[0.1, 0.9, 0.0], [0.8, 0.1, 0.1]])
    >>> acc.value()
    0.5
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.comparison_ops import equal, where_v2
from kflow.engine.ops.constant_op import convert_to_tensor, ones_like
from kflow.engine.ops.identity_ops import group
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.ops.reshape_ops import reshape
from kflow.engine.ops.array_ops import one_hot
from kflow.engine.ops.topk_ops import top_k
from kflow.keras import loss_functions as F
from kflow.keras import metric_functions as MF
from kflow.keras.metric_base import Mean, MeanMetricWrapper, Metric, Sum, standalone
from kflow.metrics.auc import _area, confusion_at_thresholds, default_thresholds
from kflow.metrics.metric_utils import safe_div


def _wrapper(class_name, fn, default_name, **options):
    """A ``MeanMetricWrapper`` subclass of ``fn`` whose ``__init__`` takes ``name``, ``dtype`` and ``options``."""

    def __init__(self, name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError("%s got unexpected arguments: %s" % (class_name, sorted(unknown)))
        params = dict(options)
        params.update(kwargs)
        MeanMetricWrapper.__init__(self, fn, name, dtype, **params)

    doc = "The mean of ``%s`` over all samples seen (options: %s)." % (fn.__name__, options or "none")
    return type(class_name, (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc})


def _equal_values(y_true, y_pred):
    y_pred = convert_to_tensor(y_pred)
    return M.cast(equal(M.cast(convert_to_tensor(y_true), y_pred.dtype), y_pred), dtypes.float32)


_equal_values.__name__ = "accuracy"

Accuracy = _wrapper("Accuracy", _equal_values, "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", MF.binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", MF.categorical_accuracy, "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", MF.sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", MF.top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy", MF.sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper("MeanSquaredError", F.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _wrapper("MeanAbsolutePercentageError", F.mean_absolute_percentage_error,
                                       "mean_absolute_percentage_error")
MeanSquaredLogarithmicError = _wrapper("MeanSquaredLogarithmicError", F.mean_squared_logarithmic_error,
                                       "mean_squared_logarithmic_error")
BinaryCrossentropy = _wrapper("BinaryCrossentropy", F.binary_crossentropy, "binary_crossentropy",
                              from_logits=False)
CategoricalCrossentropy = _wrapper("CategoricalCrossentropy", F.categorical_crossentropy,
                                   "categorical_crossentropy", from_logits=False)
SparseCategoricalCrossentropy = _wrapper("SparseCategoricalCrossentropy", F.sparse_categorical_crossentropy,
                                         "sparse_categorical_crossentropy", from_logits=False)
Hinge = _wrapper("Hinge", F.hinge, "hinge")
SquaredHinge = _wrapper("SquaredHinge", F.squared_hinge, "squared_hinge")
CategoricalHinge = _wrapper("CategoricalHinge", F.categorical_hinge, "categorical_hinge")
KLDivergence = _wrapper("KLDivergence", F.kullback_leibler_divergence, "kullback_leibler_divergence")
Poisson = _wrapper("Poisson", F.poisson, "poisson")
LogCoshError = _wrapper("LogCoshError", F.logcosh, "logcosh")


def _cosine(y_true, y_pred, axis=-1):
    return -F.cosine_similarity(y_true, y_pred, axis=axis)  # the metric is the similarity itself


_cosine.__name__ = "cosine_similarity"
CosineSimilarity = _wrapper("CosineSimilarity", _cosine, "cosine_similarity", axis=-1)


PearsonCorrelation = _wrapper("PearsonCorrelation", MF.pearson_correlation, "pearson_correlation", axis=-1)
ConcordanceCorrelation = _wrapper("ConcordanceCorrelation", MF.concordance_correlation, "concordance_correlation",
                                  axis=-1)


class RootMeanSquaredError(Mean):
    """``sqrt`` of the mean squared error over all values seen."""

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        y_true, y_pred = F.prepare(y_true, y_pred)
        return Mean.update_state(self, M.square(y_pred - y_true), sample_weight)

    def result(self):
        return M.sqrt(Mean.result(self))


class _Thresholded(Metric):
    """Confusion counts ``tp, fn, tn, fp`` per threshold of predictions in [0, 1] (prediction > threshold)."""

    _counts = ("tp", "fn", "tn", "fp")

    def __init__(self, thresholds, name=None, dtype=None):
        super().__init__(name, dtype)
        self.thresholds = np.asarray(thresholds, np.float32).reshape(-1)
        self._vars = {c: self.add_weight(c, shape=(len(self.thresholds),)) for c in self._counts}

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default(), graph_mod.name_scope(self.name + "_update"):
            y_pred = M.cast(convert_to_tensor(y_pred), dtypes.float32)
            labels = M.cast(convert_to_tensor(y_true), dtypes.bool)
            w = ones_like(y_pred) if sample_weight is None else \
                M.cast(convert_to_tensor(sample_weight), dtypes.float32)
            counts = confusion_at_thresholds(labels, y_pred, w, self.thresholds)
            return self._record(group(*[self._vars[c].assign_add(v) for c, v in zip(self._counts, counts)]))

    def _count(self, name):
        return self._read(self._vars[name])

    def get_config(self):
        config = super().get_config()
        config["thresholds"] = self.thresholds.tolist()
        return config


def _confusion_count(class_name, count):
    def result(self):
        value = self._count(count)
        return value[0] if len(self.thresholds) == 1 else M.add(value, 0.0)

    def __init__(self, thresholds=None, name=None, dtype=None):
        _Thresholded.__init__(self, [0.5] if thresholds is None else thresholds, name, dtype)

    doc = "The (weighted) count of %s at each threshold (default 0.5)." % class_name
    return type(class_name, (_Thresholded,), {"__init__": __init__, "result": result, "__doc__": doc})


TruePositives = _confusion_count("TruePositives", "tp")
FalsePositives = _confusion_count("FalsePositives", "fp")
TrueNegatives = _confusion_count("TrueNegatives", "tn")
FalseNegatives = _confusion_count("FalseNegatives", "fn")


class Precision(_Thresholded):
    """``tp / (tp + fp)`` at ``thresholds`` (default 0.5; with ``top_k``, every top-k prediction counts).

    ``top_k``: only each sample's k highest predictions may be positive (others count as predicted negative);
    ``class_id``: only that class's column counts (after the top-k filter), as Keras.
    """

    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        self.init_thresholds, self.top_k, self.class_id = thresholds, top_k, class_id
        if top_k is not None and int(top_k) < 1:
            raise ValueError("%s: top_k must be a positive int, got %r" % (type(self).__name__, top_k))
        default = 0.5 if top_k is None else _NEG_INF
        super().__init__([default] if thresholds is None else thresholds, name, dtype)
        if top_k is not None:  # counted on the rescaled predictions of _keep_top_k
            self.thresholds = np.where(self.thresholds < 0, 0.25, 0.5 + 0.5 * self.thresholds).astype(np.float32)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if (self.top_k is None and self.class_id is None) or standalone([y_true, y_pred, sample_weight]):
            return _Thresholded.update_state(self, y_true, y_pred, sample_weight)
        with self._graph.as_default(), graph_mod.name_scope(self.name + "_select"):
            y_true, y_pred = convert_to_tensor(y_true), M.cast(convert_to_tensor(y_pred), dtypes.float32)
            if self.top_k is not None:
                y_pred = _keep_top_k(y_pred, int(self.top_k))
            if self.class_id is not None:
                y_true, y_pred = y_true[..., self.class_id], y_pred[..., self.class_id]
        return _Thresholded.update_state(self, y_true, y_pred, sample_weight)

    def get_config(self):
        return dict(super().get_config(), thresholds=self.init_thresholds, top_k=self.top_k,
                    class_id=self.class_id)

    def _ratio(self, other):
        tp = self._count("tp")
        value = safe_div(tp, tp + self._count(other), self.name + "_value")
        return value[0] if len(self.thresholds) == 1 else value

    def result(self):
        return self._ratio("fp")


_NEG_INF = -1e10  # Keras's stand-in for -inf: predictions outside the top k


def _keep_top_k(y_pred, k):
    """``y_pred`` with each row's ``k`` highest entries (exactly k, ties by position) moved to ``0.5 + 0.5 p``
    and the others to 0: the counts then see Keras's -1e10 for the others while predictions stay in [0, 1]
    (Precision maps its thresholds alike: ``t -> 0.5 + 0.5 t``, negative ones to 0.25)."""
    depth = y_pred.shape.dims[-1]
    if depth is None:
        raise ValueError("Precision/Recall(top_k=%d): the predictions' last dimension must be known, got %s"
                         % (k, y_pred.shape))
    _, indices = top_k(y_pred, k=min(k, depth))
    kept = reduce_sum(one_hot(indices, depth, dtype=dtypes.float32), axis=-2) > 0.0
    return where_v2(kept, 0.5 + 0.5 * M.minimum(M.maximum(y_pred, 0.0), 1.0), 0.0 * y_pred)


class Recall(Precision):
    """``tp / (tp + fn)`` at ``thresholds`` (default 0.5)."""

    def result(self):
        return self._ratio("fn")


class AUC(_Thresholded):
    """Area under the ROC or PR curve from counts at ``num_thresholds`` evenly spaced thresholds.

    Args:
        num_thresholds: 200 as Keras.
        curve: "ROC" or "PR".
        summation_method: "interpolation" (trapezoids, Keras's default), "minoring" or "majoring".
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation", name=None, dtype=None,
                 thresholds=None, multi_label=False):
        if multi_label:
            raise NotImplementedError("AUC(multi_label=True) is not supported by kflow.")
        if curve not in ("ROC", "PR"):
            raise ValueError("AUC: curve must be 'ROC' or 'PR'; got %r." % (curve,))
        self.curve, self.summation_method, self.num_thresholds = curve, summation_method, num_thresholds
        thresholds = default_thresholds(num_thresholds) if thresholds is None else \
            np.concatenate([[-1e-7], np.sort(thresholds), [1 + 1e-7]])
        super().__init__(thresholds, name, dtype)

    def result(self):
        method = "trapezoidal" if self.summation_method == "interpolation" else self.summation_method
        tp, fn, tn, fp = (self._count(c) for c in self._counts)
        return _area(tp, fn, tn, fp, self.curve, method, self.name + "_value")

    def get_config(self):
        return {"num_thresholds": self.num_thresholds, "curve": self.curve,
                "summation_method": self.summation_method, "name": self.name, "dtype": self.dtype.name}


class MeanIoU(Metric):
    """Mean over classes of ``tp / (tp + fp + fn)`` from the confusion matrix of class ids."""

    def __init__(self, num_classes, name=None, dtype=None):
        super().__init__(name, dtype)
        self.num_classes = int(num_classes)
        self.target_class_ids = list(range(self.num_classes))  # IoU averages over fewer
        self.total_cm = self.add_weight("total_confusion_matrix", shape=(self.num_classes, self.num_classes))

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default(), graph_mod.name_scope(self.name + "_update"):
            n = self.num_classes
            t = one_hot(M.cast(reshape(convert_to_tensor(y_true), [-1]), dtypes.int32), n, dtype=dtypes.float32)
            p = one_hot(M.cast(reshape(convert_to_tensor(y_pred), [-1]), dtypes.int32), n, dtype=dtypes.float32)
            if sample_weight is not None:
                t = t * reshape(M.cast(convert_to_tensor(sample_weight), dtypes.float32), [-1, 1])
            # rows: true class, columns: predicted class
            return self._record(self.total_cm.assign_add(M.matmul(t, p, transpose_a=True)).op)

    def result(self):
        cm = self._read(self.total_cm)
        tp = _diag(cm, self.num_classes)
        denom = reduce_sum(cm, axis=0) + reduce_sum(cm, axis=1) - tp
        targets = np.zeros(self.num_classes, np.float32)
        targets[self.target_class_ids] = 1.0
        present = M.cast(denom > 0.0, dtypes.float32) * targets
        iou = safe_div(tp, denom, self.name + "_iou")
        return safe_div(reduce_sum(iou * targets), reduce_sum(present), self.name + "_value")

    def get_config(self):
        config = super().get_config()
        config["num_classes"] = self.num_classes
        return config


def _diag(matrix, n):
    return reduce_sum(matrix * np.eye(n, dtype=np.float32), axis=1)


CLASSES = {c.__name__: c for c in (
    Mean, Sum, Accuracy, BinaryAccuracy, CategoricalAccuracy, SparseCategoricalAccuracy, TopKCategoricalAccuracy,
    SparseTopKCategoricalAccuracy, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, BinaryCrossentropy, CategoricalCrossentropy, SparseCategoricalCrossentropy, Hinge,
    SquaredHinge, CategoricalHinge, KLDivergence, Poisson, LogCoshError, CosineSimilarity, RootMeanSquaredError,
    TruePositives, FalsePositives, TrueNegatives, FalseNegatives, Precision, Recall, AUC, MeanIoU,
    PearsonCorrelation, ConcordanceCorrelation)}
