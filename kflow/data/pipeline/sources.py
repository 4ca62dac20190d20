"""Source datasets: ``from_tensor_slices``, ``from_tensors``, ``from_generator``, ``range``.

``TensorSliceDataset`` is also the *slicing source* of the fast paths: the
element-agnostic transformations over it (shuffle, repeat, take, skip,
shard) work on row indices, and ``batch`` gathers whole batches with one
fancy index per component instead of stacking elements one by one.

Example:
    >>> ds = Dataset.from_tensor_slices({"x": np.arange(6).reshape(3, 2), "y": [1, 2, 3]})
    >>> next(iter(ds))
    {'x': array([0, 1]), 'y': 1}
"""
import numpy as np

from kflow import errors
from kflow.data.pipeline import nest
from kflow.data.pipeline.context import scalar_int
from kflow.data.pipeline.dataset import Dataset
from kflow.data.pipeline.structure import (ElementSpec, LeafSpec, canonical, element_from_value, from_types_and_shapes,
                                           to_array, to_bytes_array)
from kflow.engine import dtypes, shapes


def _resolved_array(ctx, component, spec):
    value = ctx.resolve(component)
    arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    if spec.dtype is dtypes.string and arr.size and not isinstance(arr.reshape(-1)[0], bytes):
        arr = to_bytes_array(arr)  # a fed list of str: elements are bytes, as in TF
    return arr


class TensorSliceDataset(Dataset):
    """Elements are the rows of each component (``Dataset.from_tensor_slices``)."""

    def __init__(self, tensors):
        spec, comps = element_from_value(tensors, "component of from_tensor_slices")
        for leaf in spec.flat:
            if leaf.sparse:
                raise TypeError("from_tensor_slices does not slice sparse values; build the dataset from dense "
                                "arrays")
            if leaf.shape.ndims == 0:
                raise ValueError("from_tensor_slices: every component needs at least one dimension to slice, got "
                                 "a scalar in %s" % spec.describe())
        firsts = [s.shape.dims[0] for s in spec.flat if s.shape.dims is not None and s.shape.dims[0] is not None]
        if len(set(firsts)) > 1:
            raise ValueError("from_tensor_slices: all components must have the same size in their first "
                             "dimension, got shapes %s" % _shapes_text(spec.flat))
        super().__init__(params=comps)
        self._components = comps
        self._full_spec = spec
        self._num_rows = firsts[0] if firsts else None

    def _compute_spec(self):
        return self._full_spec.map_leaves(lambda s: s.unbatched())

    def _describe(self):
        return "TensorSliceDataset(%s)" % _shapes_text(self._full_spec.flat)

    def _arrays(self, ctx):
        """The resolved component arrays (checked to agree in their first dimension)."""
        arrays = [_resolved_array(ctx, c, s) for c, s in zip(self._components, self._full_spec.flat)]
        sizes = {a.shape[0] if a.ndim else None for a in arrays}
        if len(sizes) > 1 or None in sizes:
            raise errors.InvalidArgumentError(
                None, None, "from_tensor_slices: all components must have the same size in their first "
                "dimension, got shapes %s" % ", ".join(str(a.shape) for a in arrays))
        return arrays

    def _index_source(self):
        return self

    def _indices(self, ctx):
        return range(self._arrays(ctx)[0].shape[0])  # a sequence: take / skip / shard / shuffle slice it

    def _make_iterator(self, ctx):
        return zip(*self._arrays(ctx))  # rows as tuples: views, numpy scalars, bytes

    @staticmethod
    def rows(arrays, indices):
        """Elements for a stream of row indices."""
        if len(arrays) == 1:
            a = arrays[0]
            return ((a[i],) for i in indices)
        return (tuple([a[i] for a in arrays]) for i in indices)

    @staticmethod
    def gather(arrays, indices):
        """One batch: the rows ``indices`` (an int array) of every component."""
        return tuple([a[indices] for a in arrays])


class TensorDataset(Dataset):
    """A single element (``Dataset.from_tensors``)."""

    def __init__(self, tensors):
        spec, comps = element_from_value(tensors, "component of from_tensors")
        super().__init__(params=comps)
        self._components = comps
        self._spec = spec

    def _make_iterator(self, ctx):
        yield tuple(canonical(np.asarray(ctx.resolve(c))) if not hasattr(c, "indices") else c
                    for c in self._components)


class RangeDataset(Dataset):
    """int64 ``range(start, stop, step)`` elements (``Dataset.range``); ``stop=None`` counts forever."""

    def __init__(self, *args, output_type=dtypes.int64):
        if not 1 <= len(args) <= 3:
            raise TypeError("Dataset.range takes 1 to 3 arguments (start, stop, step), got %d" % len(args))
        start, stop, step = (0, args[0], 1) if len(args) == 1 else (tuple(args) + (1,))[:3]
        if not hasattr(step, "value_index") and step == 0:
            raise ValueError("Dataset.range: step must be a non-zero integer")
        super().__init__(params=[start, stop, step])
        self._args = (start, stop, step)
        self._dtype = dtypes.as_dtype(output_type)
        self._spec = ElementSpec(LeafSpec(self._dtype, []))

    def _describe(self):
        return "RangeDataset%s" % (tuple(a if not hasattr(a, "value_index") else a.name for a in self._args),)

    def _make_iterator(self, ctx):
        start, stop, step = (None if a is None else scalar_int(ctx.resolve(a), "Dataset.range argument")
                             for a in self._args)
        if step == 0:
            raise errors.InvalidArgumentError(None, None, "Dataset.range: step must be a non-zero integer")
        cast = self._dtype.as_numpy_dtype
        if stop is None:
            return _count(start, step, cast)
        return ((cast(i),) for i in range(start, stop, step))


def _count(start, step, cast):
    i = start
    while True:
        yield (cast(i),)
        i += step


class GeneratorDataset(Dataset):
    """Elements yielded by a Python generator (``Dataset.from_generator``).

    Args:
        generator: a callable returning an iterable (called once per iterator).
        output_types: nested kflow dtypes of the elements.
        output_shapes: nested shapes (unknown when None); values are checked against them.
        args: values (or Tensors) passed to ``generator`` as numpy arrays.
    """

    def __init__(self, generator, output_types, output_shapes=None, args=None):
        if not callable(generator):
            raise TypeError("`generator` must be callable, got %s" % type(generator).__name__)
        self._generator = generator
        self._args = list(args) if args is not None else []
        super().__init__(params=self._args)
        self._spec = from_types_and_shapes(output_types, output_shapes)

    def _describe(self):
        return "GeneratorDataset(%s)" % getattr(self._generator, "__name__", "generator")

    def _make_iterator(self, ctx):
        args = [_generator_arg(ctx.resolve(a)) for a in self._args]
        spec = self.element_spec
        source = iter(self._generator(*args))
        for value in source:
            flat = _flatten_like(spec.structure, value)
            yield tuple(_convert_yielded(v, leaf) for v, leaf in zip(flat, spec.flat))


def _generator_arg(value):
    if isinstance(value, (bytes, str)):
        return value
    return canonical(value if isinstance(value, np.ndarray) else to_array(value))


def _flatten_like(structure, value):
    """Flattens a yielded value against the declared structure (lists may stand for tuples)."""
    if nest.is_leaf(structure):
        return [value]
    if isinstance(structure, dict):
        if not isinstance(value, dict) or sorted(value) != sorted(structure):
            raise TypeError("`generator` yielded an element %s that does not match the structure of "
                            "`output_types` %s" % (_short(value), nest.describe(structure, lambda t: t.describe())))
        return [x for k in sorted(structure) for x in _flatten_like(structure[k], value[k])]
    if not isinstance(value, (tuple, list)) or len(value) != len(structure):
        raise TypeError("`generator` yielded an element %s that does not match the structure of "
                        "`output_types` %s" % (_short(value), nest.describe(structure, lambda t: t.describe())))
    return [x for s, v in zip(structure, value) for x in _flatten_like(s, v)]


def _convert_yielded(value, leaf):
    try:
        arr = to_array(value, leaf.dtype)
    except (TypeError, ValueError) as e:
        raise errors.InvalidArgumentError(
            None, None, "`generator` yielded an element that could not be converted to the expected type. The "
            "expected type was %s, but the yielded element was %s (%s)." % (leaf.dtype.name, _short(value), e))
    if not leaf.shape.is_compatible_with(arr.shape):
        raise errors.InvalidArgumentError(
            None, None, "`generator` yielded an element of shape %s where an element of shape %s was expected."
            % (shapes.TensorShape(arr.shape), leaf.shape))
    return canonical(arr)


def _shapes_text(flat_specs):
    return ", ".join(str(s.shape) for s in flat_specs)


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."
