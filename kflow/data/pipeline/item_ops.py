"""Element-agnostic transformations: ``shuffle``, ``repeat``, ``take``, ``skip``, ``shard``.

They only reorder or select elements, so each is written once over a
stream of opaque *items*: elements, or, over a slicing source
(``from_tensor_slices``), row indices. In the index case ``_indices`` may
also hand on a whole ``range`` / index array, which take / skip / shard
slice and a large shuffle permutes in one call; ``batch`` then gathers rows
with one fancy index per component.

Shuffle follows TF's buffer semantics: fill a buffer of ``buffer_size``
items, output a random one and put the next input item in its place.
Seeds follow TF1: an op ``seed`` and/or graph seed (``kf.set_random_seed``)
make the order reproducible; with ``reshuffle_each_iteration`` (the
default) each pass (each repeat epoch, each re-initialization, each Python
``for`` loop) draws a new order.

Example:
    >>> Dataset.range(10).shuffle(4, seed=1).repeat(2).take(15).shard(3, 0)
"""
import weakref
from itertools import islice

import numpy as np

from kflow import errors
from kflow.data.pipeline.context import scalar_int
from kflow.data.pipeline.dataset import Dataset
from kflow.engine import graph as graph_mod

DEFAULT_GRAPH_SEED = 87654321  # the same default as the random ops
_dataset_counters = weakref.WeakKeyDictionary()


def _is_sequence(items):
    return isinstance(items, (range, np.ndarray))


class ItemTransform(Dataset):
    """A transformation that selects / reorders items; subclasses implement ``_apply``."""

    def __init__(self, input_dataset, params=()):
        super().__init__([input_dataset], params=params)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _apply(self, make_input, ctx):
        """Items out, given ``make_input()`` -> the input items (a new pass per call)."""
        raise NotImplementedError

    def _index_source(self):
        return self._inputs[0]._index_source()

    def _indices(self, ctx):
        return self._apply(lambda: self._inputs[0]._indices(ctx), ctx)

    def _make_iterator(self, ctx):
        source = self._index_source()
        if source is not None:
            return source.rows(source._arrays(ctx), self._indices(ctx))
        return self._apply(lambda: self._inputs[0]._make_iterator(ctx), ctx)


def _count(ctx, value, what):
    n = scalar_int(ctx.resolve(value), what)
    if n < -1:
        raise errors.InvalidArgumentError(None, None, "%s must be -1 or non-negative, got %d" % (what, n))
    return n


class TakeDataset(ItemTransform):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset, [count])
        self._count = count

    def _apply(self, make_input, ctx):
        n = _count(ctx, self._count, "count")
        items = make_input()
        if n < 0:
            return items
        return items[:n] if _is_sequence(items) else islice(items, n)


class SkipDataset(ItemTransform):
    def __init__(self, input_dataset, count):
        super().__init__(input_dataset, [count])
        self._count = count

    def _apply(self, make_input, ctx):
        n = _count(ctx, self._count, "count")
        items = make_input()
        if n < 0:
            return iter(())
        return items[n:] if _is_sequence(items) else islice(items, n, None)


class ShardDataset(ItemTransform):
    def __init__(self, input_dataset, num_shards, index):
        for v, what in ((num_shards, "num_shards"), (index, "index")):
            if isinstance(v, int) and v < 0:
                raise ValueError("shard: %s must be non-negative, got %d" % (what, v))
        if isinstance(num_shards, int) and isinstance(index, int) and index >= num_shards:
            raise ValueError("shard: index (%d) must be less than num_shards (%d)" % (index, num_shards))
        super().__init__(input_dataset, [num_shards, index])
        self._num, self._index = num_shards, index

    def _apply(self, make_input, ctx):
        num = scalar_int(ctx.resolve(self._num), "num_shards")
        index = scalar_int(ctx.resolve(self._index), "index")
        if num <= 0 or not 0 <= index < num:
            raise errors.InvalidArgumentError(None, None, "shard: need 0 <= index < num_shards, got index %d and "
                                              "num_shards %d" % (index, num))
        items = make_input()
        return items[index::num] if _is_sequence(items) else islice(items, index, None, num)


class RepeatDataset(ItemTransform):
    def __init__(self, input_dataset, count=None):
        super().__init__(input_dataset, [count])
        self._count = count

    def _apply(self, make_input, ctx):
        n = -1 if self._count is None else _count(ctx, self._count, "count")
        return _repeat(make_input, n)


def _repeat(make_input, n):
    epoch = 0
    while n < 0 or epoch < n:
        produced = False
        for x in make_input():
            produced = True
            yield x
        if not produced:  # an empty input repeated forever is still empty
            return
        epoch += 1


class ShuffleDataset(ItemTransform):
    """Items drawn at random from a buffer of ``buffer_size`` (TF's semantics, see the module doc)."""

    def __init__(self, input_dataset, buffer_size, seed=None, reshuffle_each_iteration=None):
        if isinstance(buffer_size, int) and buffer_size <= 0:
            raise ValueError("buffer_size must be greater than zero, got %d" % buffer_size)
        super().__init__(input_dataset, [buffer_size, seed])
        self._buffer_size, self._seed = buffer_size, seed
        self._reshuffle = True if reshuffle_each_iteration is None else bool(reshuffle_each_iteration)
        g = graph_mod.get_default_graph()
        if g.seed is None and seed is None:
            # No seeds: a fresh order per pass, or one fixed random order when not reshuffling.
            self._base = None if self._reshuffle else [int(np.random.SeedSequence().entropy & (2 ** 63 - 1))]
        else:
            counter = _dataset_counters.get(g, 0)
            _dataset_counters[g] = counter + 1
            self._base = [DEFAULT_GRAPH_SEED if g.seed is None else int(g.seed),
                          counter if seed is None or hasattr(seed, "value_index") else int(seed)]

    def _describe(self):
        return "ShuffleDataset(buffer_size=%s)" % (getattr(self._buffer_size, "name", self._buffer_size),)

    def _rng(self, ctx):
        base = self._base
        if hasattr(self._seed, "value_index"):  # a seed tensor: resolved per iterator
            base = [base[0], scalar_int(ctx.resolve(self._seed), "seed")]
        if base is None:
            return np.random.default_rng()
        if not self._reshuffle:
            return np.random.default_rng(base)
        return np.random.default_rng(base + [ctx.next_epoch(("shuffle", id(self)))])

    def _apply(self, make_input, ctx):
        size = scalar_int(ctx.resolve(self._buffer_size), "buffer_size")
        if size <= 0:
            raise errors.InvalidArgumentError(None, None, "buffer_size must be greater than zero, got %d" % size)
        rng = self._rng(ctx)
        items = make_input()
        if _is_sequence(items) and size >= len(items):
            return np.asarray(items)[rng.permutation(len(items))]  # the whole input fits: a uniform permutation
        return shuffle_items(iter(items), size, rng)


def shuffle_items(source, buffer_size, rng):
    """TF's shuffle buffer over the iterator ``source``."""
    buf = list(islice(source, buffer_size))
    exhausted = len(buf) < buffer_size
    draws, k = [], 0
    while buf:
        if k == len(draws):
            draws, k = rng.random(1024).tolist(), 0
        i = int(draws[k] * len(buf))
        k += 1
        x = buf[i]
        if not exhausted:
            try:
                buf[i] = next(source)
            except StopIteration:
                exhausted = True
        if exhausted:
            buf[i] = buf[-1]
            buf.pop()
        yield x
