"""More Keras metric classes: IoU variants, F-scores, R2, and rates at a fixed rate (e.g. recall at 90%
precision), all accumulated over every batch seen.

Example:
    >>> f1 = kf.keras.metrics.F1Score(average="macro", threshold=0.5)
    >>> f1.update_state(y_true, y_pred); f1.value()
"""
from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import one_hot, where
from kflow.engine.ops.constant_op import convert_to_tensor, ones_like
from kflow.engine.ops.identity_ops import group
from kflow.engine.ops.reduction_ops import argmax, reduce_max, reduce_mean, reduce_sum
from kflow.engine.ops.reshape_ops import reshape
from kflow.keras.metric_base import Metric, standalone
from kflow.keras.metric_classes import MeanIoU, _Thresholded
from kflow.metrics.auc import default_thresholds
from kflow.metrics.metric_utils import safe_div

_F = dtypes.float32


class IoU(MeanIoU):
    """Mean over ``target_class_ids`` of ``tp / (tp + fp + fn)``, from the confusion matrix of class ids."""

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None):
        super().__init__(num_classes, name, dtype)
        self.target_class_ids = [int(i) for i in target_class_ids]

    def get_config(self):
        config = super().get_config()
        config["target_class_ids"] = self.target_class_ids
        return config


class BinaryIoU(IoU):
    """IoU of predictions thresholded at ``threshold`` (classes 0 and 1)."""

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(2, target_class_ids, name, dtype)
        self.threshold = float(threshold)

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default():
            y_pred = M.cast(M.cast(convert_to_tensor(y_pred), _F) > self.threshold, _F)
            y_true = M.cast(M.cast(convert_to_tensor(y_true), _F) > self.threshold, _F)
            return MeanIoU.update_state(self, y_true, y_pred, sample_weight)


class OneHotIoU(IoU):
    """IoU of one-hot targets and per-class scores (their argmax)."""

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default():
            return MeanIoU.update_state(self, argmax(y_true, axis=-1), argmax(y_pred, axis=-1), sample_weight)


class OneHotMeanIoU(OneHotIoU):
    """Mean IoU over all classes of one-hot targets and per-class scores."""

    def __init__(self, num_classes, name=None, dtype=None):
        super().__init__(num_classes, list(range(num_classes)), name, dtype)


class FBetaScore(Metric):
    """F-beta per class from accumulated tp/fp/fn; ``average`` None (per class), "micro", "macro" or "weighted".
    Without ``threshold`` the top-scoring class of each sample counts as predicted."""

    def __init__(self, average=None, beta=1.0, threshold=None, name=None, dtype=None):
        if average not in (None, "micro", "macro", "weighted"):
            raise ValueError("FBetaScore: average must be None, 'micro', 'macro' or 'weighted'; got %r." % average)
        super().__init__(name, dtype)
        self.average, self.beta, self.threshold = average, float(beta), threshold
        self._counts = None

    def _build(self, classes):
        if classes is None:
            raise ValueError("%s needs predictions with a known last dimension (the classes)." % type(self).__name__)
        self._counts = {c: self.add_weight(c, shape=(classes,)) for c in ("tp", "fp", "fn")}

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default(), graph_mod.name_scope(self.name + "_update"):
            y_pred = M.cast(convert_to_tensor(y_pred), _F)
            y_true = M.cast(convert_to_tensor(y_true), _F)
            if self._counts is None:
                self._build(y_pred.shape.as_list()[-1])
            if self.threshold is None:
                predicted = one_hot(argmax(y_pred, axis=-1), y_pred.shape.as_list()[-1], dtype=_F)
            else:
                predicted = M.cast(y_pred > self.threshold, _F)
            w = ones_like(y_true) if sample_weight is None else \
                reshape(M.cast(convert_to_tensor(sample_weight), _F), [-1, 1]) * ones_like(y_true)
            sums = {"tp": predicted * y_true, "fp": predicted * (1.0 - y_true), "fn": (1.0 - predicted) * y_true}
            return self._record(group(*[self._counts[c].assign_add(reduce_sum(v * w, axis=0))
                                        for c, v in sums.items()]))

    def result(self):
        tp, fp, fn = (self._read(self._counts[c]) for c in ("tp", "fp", "fn"))
        if self.average == "micro":
            tp, fp, fn = reduce_sum(tp), reduce_sum(fp), reduce_sum(fn)
        precision = safe_div(tp, tp + fp, "precision")
        recall = safe_div(tp, tp + fn, "recall")
        b2 = self.beta ** 2
        score = safe_div((1.0 + b2) * precision * recall, b2 * precision + recall, self.name + "_value")
        if self.average == "macro":
            return reduce_mean(score)
        if self.average == "weighted":
            support = tp + fn
            return safe_div(reduce_sum(score * support), reduce_sum(support), self.name + "_weighted")
        return score

    def get_config(self):
        config = super().get_config()
        config.update(average=self.average, beta=self.beta, threshold=self.threshold)
        return config


class F1Score(FBetaScore):
    """F1 (beta = 1)."""

    def __init__(self, average=None, threshold=None, name=None, dtype=None):
        super().__init__(average, 1.0, threshold, name, dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config


class R2Score(Metric):
    """Coefficient of determination over all samples seen, averaged uniformly over the output columns."""

    def __init__(self, name=None, dtype=None):
        super().__init__(name or "r2_score", dtype)
        self._vars = None

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default(), graph_mod.name_scope(self.name + "_update"):
            y_pred = M.cast(convert_to_tensor(y_pred), _F)
            y_true = M.cast(convert_to_tensor(y_true), _F)
            if y_pred.shape.ndims == 1:
                y_pred, y_true = reshape(y_pred, [-1, 1]), reshape(y_true, [-1, 1])
            if self._vars is None:
                cols = y_pred.shape.as_list()[-1]
                self._vars = {c: self.add_weight(c, shape=(cols,)) for c in ("sum", "squared_sum", "sse")}
                self._vars["count"] = self.add_weight("count")
            w = ones_like(y_true) if sample_weight is None else \
                reshape(M.cast(convert_to_tensor(sample_weight), _F), [-1, 1]) * ones_like(y_true)
            v = self._vars
            return self._record(group(
                v["sum"].assign_add(reduce_sum(y_true * w, axis=0)),
                v["squared_sum"].assign_add(reduce_sum(y_true * y_true * w, axis=0)),
                v["sse"].assign_add(reduce_sum(M.square(y_true - y_pred) * w, axis=0)),
                v["count"].assign_add(reduce_sum(w[:, 0]))))

    def result(self):
        s, sq, sse, n = (self._read(self._vars[c]) for c in ("sum", "squared_sum", "sse", "count"))
        total = sq - s * s / M.maximum(n, 1e-12)
        return reduce_mean(1.0 - safe_div(sse, total, "ratio"))


def _at_rate(class_name, constrained, dependent, doc):
    """A metric: the best ``dependent`` rate over thresholds where the ``constrained`` rate >= the target."""

    def __init__(self, target, num_thresholds=200, name=None, dtype=None):
        if not 0 <= target <= 1:
            raise ValueError("%s: the target rate must be in [0, 1]; got %r." % (class_name, target))
        self.target, self.num_thresholds = float(target), int(num_thresholds)
        _Thresholded.__init__(self, default_thresholds(num_thresholds), name, dtype)

    def result(self):
        tp, fn, tn, fp = (self._count(c) for c in self._counts)
        rates = {"recall": safe_div(tp, tp + fn, "recall"), "specificity": safe_div(tn, tn + fp, "specificity"),
                 "precision": safe_div(tp, tp + fp, "precision")}
        feasible = rates[constrained] >= self.target
        return reduce_max(where(feasible, rates[dependent], rates[dependent] * 0.0))

    def get_config(self):
        return {"target": self.target, "num_thresholds": self.num_thresholds, "name": self.name,
                "dtype": self.dtype.name}

    return type(class_name, (_Thresholded,), {"__init__": __init__, "result": result, "get_config": get_config,
                                              "__doc__": doc})


SensitivityAtSpecificity = _at_rate("SensitivityAtSpecificity", "specificity", "recall",
                                    "The best sensitivity (recall) where specificity >= the target.")
SpecificityAtSensitivity = _at_rate("SpecificityAtSensitivity", "recall", "specificity",
                                    "The best specificity where sensitivity (recall) >= the target.")
PrecisionAtRecall = _at_rate("PrecisionAtRecall", "recall", "precision", "The best precision where recall >= target.")
RecallAtPrecision = _at_rate("RecallAtPrecision", "precision", "recall", "The best recall where precision >= target.")

CLASSES = {c.__name__: c for c in (IoU, BinaryIoU, OneHotIoU, OneHotMeanIoU, FBetaScore, F1Score, R2Score,
                                   SensitivityAtSpecificity, SpecificityAtSensitivity, PrecisionAtRecall,
                                   RecallAtPrecision)}
