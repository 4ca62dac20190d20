"""The Normalization preprocessing layer: ``(x - mean) / sqrt(variance)`` per feature, statistics from ``adapt``.

The mean and variance are non-trainable weights, so a saved model carries them. ``adapt(data)`` computes them
in numpy from an array or from any iterable of batches (a ``kf.data.Dataset`` yields numpy batches when
iterated), merging per-batch moments (Chan et al.), so data larger than memory works.

Example:
    >>> norm = Normalization()
    >>> norm.adapt(x_train)                          # or norm.adapt(dataset.map(lambda x, y: x))
    >>> model = kf.keras.Sequential([kf.keras.Input((8,)), norm, kf.keras.layers.Dense(1)])
"""
import numpy as np

from kflow.engine import shapes
from kflow.engine.graph_session import get_session
from kflow.engine.ops import math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.unary_math_ops import sqrt
from kflow import initializers
from kflow.layers.base import Layer

# Keras's fuzz factor: a constant feature (variance 0) is divided by this rather than by zero.
_EPSILON = 1e-7


def _axes(axis):
    if axis is None:
        return ()
    return tuple(axis) if isinstance(axis, (list, tuple)) else (axis,)


def _fill(value, shape):
    """A given statistic (a scalar, or one value per kept position) as an array of the statistics' shape."""
    value = np.asarray(value, dtype=np.float64)
    return np.full(shape, value.item()) if value.size == 1 else value.reshape(shape)


class Normalization(Layer):
    """Standardizes features to mean 0 and variance 1 with statistics learned by ``adapt`` (or given).

    Args:
        axis: the axis (or axes) that keep separate statistics (default -1, the features); None: one scalar
            mean and variance.
        mean, variance: given statistics (broadcast against the kept axes) instead of ``adapt``.
    """

    def __init__(self, axis=-1, mean=None, variance=None, **kwargs):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean and variance, or neither (got mean=%r, variance=%r)"
                             % (mean, variance))
        self.axis = axis
        self._given = None if mean is None else (mean, variance)
        self._adapted = None
        self.supports_masking = True

    def _stat_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None:
            raise ValueError("Normalization: the rank of the inputs must be known")
        kept = [a % len(dims) for a in _axes(self.axis)]
        for a in kept:
            if dims[a] is None:
                raise ValueError("Normalization: axis %d of the inputs must have a known size, got shape %s"
                                 % (a, shapes.as_shape(input_shape)))
        return [dims[a] if a in kept else 1 for a in range(len(dims))], kept

    def build(self, input_shape):
        shape, _ = self._stat_shape(input_shape)
        mean, variance = np.zeros(shape), np.ones(shape)
        if self._given is not None:
            mean, variance = (_fill(v, shape) for v in self._given)
        if self._adapted is not None:
            mean, variance = self._adapted
        self.mean = self.add_weight("mean", shape, initializer=initializers.constant(np.array(mean)),
                                    trainable=False)
        self.variance = self.add_weight("variance", shape, initializer=initializers.constant(np.array(variance)),
                                        trainable=False)
        self.built = True

    def adapt(self, data, batch_size=None, steps=None):
        """Sets the mean and variance from ``data``: an array, or an iterable of batches (e.g. a Dataset).

        Example:
            >>> norm.adapt(np.array([[1.0], [3.0]]))      # mean 2, variance 1
        """
        batches = [data] if isinstance(data, np.ndarray) or not hasattr(data, "__iter__") or \
            isinstance(data, (list, tuple)) else data
        count, mean, m2, kept = 0, None, None, None
        for i, batch in enumerate(batches):
            if steps is not None and i >= steps:
                break
            batch = np.asarray(batch, dtype=np.float64)
            if kept is None:
                shape, kept = self._stat_shape(batch.shape)
                reduce = tuple(a for a in range(batch.ndim) if a not in kept)
            n = int(np.prod([batch.shape[a] for a in reduce]))
            b_mean = batch.mean(axis=reduce, keepdims=True)
            b_m2 = ((batch - b_mean) ** 2).sum(axis=reduce, keepdims=True)
            if mean is None:
                count, mean, m2 = n, b_mean, b_m2
            else:
                delta = b_mean - mean
                total = count + n
                mean = mean + delta * n / total
                m2 = m2 + b_m2 + delta ** 2 * count * n / total
                count = total
        if mean is None:
            raise ValueError("Normalization.adapt: the data is empty")
        self._adapted = (mean, m2 / count)
        if self.built:
            session = get_session(self.mean.graph)
            self.mean.load(np.broadcast_to(mean, self.mean.shape.as_list()), session)
            self.variance.load(np.broadcast_to(m2 / count, self.variance.shape.as_list()), session)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        mean, variance = math_ops.cast(self.mean, x.dtype), math_ops.cast(self.variance, x.dtype)
        return (x - mean) / math_ops.maximum(sqrt(variance), math_ops.cast(_EPSILON, x.dtype))

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        config = dict(super().get_config(), axis=self.axis)
        if self._given is not None:
            config["mean"], config["variance"] = (np.asarray(v).tolist() for v in self._given)
        return config
