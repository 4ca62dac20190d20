"""Datasets over several datasets: ``Dataset.zip`` and ``concatenate`` (``enumerate`` is a zip with a range).

Example:
    >>> Dataset.zip((Dataset.range(3), Dataset.range(10, 13)))   # (0, 10), (1, 11), (2, 12)
    >>> Dataset.range(2).concatenate(Dataset.range(5, 7))        # 0, 1, 5, 6
"""
import itertools

from kflow.data.pipeline import nest
from kflow.data.pipeline.dataset import Dataset
from kflow.data.pipeline.structure import ElementSpec


class ZipDataset(Dataset):
    """Elements combine one element of each dataset, in the (nested) structure ``datasets``."""

    def __init__(self, datasets):
        if isinstance(datasets, list):
            datasets = tuple(datasets)
        if isinstance(datasets, Dataset) or nest.is_leaf(datasets):
            raise TypeError("Dataset.zip expects a (nested) tuple or dict of datasets, got %s"
                            % type(datasets).__name__)
        flat = nest.flatten(datasets)
        for d in flat:
            if not isinstance(d, Dataset):
                raise TypeError("Dataset.zip: every item must be a Dataset, got %s" % type(d).__name__)
        super().__init__(flat)
        self._structure = datasets

    def _compute_spec(self):
        parts = [d.element_spec.structure for d in self._inputs]
        return ElementSpec(nest.make_packer(self._structure)(parts))

    def _describe(self):
        return "ZipDataset(%d datasets)" % len(self._inputs)

    def _pipeline(self):
        return "ZipDataset(%s)" % ", ".join(d._pipeline() for d in self._inputs)

    def _make_iterator(self, ctx):
        iters = [d._make_iterator(ctx) for d in self._inputs]
        if len(iters) == 2:
            return (a + b for a, b in zip(*iters))
        return (tuple(itertools.chain.from_iterable(parts)) for parts in zip(*iters))


class ConcatenateDataset(Dataset):
    """The elements of ``first`` followed by those of ``second`` (same structure and dtypes)."""

    def __init__(self, first, second):
        if not isinstance(second, Dataset):
            raise TypeError("concatenate expects a Dataset, got %s" % type(second).__name__)
        super().__init__([first, second])
        self._spec = first.element_spec.most_specific_compatible(second.element_spec, "Dataset.concatenate()")

    def _pipeline(self):
        return "ConcatenateDataset(%s, %s)" % (self._inputs[0]._pipeline(), self._inputs[1]._pipeline())

    def _make_iterator(self, ctx):
        yield from self._inputs[0]._make_iterator(ctx)
        yield from self._inputs[1]._make_iterator(ctx)
