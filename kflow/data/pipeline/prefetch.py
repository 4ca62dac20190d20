"""``Dataset.prefetch``: elements produced ahead of time by a background thread.

The thread stops when the iterator is exhausted, closed, garbage collected
or its session closed; an error in the pipeline is raised by the consumer's
next call.

Example:
    >>> ds = Dataset.from_tensor_slices(x).map(parse).batch(32).prefetch(1)
"""
from kflow.data.pipeline.context import scalar_int
from kflow.data.pipeline.dataset import AUTOTUNE, Dataset
from kflow.data.pipeline.workers import BackgroundIterator

AUTOTUNE_BUFFER = 2


class PrefetchDataset(Dataset):
    """The input's elements, read up to ``buffer_size`` ahead (AUTOTUNE: a small default)."""

    def __init__(self, input_dataset, buffer_size):
        if isinstance(buffer_size, int) and buffer_size < AUTOTUNE:
            raise ValueError("prefetch: buffer_size must be >= 0 or AUTOTUNE, got %d" % buffer_size)
        super().__init__([input_dataset], params=[buffer_size])
        self._buffer_size = buffer_size

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _make_iterator(self, ctx):
        size = scalar_int(ctx.resolve(self._buffer_size), "buffer_size")
        source = self._inputs[0]._make_iterator(ctx)
        if size == 0:
            return source
        return BackgroundIterator(source, AUTOTUNE_BUFFER if size == AUTOTUNE else size)
