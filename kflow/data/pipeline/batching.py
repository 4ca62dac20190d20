"""``batch``, ``padded_batch`` and ``unbatch``.

Batching stacks each component once per batch (one ``np.stack``). Two fast
paths skip per-element work entirely: over a slicing source (from_tensor_slices,
possibly shuffled / repeated / sharded) a batch is one fancy index per
component, and over a record source (TFRecord / text / fixed-length files) a
batch of strings is filled straight from the reader's record lists.

Example:
    >>> Dataset.range(7).batch(3)          # [0 1 2], [3 4 5], [6]
    >>> Dataset.from_tensor_slices(x).shuffle(60000).batch(128, drop_remainder=True)
"""
from itertools import islice

import numpy as np

from kflow import errors
from kflow.data.pipeline import nest
from kflow.data.pipeline.context import scalar_int
from kflow.data.pipeline.dataset import Dataset
from kflow.data.pipeline.structure import ElementSpec, LeafSpec, _as_structure, to_array
from kflow.engine import shapes
from kflow.sparse.sparse_tensor import SparseTensorValue, is_sparse_value


def _batch_size(ctx, value):
    n = scalar_int(ctx.resolve(value), "batch_size")
    if n <= 0:
        raise errors.InvalidArgumentError(None, None, "Batch size must be greater than zero, got %d" % n)
    return n


def _static_size(batch_size, drop_remainder):
    if drop_remainder and not hasattr(batch_size, "value_index") and not hasattr(batch_size, "_as_tensor"):
        return int(batch_size)
    return None


def stack_component(values, index):
    """One batched component from the per-element values (all the same shape)."""
    first = values[0]
    if first.__class__ is bytes:
        out = np.empty(len(values), object)
        out[:] = values
        return out
    if is_sparse_value(first):
        return _stack_sparse(values, index)
    try:
        return np.stack(values) if first.__class__ is np.ndarray else np.array(values)
    except ValueError:
        shape = np.shape(first)
        for i, v in enumerate(values):
            if np.shape(v) != shape:
                raise errors.InvalidArgumentError(
                    None, None, "Cannot batch tensors with different shapes in component %d. First element had "
                    "shape %s and element %d had shape %s." % (index, list(shape), i, list(np.shape(v))))
        raise


def _stack_sparse(values, index):
    ranks = {len(v.dense_shape) for v in values}
    if len(ranks) != 1:
        raise errors.InvalidArgumentError(None, None, "Cannot batch sparse values of different ranks in component %d"
                                          % index)
    rank = ranks.pop()
    rows = [np.concatenate([np.full((len(v.indices), 1), i, np.int64), np.reshape(v.indices, (-1, rank))], axis=1)
            for i, v in enumerate(values)]
    dense = np.max(np.stack([v.dense_shape for v in values]), axis=0) if rank else np.zeros(0, np.int64)
    return SparseTensorValue(np.concatenate(rows).astype(np.int64), np.concatenate([v.values for v in values]),
                             np.concatenate([[len(values)], dense]).astype(np.int64))


def stack_elements(elements):
    """A batch (flat tuple) from a list of flat elements."""
    return tuple([stack_component([e[j] for e in elements], j) for j in range(len(elements[0]))])


class BatchDataset(Dataset):
    """Consecutive elements stacked along a new first dimension."""

    def __init__(self, input_dataset, batch_size, drop_remainder=False):
        super().__init__([input_dataset], params=[batch_size, drop_remainder])
        self._batch_size, self._drop = batch_size, drop_remainder

    def _compute_spec(self):
        size = _static_size(self._batch_size, self._drop)
        return self._inputs[0].element_spec.map_leaves(lambda s: s.batched(size))

    def _describe(self):
        return "BatchDataset(batch_size=%s)" % (getattr(self._batch_size, "name", self._batch_size),)

    def _make_iterator(self, ctx):
        size = _batch_size(ctx, self._batch_size)
        drop = bool(ctx.resolve(self._drop))
        inp = self._inputs[0]
        source = inp._index_source()
        if source is not None:
            return _gather_batches(source._arrays(ctx), inp._indices(ctx), size, drop, source.gather)
        chunks = inp._record_chunks(ctx)
        if chunks is not None:
            return _record_batches(chunks, size, drop)
        return _stacked_batches(inp._make_iterator(ctx), size, drop)


def _gather_batches(arrays, indices, size, drop, gather):
    if isinstance(indices, range) and indices.step == 1:  # rows in order: contiguous slices
        for start in range(indices.start, indices.stop, size):
            stop = min(start + size, indices.stop)
            if drop and stop - start < size:
                return
            yield tuple([a[start:stop].copy() for a in arrays])
        return
    if isinstance(indices, (range, np.ndarray)):  # a whole permutation / selection: slice it
        order = np.asarray(indices, np.intp)
        for start in range(0, len(order), size):
            rows = order[start:start + size]
            if drop and rows.size < size:
                return
            yield gather(arrays, rows)
        return
    indices = iter(indices)
    while True:
        rows = np.fromiter(islice(indices, size), np.intp)
        if not rows.size or (drop and rows.size < size):
            return
        yield gather(arrays, rows)


def _record_batches(chunks, size, drop):
    pending, count = [], 0
    for chunk in chunks:
        pending.append(chunk)
        count += len(chunk)
        if count < size:
            continue
        records = [r for c in pending for r in c] if len(pending) > 1 else chunk
        start = 0
        while count - start >= size:
            out = np.empty(size, object)
            out[:] = records[start:start + size]
            yield (out,)
            start += size
        rest = records[start:]
        pending, count = ([rest], len(rest)) if rest else ([], 0)
    if count and not drop:
        out = np.empty(count, object)
        out[:] = [r for c in pending for r in c]
        yield (out,)


def _stacked_batches(source, size, drop):
    while True:
        elements = list(islice(source, size))
        if not elements or (drop and len(elements) < size):
            return
        yield stack_elements(elements)


class PaddedBatchDataset(Dataset):
    """Batches elements whose components vary in shape, padding each to ``padded_shapes``.

    ``padded_shapes`` dims that are None / -1 (or the whole argument when None) pad to the longest
    element of each batch; ``padding_values`` default to 0 (b"" for strings).
    """

    def __init__(self, input_dataset, batch_size, padded_shapes=None, padding_values=None, drop_remainder=False):
        super().__init__([input_dataset], params=[batch_size, drop_remainder])
        spec = input_dataset.element_spec
        if any(s.sparse for s in spec.flat):
            raise TypeError("padded_batch does not support sparse components (%s)" % spec.describe())
        self._batch_size, self._drop = batch_size, drop_remainder
        self._shapes = self._padded_shapes(spec, padded_shapes)
        self._values = self._padding_values(spec, padding_values)

    @staticmethod
    def _padded_shapes(spec, padded_shapes):
        if padded_shapes is None:
            flat = [shapes.TensorShape([None] * s.shape.ndims) if s.shape.ndims is not None else None
                    for s in spec.flat]
        else:
            given = _as_structure(padded_shapes, is_shape=True)
            nest.assert_same_structure(spec.structure, given, "structures of the dataset elements and padded_shapes")
            flat = [shapes.TensorShape(s) for s in nest.flatten(given)]
        for leaf, shape in zip(spec.flat, flat):
            if shape is None or shape.dims is None:
                raise ValueError("padded_batch needs the rank of every component; %s has an unknown shape"
                                 % leaf.describe())
            dims = leaf.shape.dims
            if dims is not None and (len(dims) != len(shape.dims) or any(
                    d is not None and p is not None and d > p for d, p in zip(dims, shape.dims))):
                raise ValueError("The padded shape %s is not compatible with the shape %s of the component"
                                 % (shape, leaf.shape))
        return flat

    @staticmethod
    def _padding_values(spec, padding_values):
        if padding_values is None:
            return [b"" if s.dtype.name == "string" else np.zeros((), s.dtype.as_numpy_dtype) for s in spec.flat]
        if nest.is_leaf(spec.structure):
            flat = [padding_values]
        else:
            nest.assert_same_structure(spec.structure, padding_values, "structures of the elements and padding_values")
            flat = nest.flatten(padding_values)
        return [to_array(v, s.dtype)[()] for v, s in zip(flat, spec.flat)]

    def _compute_spec(self):
        size = _static_size(self._batch_size, self._drop)
        spec = self._inputs[0].element_spec
        flat = [LeafSpec(s.dtype, shapes.TensorShape([size]).concatenate(p)) for s, p in zip(spec.flat, self._shapes)]
        return ElementSpec.from_flat(spec.structure, flat)

    def _make_iterator(self, ctx):
        size = _batch_size(ctx, self._batch_size)
        drop = bool(ctx.resolve(self._drop))
        source = self._inputs[0]._make_iterator(ctx)
        while True:
            elements = list(islice(source, size))
            if not elements or (drop and len(elements) < size):
                return
            yield tuple([self._pad([e[j] for e in elements], j) for j in range(len(elements[0]))])

    def _pad(self, values, j):
        arrays = [np.asarray(v, object) if v.__class__ is bytes else np.asarray(v) for v in values]
        target = []
        for axis, dim in enumerate(self._shapes[j].dims):
            longest = max(a.shape[axis] for a in arrays)
            if dim is not None and longest > dim:
                raise errors.InvalidArgumentError(
                    None, None, "Attempted to pad to a smaller size than the input element: component %d has "
                    "size %d in dimension %d but the padded shape is %s" % (j, longest, axis, self._shapes[j]))
            target.append(longest if dim is None else dim)
        out = np.full([len(arrays)] + target, self._values[j], dtype=arrays[0].dtype)
        for i, a in enumerate(arrays):
            out[(i,) + tuple(slice(0, d) for d in a.shape)] = a if a.ndim else a[()]  # a[()]: not a 0-d array object
        return out


class UnbatchDataset(Dataset):
    """Each element split along its first dimension (``unbatch``)."""

    def __init__(self, input_dataset):
        super().__init__([input_dataset])
        if any(s.sparse for s in input_dataset.element_spec.flat):
            raise TypeError("unbatch does not support sparse components")
        self._spec = self._compute_spec()  # as in TF, a scalar component is an error when the dataset is built

    def _compute_spec(self):
        return self._inputs[0].element_spec.map_leaves(lambda s: s.unbatched())

    def _make_iterator(self, ctx):
        for element in self._inputs[0]._make_iterator(ctx):
            sizes = {np.shape(c)[0] if np.ndim(c) else None for c in element}
            if len(sizes) != 1 or None in sizes:
                raise errors.InvalidArgumentError(
                    None, None, "unbatch: all components must have the same first dimension, got shapes %s"
                    % [np.shape(c) for c in element])
            yield from zip(*element)  # rows: views, numpy scalars, bytes
