"""Turns what the user passes to fit/evaluate/predict into batches of numpy arrays.

Two sources, one interface (``epoch(epoch_index)`` yields ``(arrays, batch_size)``):

* :class:`ArrayBatches` - in-memory arrays (numpy, lists, dicts by input name), sliced per
  batch, reshuffled each epoch;
* :class:`IterableBatches` - a ``kf.data.Dataset`` (iterating it yields numpy values) or any
  Python iterable / generator of ``(x, y)`` or ``(x, y, sample_weight)`` batches.

Example:
    >>> batches = ArrayBatches([x, y], batch_size=32, shuffle=True)
    >>> for arrays, size in batches.epoch(0):
    ...     xb, yb = arrays
"""
import itertools
import warnings

import numpy as np

from kflow.engine import process_world

WHOLE = -1  # batch_size meaning "all samples in one batch" (train_on_batch and friends)


def flatten_to(names, data, what="input"):
    """``data`` (array, list/tuple, or dict keyed by name) as a list of numpy arrays, one per name."""
    if data is None:
        return []
    if isinstance(data, dict):
        missing = [n for n in names if n not in data]
        if missing:
            raise ValueError("No data provided for %s %s; the dict has keys %s (the model expects %s)."
                             % (what, missing, sorted(data), names))
        return [np.asarray(data[n]) for n in names]
    if isinstance(data, (list, tuple)) and len(names) > 1:
        if len(data) != len(names):
            raise ValueError("The model expects %d %s arrays (%s) but got %d." % (len(names), what, names,
                                                                                  len(data)))
        return [np.asarray(d) for d in data]
    if len(names) != 1:
        raise ValueError("The model expects %d %s arrays (%s) but got a single array; pass a list or a dict."
                         % (len(names), what, names))
    if isinstance(data, (list, tuple)) and len(data) == 1 and isinstance(data[0], np.ndarray):
        return [data[0]]  # [x] for a one-input (or one-output) model, as Keras reads it
    return [np.asarray(data)]


def check_lengths(arrays):
    lengths = {len(a) for a in arrays if a is not None}
    if len(lengths) > 1:
        raise ValueError("All input and target arrays must have the same number of samples; got lengths %s."
                         % sorted(lengths))
    return lengths.pop() if lengths else 0


def split_validation(arrays, fraction):
    """``(train_arrays, val_arrays)``: the last ``fraction`` of the samples is held out (before shuffling)."""
    if not 0.0 < fraction < 1.0:
        raise ValueError("validation_split must be in (0, 1), got %r" % fraction)
    n = check_lengths(arrays)
    at = int(n * (1.0 - fraction))
    if at == 0 or at == n:
        raise ValueError("validation_split=%r leaves no training or no validation samples of %d." % (fraction, n))
    return [a[:at] for a in arrays], [a[at:] for a in arrays]


def class_weights_for(y, class_weight):
    """Per-sample weights from a ``{class: weight}`` dict and integer or one-hot targets ``y``."""
    y = np.asarray(y)
    ids = y.argmax(axis=-1) if y.ndim > 1 and y.shape[-1] > 1 else y.reshape(len(y), -1)[:, 0]
    ids = ids.astype(np.int64, copy=False)
    table = np.ones(max(int(ids.max(initial=0)), max(class_weight, default=0)) + 1, np.float32)
    for cls, w in class_weight.items():
        table[int(cls)] = w
    return table[ids]


class ArrayBatches:
    """Batches of in-memory arrays.

    Args:
        arrays: equal-length arrays (inputs, then targets, then sample weights); None entries stay None.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: True to reshuffle every epoch, "batch" to shuffle the order of batch-sized chunks, False.
        steps: batches per epoch (cycling through the data); default one pass.
        seed: seed of the shuffling (default: drawn from ``np.random``, so ``np.random.seed`` fixes it).
    """

    lockstep = False  # ignored: shard_arrays gives every rank as many rows, so ranks run the same steps anyway

    def __init__(self, arrays, batch_size=32, shuffle=False, steps=None, seed=None):
        self.arrays = self.example = list(arrays)
        self.n = check_lengths(self.arrays)
        self.batch_size = max(self.n, 1) if batch_size == WHOLE else int(batch_size or 32)
        self.shuffle = shuffle
        # The order of epoch e depends only on (seed, e): resuming at initial_epoch=e with np.random seeded
        # as in the first run replays exactly the same batches.
        self.seed = int(np.random.randint(2 ** 31)) if seed is None and shuffle else seed
        self.steps = steps if steps is not None else -(-self.n // self.batch_size)

    @property
    def samples(self):
        return self.n

    def _order(self, epoch_index, repeat):
        if not self.shuffle:
            return None
        rng = np.random.default_rng([self.seed, epoch_index, repeat])
        if self.shuffle == "batch":
            chunks = rng.permutation(-(-self.n // self.batch_size))
            return np.concatenate([np.arange(c * self.batch_size, min((c + 1) * self.batch_size, self.n))
                                   for c in chunks])
        return rng.permutation(self.n)

    def epoch(self, epoch_index=0):
        """Yields ``(arrays, size)`` per batch for one epoch."""
        if self.n == 0:
            return
        repeat = 0
        order, start = self._order(epoch_index, repeat), 0
        bs, arrays = self.batch_size, self.arrays
        for _ in range(self.steps):
            if start >= self.n:
                repeat += 1
                order, start = self._order(epoch_index, repeat), 0
            stop = min(start + bs, self.n)
            if order is None:  # contiguous slices are views: no copy
                yield [a[start:stop] if a is not None else None for a in arrays], stop - start
            else:
                idx = order[start:stop]
                yield [a.take(idx, axis=0) if a is not None else None for a in arrays], stop - start
            start = stop


class IterableBatches:
    """Batches from a Dataset, an iterable or a generator; each element is ``x``, ``(x, y)`` or ``(x, y, w)``.

    Args:
        source: the Dataset / iterable / iterator.
        unpack: ``f(element) -> arrays`` putting one element in the model's order.
        steps: batches per epoch. With ``steps`` the same iterator continues across epochs (so an
            infinite ``repeat()`` dataset works); without it each epoch re-iterates the source.
    """

    def __init__(self, source, unpack, steps=None, example=None):
        self.source = source
        self.unpack = unpack
        self.steps = steps
        self.example = example  # one element's arrays (a custom step's placeholders are made like them)
        self.samples = None
        self._iterator = None
        if steps is None and hasattr(source, "__next__"):
            raise ValueError("A generator or iterator input needs `steps_per_epoch` (or `steps`): it cannot be "
                             "restarted at each epoch.")
        self.lockstep = False  # set by training: every rank runs the same number of steps (see epoch)
        self._warned_uneven = False

    def epoch(self, epoch_index=0):
        if self.steps is None:
            it = iter(self.source)
        else:
            if self._iterator is None:
                self._iterator = iter(self.source)
            it = itertools.islice(self._iterator, self.steps)
        if self.lockstep and process_world.size() > 1:
            it = self._while_every_rank_has_one(it)
        count = 0
        for element in it:
            arrays = self.unpack(element)
            count += 1
            yield arrays, len(arrays[0])
        if self.steps is not None and count < self.steps:
            warnings.warn("Your input ran out of data after %d of %d steps; make sure it can generate "
                          "steps_per_epoch * epochs batches (e.g. with .repeat())." % (count, self.steps),
                          RuntimeWarning)
            self._iterator = None


    def _while_every_rank_has_one(self, it):
        """The elements of ``it`` while every rank still has one: training's gradient averaging is a collective
        per step, so a rank whose shard has more batches would wait forever for the others. Each step the ranks
        agree (one small allreduce) and the epoch ends at the shortest shard; longer shards' rest is skipped."""
        for element in it:
            if not process_world.all_ranks(True):
                if not self._warned_uneven:
                    self._warned_uneven = True
                    warnings.warn("rank %d: the ranks' input shards have unequal batch counts; each epoch ends "
                                  "when the shortest shard does, and this rank skips the rest of its batches "
                                  "(give every rank as many batches, or set steps_per_epoch)"
                                  % process_world.rank(), RuntimeWarning)
                return
            yield element
        process_world.all_ranks(False)  # tell the others this rank is out (they take part in this call)


def peek(source):
    """``(source, first_element)``; an iterator comes back re-chained so the first element is not lost."""
    if hasattr(source, "__next__"):
        first = next(source)
        return itertools.chain([first], source), first
    for first in source:
        return source, first
    raise ValueError("The input Dataset / iterable is empty.")


def is_iterable_source(x):
    """True for a Dataset, generator or iterator (anything but arrays, lists, tuples and dicts of arrays)."""
    if x is None or isinstance(x, (np.ndarray, list, tuple, dict)) or np.isscalar(x):
        return False
    return hasattr(x, "__iter__") or hasattr(x, "__next__")


def shard_source(x):
    """A Dataset's ``shard(size, rank)`` in a multi-process run (other sources pass unchanged: a generator
    cannot be split; give each rank its own)."""
    if process_world.size() > 1 and hasattr(x, "shard") and is_iterable_source(x):
        return x.shard(process_world.size(), process_world.rank())
    return x


def shard_arrays(arrays):
    """This rank's rows ``rank::size`` of each array in a multi-process run, every rank getting the same
    count (the last ``n % size`` rows are dropped), so all ranks run the same number of steps.

    With no shuffling, rank r's batch i holds rows of the one-process batch i of ``size`` times the size:
    per-rank batch B on N ranks sees the data in the order of one process with batch N * B.
    """
    size = process_world.size()
    if size == 1:
        return arrays
    rank = process_world.rank()
    n = check_lengths(arrays)
    per_rank = n // size
    return [None if a is None else a[rank::size][:per_rank] for a in arrays]
