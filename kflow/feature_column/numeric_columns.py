"""``numeric_column`` (a float feature as is) and ``bucketized_column`` (a numeric feature cut at boundaries).

Example:
    >>> age = numeric_column("age")
    >>> age_buckets = bucketized_column(age, boundaries=[18, 25, 30, 35, 40, 45, 50, 55, 60, 65])
    >>> input_layer({"age": ages}, [age, age_buckets])        # [batch, 1 + 11]
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops import reshape_ops
from kflow.engine.ops.array_ops import one_hot
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.math_ops import add
from kflow.feature_column.column_base import CategoricalColumn, DenseColumn, IdBatch
from kflow.data.example import FixedLenFeature


def _shape_tuple(shape, who):
    shape = (int(shape),) if np.ndim(shape) == 0 else tuple(int(d) for d in shape)
    if not shape or any(d < 1 for d in shape):
        raise ValueError("%s: shape dimensions must be positive integers, got %s" % (who, shape))
    return shape


class NumericColumn(DenseColumn):
    """See :func:`numeric_column`."""

    def __init__(self, key, shape, default_value, dtype, normalizer_fn):
        self.key, self.shape, self.default_value, self.dtype = key, shape, default_value, dtype
        self.normalizer_fn = normalizer_fn

    name = property(lambda self: self.key)
    dimension = property(lambda self: int(np.prod(self.shape)))

    @property
    def parse_example_spec(self):
        return {self.key: FixedLenFeature(self.shape, self.dtype, self.default_value)}

    def transform(self, cache):
        raw = cache.get(self.key)
        if raw.dtype is dtypes.string:
            raise ValueError("numeric_column %r: feature %r is a string tensor; numeric columns need numbers "
                             "(parse the strings first, e.g. with kf.strings.to_number)." % (self.key, self.key))
        value = cast(raw, dtypes.float32)
        if self.normalizer_fn is not None:
            value = self.normalizer_fn(value)
        width = value.shape.as_list()[1] if value.shape.ndims == 2 else None
        if width is not None and width != self.dimension:
            raise ValueError("numeric_column %r expects %d values per example (shape %s), the feature has %d."
                             % (self.key, self.dimension, self.shape, width))
        return value


def numeric_column(key, shape=(1,), default_value=None, dtype=dtypes.float32, normalizer_fn=None):
    """A real-valued feature ``key`` (``tf.feature_column.numeric_column``).

    Args:
        key: the feature's key in the features dict.
        shape: per-example shape; the column's output is ``[batch, prod(shape)]``.
        default_value: the value parsing fills in for absent features (``make_parse_example_spec``).
        dtype: a float or integer dtype (values are cast to float32).
        normalizer_fn: applied to the feature tensor, e.g. ``lambda x: (x - mean) / std``.

    Raises:
        ValueError: bad key, shape, dtype or default value; TypeError: ``normalizer_fn`` is not callable.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("numeric_column: key must be a non-empty string, got %r" % (key,))
    shape = _shape_tuple(shape, "numeric_column %r" % key)
    dtype = dtypes.as_dtype(dtype)
    if not (dtype.is_floating or dtype.is_integer):
        raise ValueError("numeric_column %r: dtype must be convertible to float, got %s" % (key, dtype.name))
    if default_value is not None:
        default_value = np.broadcast_to(np.asarray(default_value, dtype.as_numpy_dtype), shape)
        default_value = tuple(default_value.reshape(-1).tolist())
    if normalizer_fn is not None and not callable(normalizer_fn):
        raise TypeError("numeric_column %r: normalizer_fn must be callable, got %r" % (key, normalizer_fn))
    return NumericColumn(key, shape, default_value, dtype, normalizer_fn)


def _bucketize_kernel(x, boundaries):
    # TF's Bucketize: the number of boundaries <= x
    xp = devices.array_module(x)
    return xp.searchsorted(xp.asarray(boundaries, x.dtype), x, side="right").astype(np.int64)


BUCKETIZE = OpDef("Bucketize", _bucketize_kernel, grad=None)


def bucketize(x, boundaries, name=None):
    """int64 bucket index of each element of ``x``: how many ``boundaries`` are <= it (TF's Bucketize)."""
    return make_op(BUCKETIZE, [x], [(dtypes.int64, x.shape)], name,
                   params={"boundaries": tuple(float(b) for b in boundaries)}).outputs[0]


class BucketizedColumn(DenseColumn, CategoricalColumn):
    """See :func:`bucketized_column`."""

    def __init__(self, source_column, boundaries):
        self.source_column, self.boundaries = source_column, boundaries

    name = property(lambda self: self.source_column.name + "_bucketized")
    parse_example_spec = property(lambda self: self.source_column.parse_example_spec)
    dimension = property(lambda self: self.source_column.dimension * (len(self.boundaries) + 1))
    num_buckets = dimension

    def transform(self, cache):
        return bucketize(cache.get(self.source_column), self.boundaries)

    def dense_tensor(self, cache, trainable=True):
        buckets = cache.get(self)
        return reshape_ops.reshape(one_hot(buckets, len(self.boundaries) + 1, dtype=dtypes.float32),
                                   [-1, self.dimension])

    def id_batch(self, cache):
        # element i of the source lands in ids [i * (len(boundaries) + 1), (i + 1) * (len(boundaries) + 1))
        buckets = cache.get(self)
        offsets = np.arange(self.source_column.dimension, dtype=np.int64) * (len(self.boundaries) + 1)
        ids = add(buckets, offsets)
        return IdBatch(ids, cast(ids >= 0, dtypes.float32))


def bucketized_column(source_column, boundaries):
    """Buckets of a :func:`numeric_column` cut at sorted ``boundaries`` (``tf.feature_column.bucketized_column``).

    Bucket ``i`` holds values in ``[boundaries[i-1], boundaries[i])``. As a dense column it is the one-hot of each
    value's bucket (``[batch, dimension * (len(boundaries) + 1)]``); as a categorical column (for crosses,
    embeddings, linear models) each value is one id.

    Raises:
        ValueError: ``source_column`` is not a numeric_column, or ``boundaries`` are not sorted.
    """
    if not isinstance(source_column, NumericColumn):
        raise ValueError("bucketized_column: source_column must be a numeric_column, got %r" % (source_column,))
    boundaries = [float(b) for b in boundaries]
    if not boundaries or any(b >= c for b, c in zip(boundaries, boundaries[1:])):
        raise ValueError("bucketized_column %r: boundaries must be a non-empty sorted list, got %s"
                         % (source_column.name, boundaries))
    return BucketizedColumn(source_column, tuple(boundaries))
