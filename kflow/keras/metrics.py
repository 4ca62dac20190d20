"""``kf.keras.metrics``: Keras's metric functions and stateful metric classes, and how compile resolves names.

``compile(metrics=["accuracy"])`` (or "acc") picks the accuracy as tf.keras 2 does, from the shapes
of the labels and the outputs (see ``resolve``); the logged key stays the name the user gave.

Example:
    >>> model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc", kf.keras.metrics.AUC()])
    >>> m = kf.keras.metrics.CategoricalAccuracy()
    >>> m.update_state([[0, 1], [1, 0]], [[0.2, 0.8], [0.3, 0.7]]); m.value()
    0.5
"""
from kflow.keras.object_config import deserialize_object, serialize_object
from kflow.keras import loss_functions as losses
from kflow.keras.metric_base import Mean, MeanMetricWrapper, Metric, Reduce, Sum  # noqa: F401
from kflow.keras.metric_classes import (  # noqa: F401 - the public namespace
    AUC, CLASSES, ConcordanceCorrelation, PearsonCorrelation, Accuracy, BinaryAccuracy, BinaryCrossentropy, CategoricalAccuracy, CategoricalCrossentropy,
    CategoricalHinge, CosineSimilarity, FalseNegatives, FalsePositives, Hinge, KLDivergence, LogCoshError,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanIoU, MeanSquaredError, MeanSquaredLogarithmicError,
    Poisson, Precision, Recall, RootMeanSquaredError, SparseCategoricalAccuracy, SparseCategoricalCrossentropy,
    SparseTopKCategoricalAccuracy, SquaredHinge, TopKCategoricalAccuracy, TrueNegatives, TruePositives)
from kflow.keras.metric_scores import (  # noqa: F401
    BinaryIoU, F1Score, FBetaScore, IoU, OneHotIoU, OneHotMeanIoU, PrecisionAtRecall, R2Score, RecallAtPrecision,
    SensitivityAtSpecificity, SpecificityAtSensitivity)
from kflow.keras.metric_scores import CLASSES as _SCORE_CLASSES
from kflow.keras.loss_functions import (  # noqa: F401 - also metrics in Keras
    binary_focal_crossentropy, categorical_focal_crossentropy, huber, kl_divergence, log_cosh)
from kflow.keras.metric_functions import (  # noqa: F401
    FUNCTIONS, MAE, MAPE, MSE, MSLE, concordance_correlation, pearson_correlation, binary_accuracy, binary_crossentropy, categorical_accuracy,
    categorical_crossentropy, categorical_hinge, hinge, kullback_leibler_divergence, logcosh, mae, mape,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, mse,
    msle, poisson, sparse_categorical_accuracy, sparse_categorical_crossentropy, sparse_top_k_categorical_accuracy,
    squared_hinge, top_k_categorical_accuracy)

CLASSES = dict(CLASSES, **_SCORE_CLASSES)
_ACCURACY_NAMES = ("accuracy", "acc")
_CROSSENTROPY_NAMES = ("crossentropy", "ce")


def get(identifier, custom_objects=None):
    """A metric from a name ("mae", "categorical_accuracy", "AUC"), a config dict, a Metric or a callable."""
    if callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            return custom_objects[identifier]
        fn = FUNCTIONS.get(identifier)
        if fn is not None:
            return fn
        if identifier in CLASSES:
            return CLASSES[identifier]()
    raise ValueError("Unknown metric function: %r. Known names: accuracy, acc, %s; or pass a callable(y_true, "
                     "y_pred)." % (identifier, ", ".join(sorted(FUNCTIONS))))


def resolve(identifier, loss_fn, output_shape, custom_objects=None, target_shape=None):
    """``(log name, metric)`` for one entry of ``compile(metrics=...)``.

    "accuracy"/"acc" (and "crossentropy"/"ce") resolve as tf.keras 2 does, from the shapes of the
    labels and the outputs: binary for one output unit (or a binary loss), sparse when the labels have
    one rank less than the outputs or a last dimension of 1 against more, categorical otherwise. When
    the labels' shape is not known (nothing fed yet) a sparse loss says sparse.
    """
    if identifier in _ACCURACY_NAMES or identifier in _CROSSENTROPY_NAMES:
        last = output_shape[-1] if output_shape is not None and len(output_shape) else None
        if target_shape is not None and output_shape is not None:
            t_last = target_shape[-1] if len(target_shape) else None
            sparse = len(target_shape) < len(output_shape) or (t_last == 1 and last is not None and last > 1)
        else:
            sparse = loss_fn is losses.sparse_categorical_crossentropy
        if loss_fn is losses.binary_crossentropy or last == 1:
            fns = (binary_accuracy, binary_crossentropy)
        elif sparse:
            fns = (sparse_categorical_accuracy, sparse_categorical_crossentropy)
        else:
            fns = (categorical_accuracy, categorical_crossentropy)
        return identifier, fns[0] if identifier in _ACCURACY_NAMES else fns[1]
    fn = get(identifier, custom_objects)
    if isinstance(fn, Metric):
        return fn.name, fn
    name = identifier if isinstance(identifier, str) else getattr(fn, "__name__", type(fn).__name__)
    return name, fn


def serialize(metric):
    """What a model file stores: a function's name, or a metric object's class and config."""
    return serialize_object(metric, Metric)


def deserialize(config, custom_objects=None):
    """The metric named by ``config`` (a name, or ``{"class_name", "config"}`` of a metric class)."""
    return deserialize_object(config, CLASSES, custom_objects, get, "metric")
