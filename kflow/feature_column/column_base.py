"""What every feature column is, and the per-call cache that turns a features dict into column outputs.

A column describes how one model input is made from raw features. Dense columns give a float tensor
``[batch, dimension]``; categorical columns give an :class:`IdBatch`: int64 ids ``[batch, n]`` and float32
weights ``[batch, n]``, where a weight of 0 marks a missing value (TF's SparseTensor leaves it out). Keeping ids
dense with a weight per slot lets indicator, embedding and linear columns reduce with plain dense ops, and a
``SparseTensor`` input (``parse_example`` with ``VarLenFeature``) becomes the same thing after ``to_dense``.

Missing values, as TF: ``b""`` in a string feature and ``-1`` in an integer one (what a SparseTensor's padding
becomes here), and any id below 0 (an out-of-vocabulary id with ``default_value=-1``).

Example:
    >>> cache = FeatureCache({"age": age, "city": city})
    >>> cache.get(numeric_column("age"))                # float32 [batch, 1]
"""
import collections

import numpy as np

from kflow.engine import dtypes
from kflow.engine.ops import reshape_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.comparison_ops import greater_equal
from kflow.engine.ops.shape_ops import expand_dims
from kflow.sparse import SparseTensor, to_dense
from kflow.sparse.sparse_tensor import is_sparse_value


class IdBatch(collections.namedtuple("IdBatch", ["ids", "weights"])):
    """A categorical column's output: int64 ``ids [batch, n]`` and float32 ``weights [batch, n]`` (0: missing)."""

    __slots__ = ()


class FeatureColumn:
    """Base of all columns: a ``name`` (sorts the columns and names their variables) and parse specs."""

    @property
    def name(self):
        raise NotImplementedError

    @property
    def var_scope_name(self):
        """The variable scope ``input_layer`` / ``linear_model`` open for this column (its name, as TF)."""
        return self.name

    @property
    def parse_example_spec(self):
        """``{feature key: FixedLenFeature / VarLenFeature}`` this column reads (``make_parse_example_spec``)."""
        raise NotImplementedError

    def transform(self, cache):
        """This column's output from the features in ``cache`` (called once per cache: see FeatureCache)."""
        raise NotImplementedError

    def __repr__(self):
        return "%s(%r)" % (type(self).__name__, self.name)


class DenseColumn(FeatureColumn):
    """A column whose output is a float tensor: ``dense_tensor`` is ``[batch, dimension]``."""

    @property
    def dimension(self):
        raise NotImplementedError

    def dense_tensor(self, cache, trainable=True):
        """``[batch, dimension]`` float32; columns with variables create them in the current variable scope."""
        return cache.get(self)


class CategoricalColumn(FeatureColumn):
    """A column of ids in ``[0, num_buckets)``: ``id_batch`` returns an :class:`IdBatch`."""

    @property
    def num_buckets(self):
        raise NotImplementedError

    def id_batch(self, cache):
        """The :class:`IdBatch` of this column (by default ``transform``'s output)."""
        return cache.get(self)


class FeatureCache:
    """One call's features and the outputs of the columns computed from them (each column built once).

    Args:
        features: dict of feature key -> Tensor, SparseTensor (or values convertible to tensors).
    """

    def __init__(self, features):
        if not isinstance(features, dict):
            raise TypeError("features must be a dict of feature key -> tensor; got %s" % type(features).__name__)
        self._features = features
        self._outputs = {}

    def get(self, key):
        """The output of column ``key``, or the raw feature ``key`` (a string) as a rank-2 tensor."""
        if key not in self._outputs:
            self._outputs[key] = self._raw(key) if isinstance(key, str) else key.transform(self)
        return self._outputs[key]

    def _raw(self, key):
        if key not in self._features:
            raise ValueError("The feature column needs feature %r, but the features dict has only %s."
                             % (key, sorted(self._features)))
        value = self._features[key]
        if is_sparse_value(value):
            value = SparseTensor.from_value(value)
        if isinstance(value, SparseTensor):
            # the padding becomes the missing value of the dtype, as TF's sparse ops skip absent entries
            value = to_dense(value, default_value=b"" if value.dtype is dtypes.string else -1)
        value = convert_to_tensor(value)
        rank = value.shape.ndims
        if rank == 0:
            raise ValueError("Feature %r is a scalar; features must have a batch dimension (got shape %s)."
                             % (key, value.shape))
        if rank == 1:
            return expand_dims(value, -1)
        if rank is None or rank > 2 and not value.shape[1:].is_fully_defined():
            raise ValueError("Feature %r has shape %s; a column needs rank 1 or 2, or known non-batch dimensions."
                             % (key, value.shape))
        if rank > 2:
            return reshape_ops.reshape(value, [-1, int(np.prod(value.shape.as_list()[1:]))])
        return value


def valid_id_weights(ids):
    """float32 weights: 0 for ids below 0 (missing, or out of vocabulary with default_value -1)."""
    return cast(greater_equal(ids, 0), dtypes.float32)
