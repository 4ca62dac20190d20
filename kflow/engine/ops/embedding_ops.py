"""embedding_lookup: rows of an embedding table (or of a table sharded into several tensors) by id.

The gradient is the gather gradient: a dense scatter-add into a zero table (repeated ids add up).

Example:
    >>> table = kf.get_variable("emb", [10000, 64])
    >>> vectors = kf.nn.embedding_lookup(table, word_ids)        # word_ids.shape + [64]
"""
import numpy as np

from kflow.engine.operation import build_error
from kflow.engine.ops import math_ops
from kflow.engine.ops.clip_ops import clip_by_norm
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import convert_to_tensor, constant
from kflow.engine.ops.gather_ops import gather


def _shard_rows(shards, name, ids):
    rows = []
    for s in shards:
        d = s.shape.dims
        if d is None or d[0] is None:
            raise build_error("ResourceGather", name, shards + [ids], "embedding_lookup: with several shards, each "
                              "shard's first dimension must be known when the graph is built, got %s" % s.shape)
        rows.append(d[0])
    return rows


def _sharded_ids(ids, rows, strategy, name, shards):
    """Maps ids to row numbers in the concatenation of the shards (TF's "mod" or "div" assignment)."""
    p, total = len(rows), sum(rows)
    offsets = np.concatenate([[0], np.cumsum(rows)[:-1]])
    if strategy == "div":
        # ids are split into p contiguous ranges whose sizes match the shards: concatenation order
        return ids
    if strategy != "mod":
        raise build_error("ResourceGather", name, shards + [ids], "embedding_lookup: partition_strategy must be "
                          "'mod' or 'div', got %r" % (strategy,))
    expected = [total // p + (1 if i < total % p else 0) for i in range(p)]
    if rows != expected:
        raise build_error("ResourceGather", name, shards + [ids], "embedding_lookup: with partition_strategy='mod' "
                          "shard sizes must be %s for %d ids, got %s" % (expected, total, rows))
    # id lives in shard id % p at row id // p
    off = constant(offsets.astype(ids.dtype.as_numpy_dtype))
    return gather(off, math_ops.mod(ids, p)) + math_ops.floordiv(ids, p)


def embedding_lookup(params, ids, partition_strategy="mod", name=None, validate_indices=True, max_norm=None):
    """``params[ids]``: rows of ``params`` (a tensor, a variable, or a list of shards) for integer ``ids``.

    Args:
        params: the table, or a list of tables sharded by ``partition_strategy`` ("mod": id ``i`` is row
            ``i // n`` of shard ``i % n``; "div": shards hold contiguous id ranges).
        ids: int32/int64 tensor of any shape.
        max_norm: when given, rows with a larger L2 norm are scaled down to it.

    Returns:
        A tensor of shape ``ids.shape + params.shape[1:]``.

    Example:
        >>> kf.nn.embedding_lookup([[0.0, 1.0], [2.0, 3.0]], [1, 1, 0])   # [[2, 3], [2, 3], [0, 1]]
    """
    shards = [convert_to_tensor(p) for p in (params if isinstance(params, (list, tuple)) else [params])]
    if not shards:
        raise ValueError("embedding_lookup: params must not be empty")
    ids = convert_to_tensor(ids)
    if not ids.dtype.is_integer:
        raise build_error("ResourceGather", name, shards + [ids], "embedding_lookup: ids must be int32 or int64, "
                          "got %s" % ids.dtype.name, TypeError)
    if len(shards) == 1:
        table = shards[0]
    else:
        rows = _shard_rows(shards, name, ids)
        ids = _sharded_ids(ids, rows, partition_strategy, name, shards)
        table = concat(shards, 0)
    out = gather(table, ids, name=name or "embedding_lookup")
    if max_norm is not None:
        rank = out.shape.ndims
        if rank is None or ids.shape.ndims is None:
            raise build_error("ResourceGather", name, shards + [ids], "embedding_lookup: max_norm needs ids and "
                              "params of known rank")
        out = clip_by_norm(out, max_norm, axes=list(range(ids.shape.ndims, rank)))
    return out
