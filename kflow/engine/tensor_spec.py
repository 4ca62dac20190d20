"""``kf.TensorSpec``: the dtype and (partly known) shape a tensor argument must have.

``kf.function(input_signature=[...])`` traces its function once over placeholders made from the specs, so every
call that fits them reuses that one graph whatever its batch size; ``Dataset.element_spec``-style code reads them.

Example:
    >>> spec = kf.TensorSpec([None, 3], kf.float32, name="x")
    >>> spec.is_compatible_with(np.zeros((8, 3), np.float32))
    True
"""
import numpy as np

from kflow.engine import dtypes, shapes


class TensorSpec:
    """Args:
        shape: a TensorShape or list with ``None`` for unknown dimensions (``None``: any rank).
        dtype: the element type (default float32).
        name: the name of the placeholder a trace makes for it.
    """

    def __init__(self, shape, dtype=dtypes.float32, name=None):
        self.shape = shapes.as_shape(shape)
        self.dtype = dtypes.as_dtype(dtype)
        self.name = name

    @classmethod
    def from_tensor(cls, tensor, name=None):
        return cls(tensor.shape, tensor.dtype, name or getattr(tensor, "name", None))

    def is_compatible_with(self, value):
        """Whether ``value`` (a spec, tensor or array) has this dtype and a shape that fits this one."""
        dtype = dtypes.as_dtype(value.dtype)
        shape = value.shape if isinstance(value.shape, shapes.TensorShape) else shapes.as_shape(np.shape(value))
        return dtype == self.dtype and self.shape.is_compatible_with(shape)

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.shape, self.dtype, self.name) == (
            other.shape, other.dtype, other.name)

    def __hash__(self):
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self):
        dims = None if self.shape.dims is None else tuple(self.shape.as_list())
        return "TensorSpec(shape=%s, dtype=%r, name=%r)" % (dims, self.dtype, self.name)
