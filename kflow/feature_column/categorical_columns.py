"""Categorical columns: string or integer features -> ids (vocabulary list/file, identity, hash buckets), and
ids weighted by another feature.

Each lookup is one host op over the batch (strings never go to a GPU). Missing values (``b""``, ``-1``) become id
-1 (weight 0); out-of-vocabulary values get ``default_value`` or, with ``num_oov_buckets``, the bucket
``vocabulary_size + Fingerprint64(value) % num_oov_buckets`` as TF (integers are hashed as their decimal string).

Example:
    >>> color = categorical_column_with_vocabulary_list("color", ["red", "green", "blue"], num_oov_buckets=2)
    >>> city = categorical_column_with_hash_bucket("city", hash_bucket_size=1000)
"""
import functools
import os

import numpy as np

from kflow import errors
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.string_hash_ops import fingerprints
from kflow.engine.ops.string_ops import as_bytes
from kflow.feature_column.column_base import CategoricalColumn, IdBatch, valid_id_weights
from kflow.data.example import VarLenFeature


def _check_key(key, who):
    if not isinstance(key, str) or not key:
        raise ValueError("%s: key must be a non-empty string, got %r" % (who, key))


def _missing(flat):
    if flat.dtype == object:
        return np.array([len(v) == 0 for v in flat], dtype=bool)
    return flat == -1


def _as_hash_input(flat):
    """Strings as they are; integers as their decimal strings (TF's as_string before hashing)."""
    if flat.dtype == object:
        return flat
    return np.array([str(int(v)).encode() for v in flat], dtype=object)


def _oov_buckets(flat, first, num_oov_buckets):
    return first + (fingerprints(_as_hash_input(flat)) % np.uint64(num_oov_buckets)).astype(np.int64)


@functools.lru_cache(maxsize=64)
def _table(vocabulary):
    return {(as_bytes(v) if isinstance(v, str) else v): i for i, v in enumerate(vocabulary)}


def _vocabulary_kernel(x, vocabulary, default_value, num_oov_buckets, column):
    flat = np.asarray(x).reshape(-1)
    table = _table(vocabulary)
    is_string = flat.dtype == object
    if is_string:
        ids = np.array([table.get(as_bytes(v), -2) for v in flat], dtype=np.int64)
    else:
        ids = np.array([table.get(int(v), -2) for v in flat], dtype=np.int64)
    oov = ids == -2
    if oov.any():
        ids[oov] = (_oov_buckets(flat[oov], len(vocabulary), num_oov_buckets) if num_oov_buckets
                    else default_value)
    ids[_missing(flat)] = -1
    return ids.reshape(np.shape(x))


def _identity_kernel(x, num_buckets, default_value, column):
    ids = np.asarray(x).astype(np.int64)
    bad = ((ids < 0) | (ids >= num_buckets)) & (ids != -1)
    if bad.any():
        if default_value is None:
            raise errors.InvalidArgumentError(
                None, None, "categorical_column_with_identity %r: id %d is not in [0, %d) and the column has no "
                "default_value" % (column, int(ids[bad][0]), num_buckets))
        ids = np.where(bad, default_value, ids)
    return ids


def _hash_kernel(x, hash_bucket_size, column):
    flat = np.asarray(x).reshape(-1)
    ids = _oov_buckets(flat, 0, hash_bucket_size)
    ids[_missing(flat)] = -1
    return ids.reshape(np.shape(x))


VOCABULARY_LOOKUP = OpDef("VocabularyLookup", _vocabulary_kernel, grad=None, host_only=True)
IDENTITY_IDS = OpDef("IdentityIds", _identity_kernel, grad=None, host_only=True)
HASH_BUCKET_IDS = OpDef("HashBucketIds", _hash_kernel, grad=None, host_only=True)


def _raw_categorical(cache, key, dtype, who):
    raw = cache.get(key)
    if (raw.dtype is dtypes.string) != (dtype is dtypes.string) or not (raw.dtype is dtypes.string or
                                                                         raw.dtype.is_integer):
        raise ValueError("%s: feature %r has dtype %s, the column expects %s." % (who, key, raw.dtype.name,
                                                                                 dtype.name))
    return raw


class _SingleKeyColumn(CategoricalColumn):
    """A categorical column of one feature ``key`` whose ids one host op computes."""

    op_def = None
    who = None

    def __init__(self, key, dtype, buckets, **params):
        self.key, self.dtype, self._num_buckets, self.params = key, dtype, buckets, params

    name = property(lambda self: self.key)
    num_buckets = property(lambda self: self._num_buckets)
    parse_example_spec = property(lambda self: {self.key: VarLenFeature(self.dtype)})

    def transform(self, cache):
        raw = _raw_categorical(cache, self.key, self.dtype, "%s %r" % (self.who, self.key))
        ids = make_op(self.op_def, [raw], [(dtypes.int64, raw.shape)], None,
                      params=dict(self.params, column=self.key)).outputs[0]
        return IdBatch(ids, valid_id_weights(ids))


class VocabularyColumn(_SingleKeyColumn):
    op_def, who = VOCABULARY_LOOKUP, "vocabulary column"


class IdentityColumn(_SingleKeyColumn):
    op_def, who = IDENTITY_IDS, "categorical_column_with_identity"


class HashedColumn(_SingleKeyColumn):
    op_def, who = HASH_BUCKET_IDS, "categorical_column_with_hash_bucket"


def _key_dtype(dtype, vocabulary, who):
    if dtype is None:
        dtype = dtypes.string if all(isinstance(v, (str, bytes)) for v in vocabulary) else dtypes.int64
    dtype = dtypes.as_dtype(dtype)
    if not (dtype is dtypes.string or dtype.is_integer):
        raise ValueError("%s: dtype must be string or integer, got %s" % (who, dtype.name))
    return dtype


def _vocabulary_column(key, vocabulary, dtype, default_value, num_oov_buckets, who):
    _check_key(key, who)
    if not vocabulary:
        raise ValueError("%s %r: the vocabulary is empty" % (who, key))
    dtype = _key_dtype(dtype, vocabulary, who)
    if dtype is dtypes.string:
        vocabulary = tuple(v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in vocabulary)
    else:
        vocabulary = tuple(int(v) for v in vocabulary)
    if len(set(vocabulary)) != len(vocabulary):
        raise ValueError("%s %r: duplicate keys in the vocabulary" % (who, key))
    if num_oov_buckets < 0:
        raise ValueError("%s %r: num_oov_buckets must be >= 0, got %d" % (who, key, num_oov_buckets))
    if num_oov_buckets and default_value != -1:
        raise ValueError("%s %r: give default_value or num_oov_buckets, not both" % (who, key))
    if not -1 <= default_value < len(vocabulary):
        raise ValueError("%s %r: default_value must be -1 or in [0, %d), got %d" % (who, key, len(vocabulary),
                                                                                   default_value))
    return VocabularyColumn(key, dtype, len(vocabulary) + num_oov_buckets, vocabulary=vocabulary,
                            default_value=int(default_value), num_oov_buckets=int(num_oov_buckets))


def categorical_column_with_vocabulary_list(key, vocabulary_list, dtype=None, default_value=-1, num_oov_buckets=0):
    """Ids of a string or integer feature by its position in ``vocabulary_list``.

    Out-of-vocabulary values get ``default_value`` (-1: missing) or one of ``num_oov_buckets`` hash buckets
    after the vocabulary. ``num_buckets`` is ``len(vocabulary_list) + num_oov_buckets``.
    """
    return _vocabulary_column(key, list(vocabulary_list), dtype, default_value, num_oov_buckets,
                              "categorical_column_with_vocabulary_list")


def categorical_column_with_vocabulary_file(key, vocabulary_file, vocabulary_size=None, num_oov_buckets=0,
                                            default_value=None, dtype=dtypes.string):
    """As :func:`categorical_column_with_vocabulary_list`, with the vocabulary one per line in a text file
    (the first ``vocabulary_size`` lines when given)."""
    who = "categorical_column_with_vocabulary_file"
    if not vocabulary_file or not os.path.exists(vocabulary_file):
        raise ValueError("%s %r: vocabulary_file %r does not exist" % (who, key, vocabulary_file))
    with open(vocabulary_file, "rb") as f:
        lines = [line.rstrip(b"\r\n") for line in f]
    if vocabulary_size is not None:
        if vocabulary_size < 1 or vocabulary_size > len(lines):
            raise ValueError("%s %r: vocabulary_size %d is not in [1, %d] (lines of %s)"
                             % (who, key, vocabulary_size, len(lines), vocabulary_file))
        lines = lines[:vocabulary_size]
    dtype = dtypes.as_dtype(dtype)
    vocabulary = lines if dtype is dtypes.string else [int(v) for v in lines]
    return _vocabulary_column(key, vocabulary, dtype, -1 if default_value is None else default_value,
                              num_oov_buckets, who)


def categorical_column_with_identity(key, num_buckets, default_value=None):
    """An integer feature used as the id itself, in ``[0, num_buckets)``; other values get ``default_value``
    (None: an InvalidArgumentError when run)."""
    who = "categorical_column_with_identity"
    _check_key(key, who)
    if num_buckets < 1:
        raise ValueError("%s %r: num_buckets must be >= 1, got %r" % (who, key, num_buckets))
    if default_value is not None and not 0 <= default_value < num_buckets:
        raise ValueError("%s %r: default_value %r is not in [0, %d)" % (who, key, default_value, num_buckets))
    return IdentityColumn(key, dtypes.int64, int(num_buckets), num_buckets=int(num_buckets),
                          default_value=None if default_value is None else int(default_value))


def categorical_column_with_hash_bucket(key, hash_bucket_size, dtype=dtypes.string):
    """``Fingerprint64(value) % hash_bucket_size`` of a string feature (integers hashed as decimal strings)."""
    who = "categorical_column_with_hash_bucket"
    _check_key(key, who)
    if hash_bucket_size is None or hash_bucket_size < 1:
        raise ValueError("%s %r: hash_bucket_size must be >= 1, got %r" % (who, key, hash_bucket_size))
    dtype = _key_dtype(dtype, (), who)
    return HashedColumn(key, dtype, int(hash_bucket_size), hash_bucket_size=int(hash_bucket_size))


class WeightedCategoricalColumn(CategoricalColumn):
    """See :func:`weighted_categorical_column`."""

    def __init__(self, categorical_column, weight_feature_key, dtype):
        self.categorical_column, self.weight_feature_key, self.dtype = (categorical_column, weight_feature_key,
                                                                        dtype)

    name = property(lambda self: "%s_weighted_by_%s" % (self.categorical_column.name, self.weight_feature_key))
    num_buckets = property(lambda self: self.categorical_column.num_buckets)

    @property
    def parse_example_spec(self):
        return dict(self.categorical_column.parse_example_spec, **{self.weight_feature_key: VarLenFeature(
            self.dtype)})

    def transform(self, cache):
        ids, valid = self.categorical_column.id_batch(cache)
        weights = cache.get(self.weight_feature_key)
        if not weights.dtype.is_floating and not weights.dtype.is_integer:
            raise ValueError("weighted_categorical_column %r: weight feature %r must be numeric, got %s"
                             % (self.name, self.weight_feature_key, weights.dtype.name))
        return IdBatch(ids, valid * cast(weights, dtypes.float32))


def weighted_categorical_column(categorical_column, weight_feature_key, dtype=dtypes.float32):
    """Ids of ``categorical_column`` each weighted by the value at the same position of feature
    ``weight_feature_key`` (the weight of an embedding combiner, an indicator count, a linear term)."""
    if not isinstance(categorical_column, CategoricalColumn):
        raise ValueError("weighted_categorical_column needs a categorical column, got %r" % (categorical_column,))
    _check_key(weight_feature_key, "weighted_categorical_column")
    return WeightedCategoricalColumn(categorical_column, weight_feature_key, dtypes.as_dtype(dtype))

