"""``kf.keras.losses``: Keras's loss functions and loss classes, and name resolution (``get``/``serialize``).

Example:
    >>> model.compile("adam", loss="sparse_categorical_crossentropy")
    >>> model.compile("adam", loss=kf.keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    >>> kf.keras.losses.get("mse") is mean_squared_error
    True
"""
from kflow.keras.object_config import deserialize_object, serialize_object
from kflow.keras.loss_classes import (  # noqa: F401 - the public namespace
    CLASSES, Dice, Tversky, BinaryCrossentropy, BinaryFocalCrossentropy, CategoricalCrossentropy, CategoricalFocalCrossentropy,
    CategoricalHinge, CosineSimilarity, Hinge, Huber, KLDivergence, LogCosh, Loss, LossFunctionWrapper,
    MeanAbsoluteError, MeanAbsolutePercentageError, MeanSquaredError, MeanSquaredLogarithmicError, Poisson,
    Reduction, SparseCategoricalCrossentropy, SquaredHinge, base_function, per_sample_fn)
from kflow.keras.loss_functions import (  # noqa: F401
    FUNCTIONS, binary_crossentropy, binary_crossentropy_elements, binary_focal_crossentropy,
    categorical_crossentropy, categorical_focal_crossentropy, categorical_hinge, cosine_similarity, dice, hinge, huber,
    huber_loss, kl_divergence, kld, KLD, kullback_leibler_divergence, log_cosh, logcosh, mae, MAE, mape, MAPE,
    mean_absolute_error, mean_absolute_percentage_error, mean_squared_error, mean_squared_logarithmic_error, mse,
    MSE, msle, MSLE, poisson, sparse_categorical_crossentropy, squared_hinge, tversky)


def get(identifier, custom_objects=None):
    """A loss from a name ("mse", "categorical_crossentropy", "Huber"), a config dict, a ``Loss`` or a callable."""
    if identifier is None or callable(identifier):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier, custom_objects)
    if isinstance(identifier, str):
        if custom_objects and identifier in custom_objects:
            return custom_objects[identifier]
        if identifier in CLASSES:
            return CLASSES[identifier]()
        fn = FUNCTIONS.get(identifier) or FUNCTIONS.get(identifier.lower())
        if fn is not None:
            return fn
    raise ValueError("Unknown loss function: %r. Known names: %s; or pass a callable(y_true, y_pred) (for a "
                     "loaded model, via custom_objects)." % (identifier, ", ".join(sorted(FUNCTIONS))))


def serialize(loss):
    """What a model file stores: a function's name, or a loss object's class and config."""
    return serialize_object(loss, Loss)


def deserialize(config, custom_objects=None):
    """The loss named by ``config`` (a name, or ``{"class_name", "config"}`` of a loss class)."""
    return deserialize_object(config, CLASSES, custom_objects, get, "loss")


# issue 15 (round 2): text preprocessing / optimizers
from kflow.keras.noise_robust_losses import (  # noqa: E402
    CategoricalGeneralizedCrossEntropy, Circle, categorical_generalized_cross_entropy, circle)

CLASSES.update({"CategoricalGeneralizedCrossEntropy": CategoricalGeneralizedCrossEntropy, "Circle": Circle})
FUNCTIONS.update({"categorical_generalized_cross_entropy": categorical_generalized_cross_entropy, "circle": circle})
