"""``kf.TensorArray``: TF1's write-once array of tensors, the usual way to collect per-iteration values.

A TensorArray is a light Python object over two tensors (``tensor_array_ops``: a dense buffer and a
written-mask). Every write returns a new TensorArray (``ta = ta.write(t, x)``), and ``while_loop`` carries
a TensorArray loop variable as its two tensors, so writes inside a loop and ``stack()`` after it work as in
TF1, with gradients through write, read, scatter, gather, stack, unstack, concat and split.

Example:
    >>> ta = kf.TensorArray(kf.float32, size=3)
    >>> _, ta = kf.while_loop(lambda i, ta: i < 3,
    ...                       lambda i, ta: (i + 1, ta.write(i, kf.cast(i, kf.float32) * 2.0)), (0, ta))
    >>> ta.stack()                                                # [0., 2., 4.]
"""
import itertools

from kflow.engine import dtypes, shapes
from kflow.engine.ops import tensor_array_ops as ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.identity_ops import identity, no_op
from kflow.engine.ops.array_ops import range as range_
from kflow.engine.ops.reshape_ops import reshape, shape as shape_of
from kflow.engine.ops.concat_ops import concat as concat_tensors

_anonymous = itertools.count()


class TensorArray:
    """TF1's ``tf.TensorArray`` (see the module docstring).

    Args:
        dtype: the elements' dtype.
        size: the number of elements (an int or int32 scalar tensor); 0 by default when ``dynamic_size``.
        dynamic_size: True lets writes past the end grow the array.
        clear_after_read: accepted for TF1 compatibility (reads do not change a TensorArray here, so an
            entry may be read more than once).
        tensor_array_name: the name used in error messages.
        element_shape: the elements' shape, when known (checked at every write).
        infer_shape: True fixes the element shape at the first write (as TF1).
    """

    def __init__(self, dtype, size=None, dynamic_size=None, clear_after_read=None, tensor_array_name=None,
                 handle=None, flow=None, infer_shape=True, element_shape=None, colocate_with_first_write_call=True,
                 name=None):
        if handle is not None or flow is not None:
            raise ValueError("TensorArray: building from handle/flow is not supported; use write/unstack/scatter")
        self._dtype = dtypes.as_dtype(dtype)
        self._dynamic_size = bool(dynamic_size)
        if size is None:
            if not self._dynamic_size:
                raise ValueError("TensorArray: size must be given unless dynamic_size=True")
            size = 0
        self._name = tensor_array_name or name or "TensorArray_%d" % next(_anonymous)
        self._infer_shape = infer_shape
        self._element_shape = shapes.as_shape(element_shape) if element_shape is not None else \
            shapes.TensorShape(None)
        known = self._element_shape.as_list() if self._element_shape.is_fully_defined() else None
        self._buffer, self._written = ops.tensor_array_init(size, self._dtype, known, name or "TensorArray")

    # -- TF1's properties -------------------------------------------------------------------------
    @property
    def dtype(self):
        return self._dtype

    @property
    def dynamic_size(self):
        return self._dynamic_size

    @property
    def flow(self):
        """The tensor carrying the array's values (its buffer)."""
        return self._buffer

    @property
    def handle(self):
        return self._buffer

    @property
    def element_shape(self):
        return self._element_shape

    def __repr__(self):
        return "<kf.TensorArray '%s' dtype=%s element_shape=%s>" % (self._name, self._dtype.name,
                                                                    self._element_shape)

    # -- while_loop carries a TensorArray as its flow tensors ---------------------------------------
    def _loop_flows(self):
        return [self._buffer, self._written]

    def _with_flows(self, flows, element_shape=None):
        new = object.__new__(TensorArray)
        new.__dict__.update(self.__dict__)
        new._buffer, new._written = flows
        if element_shape is not None:
            new._element_shape = element_shape
        return new

    # -- writing ----------------------------------------------------------------------------------
    def _checked_value(self, value, rows, what):
        value = convert_to_tensor(value, dtype=self._dtype)
        elem = value.shape if rows == 0 else shapes.TensorShape(value.shape.dims[rows:]) \
            if value.shape.dims is not None else shapes.TensorShape(None)
        if not elem.is_compatible_with(self._element_shape):
            raise ValueError("TensorArray '%s': cannot %s an element of shape %s: the array holds elements of "
                             "shape %s ('%s')" % (self._name, what, elem, self._element_shape, value.name))
        merged = self._element_shape.merge_with(elem) if self._infer_shape else self._element_shape
        return value, merged

    def write(self, index, value, name=None):
        """A new TensorArray with ``value`` at ``index`` (each index is written once)."""
        value, merged = self._checked_value(value, 0, "write")
        flows = ops.scatter(self._buffer, self._written, index, value, self._name, self._dynamic_size, merged)
        return self._with_flows(flows, merged)

    def scatter(self, indices, value, name=None):
        """A new TensorArray with ``value[k]`` at ``indices[k]``."""
        value, merged = self._checked_value(value, 1, "scatter")
        flows = ops.scatter(self._buffer, self._written, indices, value, self._name, self._dynamic_size, merged)
        return self._with_flows(flows, merged)

    def unstack(self, value, name=None):
        """A new TensorArray holding ``value``'s rows (``value[i]`` at index ``i``)."""
        value = convert_to_tensor(value, dtype=self._dtype)
        return self.scatter(range_(shape_of(value)[0]), value, name=name)

    def split(self, value, lengths, name=None):
        """A new TensorArray holding ``value`` cut along axis 0 into pieces of ``lengths`` (equal here)."""
        value = convert_to_tensor(value, dtype=self._dtype)
        rows = ops.split_rows(value, lengths, self._name)
        return self.scatter(range_(shape_of(rows)[0]), rows, name=name)

    # -- reading ----------------------------------------------------------------------------------
    def read(self, index, name=None):
        """The element at ``index`` (an error if it was never written)."""
        return ops.read(self._buffer, self._written, index, self._name, self._element_shape, name)

    def gather(self, indices, name=None):
        """The elements at ``indices``, stacked."""
        return ops.read(self._buffer, self._written, indices, self._name, self._element_shape, name)

    def stack(self, name=None):
        """All elements stacked: ``[size, *element_shape]``."""
        return ops.stack(self._buffer, self._written, self._name, name)

    def concat(self, name=None):
        """All elements joined along their first axis."""
        stacked = self.stack()
        if self._element_shape.is_fully_defined():
            return reshape(stacked, [-1] + self._element_shape.as_list()[1:], name=name)
        rest = shape_of(stacked)[2:]  # (elements are at least 1-d; a 0-d element has no axis to join)
        return reshape(stacked, concat_tensors([convert_to_tensor([-1]), rest], 0), name=name)

    def size(self, name=None):
        """The number of elements (an int32 scalar tensor)."""
        return ops.size(self._written, name)

    def identity(self):
        """A TensorArray over identities of this one's tensors (for control dependencies)."""
        return self._with_flows([identity(self._buffer), identity(self._written)])

    def close(self, name=None):
        """An op that does nothing (a TensorArray holds no resource to free here)."""
        return no_op(name=name or "TensorArrayClose")
