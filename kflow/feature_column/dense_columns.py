"""Dense views of categorical columns: ``indicator_column`` (multi-hot counts) and ``embedding_column``
(a trainable ``[num_buckets, dimension]`` table combined over each example's ids).

Both read a categorical column's :class:`IdBatch` (ids and weights ``[batch, n]``); missing ids have weight 0,
so they add nothing (TF's sparse ops skip them).

Example:
    >>> color_onehot = indicator_column(categorical_column_with_vocabulary_list("color", ["r", "g", "b"]))
    >>> city_vec = embedding_column(categorical_column_with_hash_bucket("city", 1000), dimension=8)
"""
import math

from kflow.engine import dtypes
from kflow.engine.ops.array_ops import one_hot
from kflow.engine.ops.embedding_ops import embedding_lookup
from kflow.engine.ops.math_ops import maximum
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.ops.unary_math_ops import sqrt
from kflow.initializers import TruncatedNormal
from kflow.engine.graph import add_to_collection, get_collection
from kflow.layers.variable_scope import get_variable
from kflow.feature_column.column_base import CategoricalColumn, DenseColumn

COMBINERS = ("mean", "sqrtn", "sum")


def combine(rows, weights, combiner):
    """Weighted ``rows [batch, n, d]`` reduced over n by ``combiner`` (TF's embedding_lookup_sparse rules)."""
    w = expand_dims(weights, -1)
    total = reduce_sum(rows * w, axis=1)
    if combiner == "sum":
        return total
    if combiner == "mean":
        norm = reduce_sum(w, axis=1)
    else:
        norm = sqrt(reduce_sum(w * w, axis=1))
    # an example without ids combines to zeros, as TF's safe_embedding_lookup_sparse
    return total / maximum(norm, 1e-12)


class IndicatorColumn(DenseColumn):
    """See :func:`indicator_column`."""

    def __init__(self, categorical_column):
        self.categorical_column = categorical_column

    name = property(lambda self: self.categorical_column.name + "_indicator")
    dimension = property(lambda self: self.categorical_column.num_buckets)
    parse_example_spec = property(lambda self: self.categorical_column.parse_example_spec)

    def transform(self, cache):
        ids, weights = self.categorical_column.id_batch(cache)
        hot = one_hot(ids, self.dimension, dtype=dtypes.float32)  # an id of -1 is a row of zeros
        return reduce_sum(hot * expand_dims(weights, -1), axis=1)


def indicator_column(categorical_column):
    """The multi-hot ``[batch, num_buckets]`` of a categorical column: each id's (weighted) count."""
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError("indicator_column needs a categorical column, got %r" % (categorical_column,))
    return IndicatorColumn(categorical_column)


class EmbeddingColumn(DenseColumn):
    """See :func:`embedding_column`."""

    def __init__(self, categorical_column, dimension, combiner, initializer, max_norm, trainable):
        self.categorical_column, self._dimension, self.combiner = categorical_column, dimension, combiner
        self.initializer, self.max_norm, self.trainable = initializer, max_norm, trainable

    name = property(lambda self: self.categorical_column.name + "_embedding")
    dimension = property(lambda self: self._dimension)
    parse_example_spec = property(lambda self: self.categorical_column.parse_example_spec)

    def transform(self, cache):
        return self.categorical_column.id_batch(cache)

    def dense_tensor(self, cache, trainable=True):
        ids, weights = cache.get(self)
        # input_layer opens the column's scope, so the table is ".../<column>_embedding/embedding_weights" as TF's
        table = get_variable("embedding_weights", [self.categorical_column.num_buckets, self._dimension],
                             dtype=dtypes.float32, initializer=self.initializer,
                             trainable=self.trainable and trainable)
        rows = embedding_lookup(table, maximum(ids, 0), max_norm=self.max_norm)  # missing ids weigh 0
        return combine(rows, weights, self.combiner)


def embedding_column(categorical_column, dimension, combiner="mean", initializer=None, ckpt_to_load_from=None,
                     tensor_name_in_ckpt=None, max_norm=None, trainable=True):
    """A trainable embedding of a categorical column, ``[batch, dimension]``: the ``combiner`` ("mean", "sqrtn"
    or "sum") of the rows of the example's ids. The table is initialized from a truncated normal with standard
    deviation ``1/sqrt(dimension)`` unless ``initializer`` is given.

    Raises:
        ValueError: bad dimension or combiner, or checkpoint arguments (use kf.train.init_from_checkpoint).
    """
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError("embedding_column needs a categorical column, got %r" % (categorical_column,))
    if dimension is None or dimension < 1:
        raise ValueError("embedding_column %r: dimension must be >= 1, got %r" % (categorical_column.name,
                                                                                dimension))
    if combiner not in COMBINERS:
        raise ValueError("embedding_column %r: combiner must be one of %s, got %r" % (categorical_column.name,
                                                                                    COMBINERS, combiner))
    if ckpt_to_load_from is not None or tensor_name_in_ckpt is not None:
        raise ValueError("embedding_column %r: ckpt_to_load_from is not supported; load the table with "
                         "kf.train.init_from_checkpoint instead" % categorical_column.name)
    if initializer is None:
        initializer = TruncatedNormal(mean=0.0, stddev=1.0 / math.sqrt(dimension))
    elif not callable(initializer):
        raise ValueError("embedding_column %r: initializer must be callable, got %r" % (categorical_column.name,
                                                                                      initializer))
    return EmbeddingColumn(categorical_column, int(dimension), combiner, initializer, max_norm, trainable)



class SharedEmbeddingColumn(EmbeddingColumn):
    """See :func:`shared_embedding_columns`: an embedding column whose table lives in a graph collection."""

    def __init__(self, categorical_column, dimension, combiner, initializer, max_norm, trainable, collection_name,
                 num_buckets):
        super().__init__(categorical_column, dimension, combiner, initializer, max_norm, trainable)
        self.collection_name, self._table_rows = collection_name, num_buckets

    name = property(lambda self: self.categorical_column.name + "_shared_embedding")
    var_scope_name = property(lambda self: self.collection_name)

    def dense_tensor(self, cache, trainable=True):
        ids, weights = cache.get(self)
        shared = get_collection(self.collection_name)
        if shared:  # a column sharing the table built it already in this graph
            table = shared[0]
        else:
            table = get_variable("embedding_weights", [self._table_rows, self._dimension], dtype=dtypes.float32,
                                 initializer=self.initializer, trainable=self.trainable and trainable)
            add_to_collection(self.collection_name, table)
        rows = embedding_lookup(table, maximum(ids, 0), max_norm=self.max_norm)
        return combine(rows, weights, self.combiner)


def shared_embedding_columns(categorical_columns, dimension, combiner="mean", initializer=None,
                             shared_embedding_collection_name=None, ckpt_to_load_from=None,
                             tensor_name_in_ckpt=None, max_norm=None, trainable=True):
    """Embedding columns of several categorical columns of equal ``num_buckets`` that share one table
    (``tf.feature_column.shared_embedding_columns``). The table is ``<scope>/<collection>/embedding_weights``
    with the collection named ``"_".join(sorted column names) + "_shared_embedding"`` unless given.

    Raises:
        ValueError: fewer than one column, columns of different num_buckets, or a bad dimension / combiner.
    """
    columns = list(categorical_columns)
    if not columns:
        raise ValueError("shared_embedding_columns needs at least one categorical column")
    buckets = {c.num_buckets for c in columns if isinstance(c, CategoricalColumn)}
    if len(buckets) != 1 or not all(isinstance(c, CategoricalColumn) for c in columns):
        raise ValueError("shared_embedding_columns needs categorical columns with one num_buckets, got %r"
                         % (columns,))
    name = shared_embedding_collection_name or "_".join(sorted(c.name for c in columns)) + "_shared_embedding"
    # embedding_column checks the arguments and picks the default initializer once for the shared table
    checked = embedding_column(columns[0], dimension, combiner, initializer, ckpt_to_load_from, tensor_name_in_ckpt,
                               max_norm, trainable)
    rows = buckets.pop()
    return [SharedEmbeddingColumn(c, checked.dimension, combiner, checked.initializer, max_norm, trainable, name, rows)
            for c in columns]
