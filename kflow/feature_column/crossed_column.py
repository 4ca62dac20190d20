"""``crossed_column``: every combination of the values of several categorical features, hashed into buckets.

The hash is TF's (``sparse_cross_hashed``): starting from ``hash_key``, each crossed value is chained in with
``FingerprintCat64``; a string value enters as its ``Fingerprint64``, an integer value (or a categorical
column's id) as itself. So a cross lands in the same bucket as under TF.

Example:
    >>> cross = crossed_column(["education", bucketized_column(age, [30, 50])], hash_bucket_size=1000)
"""
import itertools

import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.string_hash_ops import DEFAULT_CROSS_HASH_KEY, fingerprint_cat64, fingerprints
from kflow.feature_column.column_base import CategoricalColumn, IdBatch, valid_id_weights
from kflow.feature_column.numeric_columns import BucketizedColumn
from kflow.data.example import VarLenFeature



def _cross_kernel(*arrays, num_buckets, hash_key):
    """``arrays``: per crossed input its values ``[batch, n_i]`` then its weights ``[batch, n_i]``."""
    k = len(arrays) // 2
    values, weights = arrays[:k], arrays[k:]
    keys = [fingerprints(v).astype(object) if v.dtype == object else v.astype(np.int64).astype(np.uint64)
            .astype(object) for v in values]
    batch = values[0].shape[0]
    width = int(np.prod([v.shape[1] for v in values]))
    ids = np.empty((batch, width), np.int64)
    out_weights = np.empty((batch, width), np.float32)
    for b in range(batch):
        # TF's product order: the last input varies fastest
        for j, combo in enumerate(itertools.product(*[range(v.shape[1]) for v in values])):
            h = hash_key
            w = 1.0
            for key, weight, i in zip(keys, weights, combo):
                h = fingerprint_cat64(h, int(key[b, i]))
                w *= float(weight[b, i])
            ids[b, j] = h % num_buckets if w != 0.0 else -1
            out_weights[b, j] = w
    return ids, out_weights


# TF's op for this product of sparse rows (``tf.sparse.cross_hashed``); Keras HashedCrossing's elementwise
# cross is string_hash_ops' "HashedCross"
SPARSE_CROSS_HASHED = OpDef("SparseCrossHashed", _cross_kernel, grad=None, host_only=True)


def _raw_weights(raw):
    """float32 [batch, n] of a raw feature: 0 where it is missing (b"" or -1)."""
    return np.vectorize(len, otypes=[np.float32])(raw).astype(bool).astype(np.float32) if raw.dtype == object \
        else (raw != -1).astype(np.float32)


RAW_WEIGHTS = OpDef("MissingValueWeights", _raw_weights, grad=None, host_only=True)


class CrossedColumn(CategoricalColumn):
    """See :func:`crossed_column`."""

    def __init__(self, keys, hash_bucket_size, hash_key):
        self.keys, self.hash_bucket_size, self.hash_key = keys, hash_bucket_size, hash_key

    name = property(lambda self: "_X_".join(sorted(k if isinstance(k, str) else k.name for k in self.keys)))
    num_buckets = property(lambda self: self.hash_bucket_size)

    @property
    def parse_example_spec(self):
        spec = {}
        for key in self.keys:
            spec.update({key: VarLenFeature(dtypes.string)} if isinstance(key, str) else key.parse_example_spec)
        return spec

    def transform(self, cache):
        values, weights = [], []
        for key in self.keys:
            if isinstance(key, str):
                raw = cache.get(key)
                if not (raw.dtype is dtypes.string or raw.dtype.is_integer):
                    raise ValueError("crossed_column %r: feature %r must be string or integer, got %s"
                                     % (self.name, key, raw.dtype.name))
                values.append(raw)
                weights.append(make_op(RAW_WEIGHTS, [raw], [(dtypes.float32, raw.shape)]).outputs[0])
            else:
                ids, w = key.id_batch(cache)
                values.append(ids)
                weights.append(w)
        batch = values[0].shape.as_list()[0]
        widths = [v.shape.as_list()[1] for v in values]
        width = int(np.prod(widths)) if all(w is not None for w in widths) else None
        ids, w = make_op(SPARSE_CROSS_HASHED, values + weights, [(dtypes.int64, [batch, width]),
                                                         (dtypes.float32, [batch, width])], None,
                         params={"num_buckets": self.hash_bucket_size, "hash_key": self.hash_key}).outputs
        return IdBatch(ids, w * valid_id_weights(ids))


def crossed_column(keys, hash_bucket_size, hash_key=None):
    """The hashed cross of ``keys``: feature keys (string or integer features) and categorical columns
    (bucketized, vocabulary, identity, hash-bucket, other crosses' inputs). ``num_buckets`` is
    ``hash_bucket_size``.

    Raises:
        ValueError: fewer than two keys, a key of the wrong kind, or a bad ``hash_bucket_size``.
    """
    given, keys = list(keys), []
    if len(given) < 2:
        raise ValueError("crossed_column needs at least 2 keys, got %s" % (given,))
    for key in given:
        if isinstance(key, CrossedColumn):
            keys.extend(key.keys)  # as TF: a cross of a cross crosses all their inputs
        elif isinstance(key, (str, CategoricalColumn, BucketizedColumn)):
            keys.append(key)
        else:
            raise ValueError("crossed_column: keys must be feature keys or categorical columns, got %r" % (key,))
    if hash_bucket_size is None or hash_bucket_size < 1:
        raise ValueError("crossed_column: hash_bucket_size must be >= 1, got %r" % (hash_bucket_size,))
    return CrossedColumn(tuple(keys), int(hash_bucket_size), DEFAULT_CROSS_HASH_KEY if hash_key is None else hash_key)
