"""Keras loss classes: ``Loss`` objects with ``reduction``, ``from_logits`` and the other options of each loss.

A loss object is called as ``loss(y_true, y_pred, sample_weight=None)`` and returns the reduced loss
(a scalar tensor, or per-sample values with ``reduction="none"``). ``compile`` uses ``loss.call`` (the
per-sample values) so sample and class weights are applied once, as for loss functions.

Example (the Keras beginner tutorial):
    >>> loss_fn = kf.keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> model.compile("adam", loss=loss_fn, metrics=["accuracy"])
    >>> value = loss_fn(y_true, logits)            # a scalar tensor: the batch mean
"""
import re

from kflow.engine import graph as graph_mod
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.reshape_ops import shape, size
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.keras import loss_functions as F


class Reduction:
    """How a ``Loss`` reduces its per-sample values (Keras's names)."""

    AUTO = "auto"
    NONE = "none"
    SUM = "sum"
    SUM_OVER_BATCH_SIZE = "sum_over_batch_size"

    @classmethod
    def all(cls):
        return (cls.AUTO, cls.NONE, cls.SUM, cls.SUM_OVER_BATCH_SIZE)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError("Invalid Reduction Key: %r. Expected one of %s." % (key, cls.all()))


def reduce_weighted(values, sample_weight=None, reduction=Reduction.AUTO):
    """``values * sample_weight`` reduced as ``reduction`` says ("auto" is "sum_over_batch_size")."""
    values = convert_to_tensor(values)
    if sample_weight is not None:
        weight = M.cast(convert_to_tensor(sample_weight), values.dtype)
        # (batch,) weights against (batch, d) values: per-sample weights, as Keras broadcasts them
        while weight.shape.ndims is not None and values.shape.ndims is not None and \
                weight.shape.ndims < values.shape.ndims:
            weight = expand_dims(weight, -1)
        values = values * weight
    if reduction == Reduction.NONE:
        return values
    total = reduce_sum(values)
    if reduction == Reduction.SUM:
        return total
    return total / M.cast(size(values), values.dtype)


class Loss:
    """Base of Keras loss classes: subclasses implement ``call(y_true, y_pred) -> per-sample values``.

    Args:
        reduction: "auto" / "sum_over_batch_size" (mean over all values), "sum", or "none".
        name: the name scope of the ops (and the name in saved configs).
    """

    def __init__(self, reduction=Reduction.AUTO, name=None):
        Reduction.validate(reduction)
        self.reduction = reduction
        self.name = name or snake_case(type(self).__name__)

    def __call__(self, y_true, y_pred, sample_weight=None):
        with graph_mod.name_scope(self.name):
            return reduce_weighted(self.call(y_true, y_pred), sample_weight, self.reduction)

    def call(self, y_true, y_pred):
        raise NotImplementedError("%s must implement call(y_true, y_pred)." % type(self).__name__)

    def get_config(self):
        return {"reduction": self.reduction, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A ``Loss`` from a loss function ``fn(y_true, y_pred, **kwargs)``."""

    def __init__(self, fn, reduction=Reduction.AUTO, name=None, **kwargs):
        super().__init__(reduction, name or fn.__name__)
        self.fn = fn
        self._fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        config = dict(self._fn_kwargs)
        config.update(super().get_config())
        return config


def _smooth(fn, label_smoothing, binary):
    """``fn`` with targets smoothed towards uniform (``y * (1 - s) + s / classes``), as Keras's option."""
    if not label_smoothing:
        return fn

    def smoothed(y_true, y_pred, **kwargs):
        y_true, y_pred = F.prepare(y_true, y_pred)
        classes = 2.0 if binary else M.cast(shape(y_pred)[-1], y_pred.dtype)
        return fn(y_true * (1.0 - label_smoothing) + label_smoothing / classes, y_pred, **kwargs)

    smoothed.__name__ = fn.__name__
    return smoothed


def _wrapper(fn, default_name, doc, **options):
    """A ``LossFunctionWrapper`` subclass for ``fn`` whose ``__init__`` takes ``options`` (with defaults)."""

    def __init__(self, *args, reduction=Reduction.AUTO, name=default_name, **kwargs):
        params = dict(options)
        for key, value in zip(options, args):
            params[key] = value
        unknown = set(kwargs) - set(options)
        if unknown:
            raise TypeError("%s got unexpected arguments: %s" % (type(self).__name__, sorted(unknown)))
        params.update(kwargs)
        smoothing = params.pop("label_smoothing", None)
        target = _smooth(fn, smoothing, fn in (F.binary_crossentropy, F.binary_focal_crossentropy))
        LossFunctionWrapper.__init__(self, target, reduction, name, **params)
        if smoothing is not None:
            self._label_smoothing = smoothing

    def get_config(self):
        config = LossFunctionWrapper.get_config(self)
        if hasattr(self, "_label_smoothing"):
            config["label_smoothing"] = self._label_smoothing
        return config

    return {"__init__": __init__, "__doc__": doc, "get_config": get_config}


def _make(class_name, fn, default_name, doc, **options):
    return type(class_name, (LossFunctionWrapper,), _wrapper(fn, default_name, doc, **options))


MeanSquaredError = _make("MeanSquaredError", F.mean_squared_error, "mean_squared_error", "Mean of squared errors.")
MeanAbsoluteError = _make("MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error",
                          "Mean of absolute errors.")
MeanAbsolutePercentageError = _make("MeanAbsolutePercentageError", F.mean_absolute_percentage_error,
                                    "mean_absolute_percentage_error", "100 * mean |(y - p) / y|.")
MeanSquaredLogarithmicError = _make("MeanSquaredLogarithmicError", F.mean_squared_logarithmic_error,
                                    "mean_squared_logarithmic_error", "Mean of (log(p + 1) - log(y + 1))^2.")
BinaryCrossentropy = _make("BinaryCrossentropy", F.binary_crossentropy, "binary_crossentropy",
                           "Binary cross-entropy (``from_logits``, ``label_smoothing``).",
                           from_logits=False, label_smoothing=0.0)
BinaryFocalCrossentropy = _make("BinaryFocalCrossentropy", F.binary_focal_crossentropy,
                                "binary_focal_crossentropy", "Binary focal cross-entropy.",
                                apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                                label_smoothing=0.0)
CategoricalCrossentropy = _make("CategoricalCrossentropy", F.categorical_crossentropy, "categorical_crossentropy",
                                "Cross-entropy against one-hot targets (``from_logits``, ``label_smoothing``).",
                                from_logits=False, label_smoothing=0.0)
CategoricalFocalCrossentropy = _make("CategoricalFocalCrossentropy", F.categorical_focal_crossentropy,
                                     "categorical_focal_crossentropy", "Categorical focal cross-entropy.",
                                     alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0)
SparseCategoricalCrossentropy = _make("SparseCategoricalCrossentropy", F.sparse_categorical_crossentropy,
                                      "sparse_categorical_crossentropy",
                                      "Cross-entropy against integer class ids (``from_logits``).",
                                      from_logits=False)
Hinge = _make("Hinge", F.hinge, "hinge", "mean(max(1 - y * p, 0)) for targets in {-1, 1}.")
SquaredHinge = _make("SquaredHinge", F.squared_hinge, "squared_hinge", "mean(max(1 - y * p, 0)^2).")
CategoricalHinge = _make("CategoricalHinge", F.categorical_hinge, "categorical_hinge",
                         "max(0, 1 + max wrong score - true score).")
Huber = _make("Huber", F.huber_loss, "huber_loss", "Quadratic below ``delta``, linear beyond.", delta=1.0)
LogCosh = _make("LogCosh", F.logcosh, "log_cosh", "mean(log(cosh(p - y))).")
KLDivergence = _make("KLDivergence", F.kullback_leibler_divergence, "kl_divergence",
                     "sum(y * log(y / p)).")
Poisson = _make("Poisson", F.poisson, "poisson", "mean(p - y * log(p)).")
CosineSimilarity = _make("CosineSimilarity", F.cosine_similarity, "cosine_similarity",
                         "-cos(y, p) along ``axis``.", axis=-1)

Dice = _make("Dice", F.dice, "dice", "1 - Dice coefficient (over all axes unless ``axis``).", axis=None)
Tversky = _make("Tversky", F.tversky, "tversky", "1 - Tversky index.", alpha=0.5, beta=0.5, axis=None)

CLASSES = {c.__name__: c for c in (
    MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredLogarithmicError,
    BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    SparseCategoricalCrossentropy, Hinge, SquaredHinge, CategoricalHinge, Huber, LogCosh, KLDivergence, Poisson,
    CosineSimilarity, Dice, Tversky)}


def per_sample_fn(loss):
    """What ``compile`` calls per batch: the unreduced values of a ``Loss`` object, or the function itself."""
    return loss.call if isinstance(loss, Loss) else loss


def base_function(loss):
    """The Keras loss function behind ``loss`` (a function, or a ``LossFunctionWrapper``'s function)."""
    return loss.fn if isinstance(loss, LossFunctionWrapper) else loss


def snake_case(name):
    """Keras's snake case of a class name: "MeanSquaredError" -> "mean_squared_error", "AUC" -> "auc"."""
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", name).lower()
