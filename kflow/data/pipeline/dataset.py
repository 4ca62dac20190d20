"""``kf.data.Dataset``: a description of an input pipeline whose elements are nested numpy values.

A Dataset is immutable; each transformation returns a new one. Iterating it
in Python yields numpy structures (tuples / dicts of arrays, numpy scalars
and ``bytes``); in a graph, ``make_one_shot_iterator()`` /
``make_initializable_iterator()`` give an Iterator whose ``get_next()``
tensors produce one element per ``Session.run``.

Internally every dataset yields elements as flat tuples of components (see
:mod:`kflow.data.pipeline.structure`) from ``_make_iterator(ctx)``; the transformation
classes live in ``sources``, ``map_ops``, ``batching``, ``item_ops``,
``combine_ops``, ``prefetch``, ``cache`` and ``file_datasets``.

Example:
    >>> ds = kf.data.Dataset.from_tensor_slices((x_train, y_train)).shuffle(10000).batch(32)
    >>> for images, labels in ds:
    ...     pass
    >>> images, labels = ds.make_one_shot_iterator().get_next()
"""
import numpy as np

from kflow.data.pipeline import nest
from kflow.data.pipeline.context import IteratorContext, evaluate_tensors
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.execution_mode import mode as _mode
from kflow.engine.ops.constant_op import is_tensor_like
from kflow.engine.ops.params import constant_value

AUTOTUNE = -1


class Dataset:
    """Base class of all datasets (``tf.data.Dataset``)."""

    def __init__(self, inputs=(), params=(), functions=()):
        self._inputs = list(inputs)
        self._params = list(params)  # flat parameter values; the Tensors among them are captured
        self._functions = list(functions)  # TracedFunctions, whose outer captures count too
        self._spec = None
        self._py_state = {}

    # ---- what subclasses implement -------------------------------------------
    def _compute_spec(self):
        raise NotImplementedError

    def _make_iterator(self, ctx):
        """A Python iterator of flat element tuples, bound to ``ctx``."""
        raise NotImplementedError

    def _index_source(self):
        """The TensorSliceDataset whose rows this dataset yields (in ``_indices`` order), or None."""
        return None

    def _indices(self, ctx):
        raise NotImplementedError

    def _record_chunks(self, ctx):
        """For single-component string sources: an iterator of lists of ``bytes``, else None."""
        return None

    def _describe(self):
        return type(self).__name__

    # ---- structure -------------------------------------------------------------
    @property
    def element_spec(self):
        if self._spec is None:
            self._spec = self._compute_spec()
        return self._spec

    @property
    def output_types(self):
        return self.element_spec.types()

    @property
    def output_shapes(self):
        return self.element_spec.shapes()

    @property
    def output_classes(self):
        return self.element_spec.classes()

    def _captures(self):
        """Unique Tensors this pipeline's parameters refer to, in a stable order."""
        out, seen = [], set()

        def add(t):
            if t not in seen:
                seen.add(t)
                out.append(t)

        for p in self._params:
            if is_tensor_like(p):
                add(p._as_tensor() if hasattr(p, "_as_tensor") else p)
        for d in self._inputs:
            for t in d._captures():
                add(t)
        for f in self._functions:
            for t in f.outer_captures():
                add(t)
        return out

    def _pipeline(self):
        """'Source -> Transform -> ...' for messages."""
        first = self._inputs[0]._pipeline() + " -> " if self._inputs else ""
        return first + self._describe()

    def __repr__(self):
        return "<%s shapes: %s, types: %s>" % (type(self).__name__, _text(self.output_shapes),
                                              _text(self.output_types, lambda t: "tf." + t.name))

    # ---- Python iteration ----------------------------------------------------------
    def __iter__(self):
        """Iterates the elements as numpy structures (eager tensors in eager mode; a new pass each time)."""
        return EagerIterator(self) if _mode.eager else PythonIterator(self)

    def as_numpy_iterator(self):
        return PythonIterator(self)

    def _python_context(self):
        captures = [t for t in self._captures() if constant_value(t) is None]
        values = dict(zip(captures, evaluate_tensors(captures))) if captures else {}
        return IteratorContext(values, state=self._py_state)

    # ---- graph iterators -----------------------------------------------------------
    def make_one_shot_iterator(self):
        """An Iterator initialized on first use (``tf.compat.v1.data.make_one_shot_iterator``); in eager mode an
        :class:`EagerIterator` whose ``get_next()`` returns the next element's eager tensors."""
        if _mode.eager:
            return EagerIterator(self)
        from kflow.data.pipeline.iterator import Iterator

        return Iterator._one_shot(self)

    def make_initializable_iterator(self, shared_name=None):
        """An Iterator with an ``initializer`` op (run it before ``get_next``, and again to restart)."""
        from kflow.data.pipeline.iterator import Iterator

        return Iterator._initializable(self, shared_name)

    # ---- sources -------------------------------------------------------------------
    @staticmethod
    def from_tensor_slices(tensors):
        """Elements are the slices of ``tensors`` along their first dimension (all must agree)."""
        from kflow.data.pipeline.sources import TensorSliceDataset

        return TensorSliceDataset(tensors)

    @staticmethod
    def from_tensors(tensors):
        """A dataset of one element, ``tensors``."""
        from kflow.data.pipeline.sources import TensorDataset

        return TensorDataset(tensors)

    @staticmethod
    def from_generator(generator, output_types, output_shapes=None, args=None):
        """Elements yielded by ``generator(*args)`` (a callable), converted to ``output_types``."""
        from kflow.data.pipeline.sources import GeneratorDataset

        return GeneratorDataset(generator, output_types, output_shapes, args)

    @staticmethod
    def range(*args):
        """int64 elements like Python's ``range(start, stop, step)``."""
        from kflow.data.pipeline.sources import RangeDataset

        return RangeDataset(*args)

    @staticmethod
    def zip(datasets):
        """Elements are tuples (or the given structure) of the datasets' elements; stops at the shortest."""
        from kflow.data.pipeline.combine_ops import ZipDataset

        return ZipDataset(datasets)

    @staticmethod
    def list_files(file_pattern, shuffle=None, seed=None):
        """File names matching ``file_pattern`` (a glob or list of globs), shuffled by default."""
        from kflow.data.pipeline.file_datasets import list_files

        return list_files(file_pattern, shuffle, seed)

    # ---- transformations -------------------------------------------------------------
    def map(self, map_func, num_parallel_calls=None):
        """Applies ``map_func`` to each element (traced once into a graph when written with kf ops)."""
        from kflow.data.pipeline.map_ops import MapDataset

        return MapDataset(self, map_func, num_parallel_calls)

    map_with_legacy_function = map

    def filter(self, predicate):
        """Keeps the elements for which ``predicate`` returns True (a scalar bool)."""
        from kflow.data.pipeline.map_ops import FilterDataset

        return FilterDataset(self, predicate)

    filter_with_legacy_function = filter

    def flat_map(self, map_func):
        """Maps each element to a Dataset and concatenates them."""
        from kflow.data.pipeline.map_ops import InterleaveDataset

        return InterleaveDataset(self, map_func, cycle_length=1, block_length=1, flat=True)

    def interleave(self, map_func, cycle_length=AUTOTUNE, block_length=1, num_parallel_calls=None):
        """Maps elements to Datasets and takes ``block_length`` elements from ``cycle_length`` of them in turn."""
        from kflow.data.pipeline.map_ops import InterleaveDataset

        return InterleaveDataset(self, map_func, cycle_length, block_length, num_parallel_calls)

    def batch(self, batch_size, drop_remainder=False):
        """Stacks ``batch_size`` consecutive elements (the last batch may be smaller)."""
        from kflow.data.pipeline.batching import BatchDataset

        return BatchDataset(self, batch_size, drop_remainder)

    def padded_batch(self, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False):
        """Batches elements of varying shapes, padding each component to ``padded_shapes``."""
        from kflow.data.pipeline.batching import PaddedBatchDataset

        return PaddedBatchDataset(self, batch_size, padded_shapes, padding_values, drop_remainder)

    def unbatch(self):
        """Splits each element along its first dimension into several elements."""
        from kflow.data.pipeline.batching import UnbatchDataset

        return UnbatchDataset(self)

    def shuffle(self, buffer_size, seed=None, reshuffle_each_iteration=None):
        """Randomly shuffles elements through a buffer of ``buffer_size`` elements."""
        from kflow.data.pipeline.item_ops import ShuffleDataset

        return ShuffleDataset(self, buffer_size, seed, reshuffle_each_iteration)

    def repeat(self, count=None):
        """Repeats the dataset ``count`` times (forever when None or -1)."""
        from kflow.data.pipeline.item_ops import RepeatDataset

        return RepeatDataset(self, count)

    def take(self, count):
        """The first ``count`` elements (all when -1)."""
        from kflow.data.pipeline.item_ops import TakeDataset

        return TakeDataset(self, count)

    def skip(self, count):
        """All but the first ``count`` elements (nothing when -1)."""
        from kflow.data.pipeline.item_ops import SkipDataset

        return SkipDataset(self, count)

    def shard(self, num_shards, index):
        """Every ``num_shards``-th element, starting at ``index``."""
        from kflow.data.pipeline.item_ops import ShardDataset

        return ShardDataset(self, num_shards, index)

    def prefetch(self, buffer_size):
        """Produces up to ``buffer_size`` elements ahead in a background thread."""
        from kflow.data.pipeline.prefetch import PrefetchDataset

        return PrefetchDataset(self, buffer_size)

    def cache(self, filename=""):
        """Caches the elements of the first full pass in memory (``''``) or in files at ``filename``."""
        from kflow.data.pipeline.cache import CacheDataset

        return CacheDataset(self, filename)

    def concatenate(self, dataset):
        """This dataset's elements followed by ``dataset``'s."""
        from kflow.data.pipeline.combine_ops import ConcatenateDataset

        return ConcatenateDataset(self, dataset)

    def enumerate(self, start=0):
        """Elements become ``(int64 index, element)``."""
        from kflow.data.pipeline.combine_ops import ZipDataset
        from kflow.data.pipeline.sources import RangeDataset

        return ZipDataset((RangeDataset(start, None), self))

    def apply(self, transformation_func):
        """``transformation_func(self)``, which must return a Dataset."""
        out = transformation_func(self)
        if not isinstance(out, Dataset):
            raise TypeError("`transformation_func` must return a Dataset, got %s" % type(out).__name__)
        return out

    def with_options(self, options):
        return self

    def options(self):
        return None


class PythonIterator:
    """``iter(dataset)``: yields numpy structures, ends with StopIteration; ``close()`` stops worker threads."""

    def __init__(self, dataset):
        self._dataset = dataset
        self._it = dataset._make_iterator(dataset._python_context())
        self._pack = None

    def __iter__(self):
        return self

    def __next__(self):
        flat = next(self._it)
        pack = self._pack
        if pack is None:  # after the first element: Python map functions learn their spec from it
            pack = self._pack = self._dataset.element_spec.pack
        return pack(flat)

    next = __next__

    def get_next(self):
        return self.__next__()

    def close(self):
        close = getattr(self._it, "close", None)
        if close is not None:
            close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


class EagerIterator(PythonIterator):
    """Iterates a dataset eagerly (``for x, y in dataset``, ``tfe.Iterator``): elements as eager tensors.

    Example:
        >>> for x, y in kf.data.Dataset.from_tensor_slices((xs, ys)).batch(32):
        ...     loss = train_step(x, y)
    """

    def __next__(self):
        return _to_eager(PythonIterator.__next__(self))

    next = __next__

    def get_next(self, name=None):
        return self.__next__()


def _to_eager(element):
    if isinstance(element, np.ndarray):
        return EagerTensor(element)
    if isinstance(element, (np.generic, bytes)):
        return EagerTensor(np.asarray(element, dtype=object if isinstance(element, bytes) else None))
    if isinstance(element, tuple) and hasattr(element, "_fields"):
        return type(element)(*[_to_eager(e) for e in element])
    if isinstance(element, (list, tuple)):
        return type(element)(_to_eager(e) for e in element)
    if isinstance(element, dict):
        return {k: _to_eager(v) for k, v in element.items()}
    return element  # a SparseTensorValue...


def _text(structure, leaf=str):
    return nest.describe(structure, leaf)
