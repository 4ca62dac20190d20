"""Function transformations: ``map``, ``filter``, ``flat_map`` and ``interleave``.

Each wraps its function in a :class:`TracedFunction` (traced once into a
private graph, or run as Python); each iterator gets its own runner.

Example:
    >>> ds = Dataset.range(10).map(lambda x: x * 2, num_parallel_calls=2).filter(lambda x: x > 5)
    >>> files.interleave(lambda f: TFRecordDataset(f), cycle_length=4, block_length=16)
"""
import os

import numpy as np

from kflow import errors
from kflow.data.pipeline.context import scalar_int
from kflow.data.pipeline.dataset import AUTOTUNE, Dataset
from kflow.data.pipeline.traced_function import TracedFunction
from kflow.data.pipeline.workers import BackgroundIterator, ordered_map


def parallelism(value, what):
    """Threads for ``num_parallel_calls`` / ``cycle_length``: None -> 1, AUTOTUNE -> the CPU count."""
    if value is None:
        return 1
    n = scalar_int(value, what)
    if n == AUTOTUNE:
        return os.cpu_count() or 1
    if n < 1:
        raise ValueError("%s must be positive or AUTOTUNE (-1), got %d" % (what, n))
    return n


class MapDataset(Dataset):
    """``fn`` applied to each element, optionally in ``num_parallel_calls`` threads (order is kept)."""

    def __init__(self, input_dataset, map_func, num_parallel_calls=None):
        self._fn = TracedFunction(map_func, input_dataset.element_spec, "Dataset.map()")
        super().__init__([input_dataset], params=[num_parallel_calls], functions=[self._fn])
        self._num_parallel_calls = num_parallel_calls

    def _compute_spec(self):
        return self._fn.output_spec if self._fn.traced else self._fn.probe(self._inputs[0])

    def _describe(self):
        return "MapDataset(%s%s)" % (getattr(self._fn.fn, "__name__", "fn"), "" if self._fn.traced else ", Python")

    def _make_iterator(self, ctx):
        run = ctx.runner(self._fn)
        n = parallelism(ctx.resolve(self._num_parallel_calls), "num_parallel_calls")
        source = self._inputs[0]._make_iterator(ctx)
        return map(run, source) if n == 1 else ordered_map(run, source, n)


class FilterDataset(Dataset):
    """The elements for which ``predicate`` returns True."""

    def __init__(self, input_dataset, predicate):
        self._fn = TracedFunction(predicate, input_dataset.element_spec, "Dataset.filter()")
        super().__init__([input_dataset], functions=[self._fn])
        if self._fn.traced:
            _check_predicate_spec(self._fn.output_spec)

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _make_iterator(self, ctx):
        run = ctx.runner(self._fn)
        for x in self._inputs[0]._make_iterator(ctx):
            keep = run(x)
            if len(keep) != 1 or keep[0].__class__ is not np.bool_:
                _check_predicate_spec(self._fn.output_spec)
            if keep[0]:
                yield x


def _check_predicate_spec(spec):
    flat = spec.flat
    if len(flat) != 1 or flat[0].dtype.name != "bool" or flat[0].sparse or not flat[0].shape.is_compatible_with([]):
        raise ValueError("`predicate` return type must be convertible to a scalar boolean tensor. Was %s."
                         % spec.describe())


class InterleaveDataset(Dataset):
    """Datasets made from input elements, read ``block_length`` at a time from ``cycle_length`` of them.

    ``flat_map`` is the case ``cycle_length=1``. With ``num_parallel_calls`` > 1 each open dataset is
    read ahead in a background thread; the output order is the same.
    """

    def __init__(self, input_dataset, map_func, cycle_length=AUTOTUNE, block_length=1, num_parallel_calls=None,
                 flat=False):
        what = "Dataset.flat_map()" if flat else "Dataset.interleave()"
        self._fn = TracedFunction(map_func, input_dataset.element_spec, what, returns_dataset=True)
        super().__init__([input_dataset], params=[cycle_length, block_length, num_parallel_calls],
                         functions=[self._fn])
        self._cycle_length, self._block_length, self._parallel = cycle_length, block_length, num_parallel_calls

    def _compute_spec(self):
        return self._fn.output_spec if self._fn.traced else self._fn.probe(self._inputs[0])

    def _make_iterator(self, ctx):
        run = ctx.runner(self._fn)
        cycle = parallelism(ctx.resolve(self._cycle_length), "cycle_length")
        block = scalar_int(ctx.resolve(self._block_length), "block_length")
        if block < 1:
            raise errors.InvalidArgumentError(None, None, "block_length must be positive, got %d" % block)
        threads = parallelism(ctx.resolve(self._parallel), "num_parallel_calls")

        def open_element(x):
            template, values = run(x)
            return template._make_iterator(ctx.child(values))
        return interleave(self._inputs[0]._make_iterator(ctx), open_element, cycle, block,
                          read_ahead=block if threads > 1 else 0)


def interleave(inputs, open_fn, cycle_length, block_length, read_ahead=0, group=1):
    """TF's interleave order over the iterators ``open_fn(x)`` of the ``inputs`` elements.

    Takes ``block_length`` items from each of ``cycle_length`` open iterators in turn; an exhausted
    iterator's slot is refilled from the next input element. ``read_ahead`` > 0 reads each open
    iterator in a background thread (in lists of ``group`` items).
    """
    current = [None] * cycle_length
    num_open, end_of_input, cycle_index, block_index = 0, False, 0, 0
    try:
        while not end_of_input or num_open:
            it = current[cycle_index]
            if it is not None:
                try:
                    x = next(it)
                except StopIteration:
                    current[cycle_index] = None
                    num_open -= 1
                    block_index, cycle_index = 0, (cycle_index + 1) % cycle_length
                    continue
                yield x
                block_index += 1
                if block_index == block_length:
                    block_index, cycle_index = 0, (cycle_index + 1) % cycle_length
            elif not end_of_input:
                try:
                    element = next(inputs)
                except StopIteration:
                    end_of_input = True
                    continue
                it = open_fn(element)
                if read_ahead:
                    it = BackgroundIterator(it, max(read_ahead, group), group, name="kflow-data-interleave")
                current[cycle_index] = it
                num_open += 1
            else:
                block_index, cycle_index = 0, (cycle_index + 1) % cycle_length
    finally:
        for it in current:
            close = getattr(it, "close", None)
            if close is not None:
                close()
