"""Element specs of datasets (dtype + static shape per component) and conversion of values to components.

A dataset produces elements as flat tuples of *components*, one per leaf of
its :class:`ElementSpec`. Components are numpy arrays, numpy scalars for
0-d numbers, ``bytes`` for 0-d strings, or :class:`SparseTensorValue`.
Strings are ``object`` arrays of ``bytes`` (what ``Session.run`` returns).

Example:
    >>> spec, flat = element_from_value((np.zeros((5, 3), np.float32), [1, 2, 3, 4, 5]))
    >>> spec.types(), spec.shapes()
    ((tf.float32, tf.int32), (TensorShape([5, 3]), TensorShape([5])))
"""
import collections

import numpy as np

from kflow.data.pipeline import nest
from kflow.engine import dtypes, shapes
from kflow.engine.ops.constant_op import _to_array
from kflow.engine.tensor import Tensor
from kflow.sparse.sparse_tensor import SparseTensor, SparseTensorValue, is_sparse_value


class LeafSpec(collections.namedtuple("LeafSpec", ["dtype", "shape", "sparse"])):
    """One component: kflow ``dtype``, static ``shape`` (TensorShape; the dense shape when sparse)."""

    __slots__ = ()
    _nest_leaf = True  # a namedtuple, but one leaf of an element structure

    def __new__(cls, dtype, shape, sparse=False):
        return super().__new__(cls, dtypes.as_dtype(dtype), shapes.as_shape(shape), bool(sparse))

    def describe(self):
        kind = "SparseTensorSpec" if self.sparse else "TensorSpec"
        return "%s(shape=%s, dtype=%s)" % (kind, self.shape, self.dtype.name)

    def is_compatible_with(self, other):
        return self.dtype is other.dtype and self.sparse == other.sparse and self.shape.is_compatible_with(
            other.shape)

    def most_specific_compatible(self, other):
        """The spec both fit: dims that differ become unknown."""
        a, b = self.shape, other.shape
        if a.dims is None or b.dims is None or len(a.dims) != len(b.dims):
            shape = shapes.TensorShape(None)
        else:
            shape = shapes.TensorShape([x if x == y else None for x, y in zip(a.dims, b.dims)])
        return LeafSpec(self.dtype, shape, self.sparse)

    def batched(self, size):
        return LeafSpec(self.dtype, shapes.TensorShape([size]).concatenate(self.shape), self.sparse)

    def unbatched(self):
        if self.shape.dims is None:
            return LeafSpec(self.dtype, shapes.TensorShape(None), self.sparse)
        if not self.shape.dims:
            raise ValueError("Cannot unbatch an element with a scalar component (%s)" % self.describe())
        return LeafSpec(self.dtype, shapes.TensorShape(self.shape.dims[1:]), self.sparse)


class ElementSpec:
    """The structure of a dataset's elements: nested LeafSpecs, their flat list and a packer."""

    def __init__(self, structure):
        self.structure = structure
        self.flat = nest.flatten(structure)
        self.pack = nest.make_packer(structure)

    @classmethod
    def from_flat(cls, like, flat):
        """The spec with ``like``'s nesting and the LeafSpecs ``flat``."""
        return cls(nest.pack_sequence_as(like, flat))

    def map_leaves(self, fn):
        return ElementSpec.from_flat(self.structure, [fn(s) for s in self.flat])

    def types(self):
        return self.pack([s.dtype for s in self.flat])

    def shapes(self):
        return self.pack([s.shape for s in self.flat])

    def classes(self):
        return self.pack([SparseTensor if s.sparse else Tensor for s in self.flat])

    def describe(self):
        return nest.describe(self.structure, lambda s: s.describe())

    def is_compatible_with(self, other):
        return nest.same_structure(self.structure, other.structure) and all(
            a.is_compatible_with(b) for a, b in zip(self.flat, other.flat))

    def most_specific_compatible(self, other, what):
        """The common spec of two datasets (concatenate), or a TypeError naming both."""
        if not nest.same_structure(self.structure, other.structure) or any(
                a.dtype is not b.dtype or a.sparse != b.sparse for a, b in zip(self.flat, other.flat)):
            raise TypeError("%s: the datasets have different element types.\n  First: %s\n  Second: %s"
                            % (what, self.describe(), other.describe()))
        return ElementSpec.from_flat(self.structure, [a.most_specific_compatible(b)
                                                      for a, b in zip(self.flat, other.flat)])

    def __repr__(self):
        return "ElementSpec(%s)" % self.describe()


def from_types_and_shapes(output_types, output_shapes=None, output_classes=None):
    """An ElementSpec from TF1 ``output_types`` / ``output_shapes`` / ``output_classes`` structures."""
    if output_shapes is None:
        output_shapes = nest.map_structure(lambda _: shapes.TensorShape(None), _as_structure(output_types))
    output_types, output_shapes = _as_structure(output_types), _as_structure(output_shapes, is_shape=True)
    nest.assert_same_structure(output_types, output_shapes, "structures of output_types and output_shapes")
    flat_classes = ([False] * len(nest.flatten(output_types)) if output_classes is None else
                    [c is SparseTensor for c in nest.flatten(_as_structure(output_classes))])
    flat = [LeafSpec(t, s, c) for t, s, c in zip(nest.flatten(output_types), nest.flatten(output_shapes),
                                                 flat_classes)]
    return ElementSpec.from_flat(output_types, flat)


def _as_structure(x, is_shape=False):
    """Lists of types become tuples (a TF1 habit); a shape given as a list stays one shape."""
    if is_shape and (isinstance(x, (list, shapes.TensorShape)) or x is None) and _is_shape_like(x):
        return shapes.TensorShape(x)
    if isinstance(x, list):
        return tuple(_as_structure(v, is_shape) for v in x)
    if isinstance(x, dict):
        return type(x)((k, _as_structure(v, is_shape)) for k, v in x.items())
    if isinstance(x, tuple) and not hasattr(x, "_fields"):
        if is_shape and _is_shape_like(x):
            return shapes.TensorShape(x)
        return tuple(_as_structure(v, is_shape) for v in x)
    if is_shape and not isinstance(x, tuple):
        return shapes.TensorShape(x)
    return x


def _is_shape_like(x):
    if x is None or isinstance(x, shapes.TensorShape):
        return True
    return all(d is None or isinstance(d, (int, np.integer, shapes.Dimension)) for d in x)


# ---- values -------------------------------------------------------------------
def to_bytes_array(arr):
    """A str/bytes array as an ``object`` array of ``bytes`` (UTF-8 encoded)."""
    out = np.empty(arr.shape, object)
    flat = out.reshape(-1)
    flat[:] = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in np.asarray(arr, object).reshape(-1)]
    return out


def to_array(value, dtype=None):
    """``value`` as a numpy array with TF1's conversion rules (Python float -> float32, str -> bytes)."""
    if dtype is not None and dtypes.as_dtype(dtype) is dtypes.string or (dtype is None and _is_text(value)):
        # object arrays: numpy's fixed-width bytes would drop trailing NUL bytes of binary records
        return to_bytes_array(value if isinstance(value, np.ndarray) else np.array(value, dtype=object))
    arr = _to_array(value, dtype)
    return to_bytes_array(arr) if arr.dtype == object else arr


def _is_text(value):
    """True for str / bytes, arrays of them, and (nested) lists whose first leaf is one."""
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, (str, bytes, np.str_, np.bytes_)):
        return True
    return isinstance(value, np.ndarray) and value.dtype.kind in "SUO"


def component_from_value(value, what="component"):
    """(LeafSpec, component) for one user-given leaf; Tensors stay symbolic (captured by the dataset)."""
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        t = value if isinstance(value, Tensor) else value._as_tensor()
        return LeafSpec(t.dtype, t.shape), t
    if isinstance(value, SparseTensor):
        raise TypeError("Symbolic SparseTensor %s components are not supported in datasets; pass a "
                        "kf.SparseTensorValue of numpy arrays" % (value,))
    if is_sparse_value(value):
        sp = sparse_value(value)
        return LeafSpec(dtypes.as_dtype(sp.values.dtype), [int(d) for d in sp.dense_shape], sparse=True), sp
    if isinstance(value, list) and any(isinstance(v, (tuple, dict)) for v in value):
        raise TypeError("Cannot convert a list holding tuples/dicts to one %s: %r...; use a tuple for "
                        "several components" % (what, value[:3]))
    try:
        arr = to_array(value)
    except (TypeError, ValueError) as e:
        raise TypeError("Cannot convert %r to a dataset %s (%s); lists must be rectangular and hold numbers "
                        "or strings" % (_short(value), what, e)) from None
    if arr.dtype.kind not in "biufO":
        raise TypeError("Unsupported dtype %s for a dataset %s" % (arr.dtype, what))
    if isinstance(value, np.ndarray) and np.may_share_memory(arr, value):
        arr = arr.copy()  # later changes to the user's array must not change the dataset
    arr.setflags(write=False)  # the dataset owns a private copy; elements may be views of it
    return LeafSpec(dtypes.as_dtype(arr.dtype), arr.shape), arr


def element_from_value(value, what="component"):
    """(ElementSpec, flat components) for a nested user value."""
    leaves = nest.flatten(value)
    if not leaves and not nest.is_leaf(value):
        raise ValueError("A dataset element must have at least one component, got %r" % (value,))
    pairs = [component_from_value(v, what) for v in leaves]
    return ElementSpec.from_flat(value, [p[0] for p in pairs]), [p[1] for p in pairs]


def sparse_value(v):
    return SparseTensorValue(np.asarray(v.indices, np.int64), np.asarray(v.values), np.asarray(v.dense_shape,
                                                                                               np.int64))


def canonical(v):
    """A computed component in canonical form: 0-d arrays become numpy scalars / bytes."""
    if v.__class__ is np.ndarray and v.ndim == 0:
        return v[()]
    return v


def as_feed(v):
    """A component as an ndarray (kernels expect arrays; 0-d strings become 0-d object arrays)."""
    if v.__class__ is np.ndarray:
        return v
    if isinstance(v, bytes):
        out = np.empty((), object)
        out[()] = v
        return out
    return np.asarray(v)


def component_spec(v):
    """The LeafSpec of a canonical component value (for specs learned from data)."""
    if is_sparse_value(v):
        return LeafSpec(dtypes.as_dtype(np.asarray(v.values).dtype), [int(d) for d in v.dense_shape], True)
    if isinstance(v, bytes):
        return LeafSpec(dtypes.string, [])
    return LeafSpec(dtypes.as_dtype(v.dtype), np.shape(v))


def _short(value):
    text = repr(value)
    return text if len(text) < 80 else text[:77] + "..."
