"""``kf.SparseTensor``: a symbolic sparse tensor (indices, values, dense_shape) and its numpy value.

``Session.run`` fetches a SparseTensor as a :class:`SparseTensorValue`
namedtuple (through ``_fetch_components``), like TF 1.x.

Example:
    >>> sp = kf.SparseTensor(indices=[[0, 0], [1, 2]], values=[1.0, 2.0], dense_shape=[3, 4])
    >>> with kf.Session() as sess:
    ...     sess.run(sp).values
    array([1., 2.], dtype=float32)
"""
import collections

import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import constant_value
from kflow.engine.default_session import session_for


class SparseTensorValue(collections.namedtuple("SparseTensorValue", ["indices", "values", "dense_shape"])):
    """The value of a SparseTensor: int64 ``indices [N, rank]``, ``values [N]``, int64 ``dense_shape [rank]``."""

    __slots__ = ()


def is_sparse_value(x):
    """True for SparseTensorValue and for namedtuples of its three fields (as the Example parsers' values).

    Told apart by the fields rather than by class, so this package need not know the packages above it that
    produce sparse values.
    """
    return isinstance(x, tuple) and getattr(x, "_fields", None) == SparseTensorValue._fields


class SparseTensor:
    """A sparse tensor of three dense tensors, as ``tf.SparseTensor``.

    Args:
        indices: int64 ``[N, rank]`` coordinates of the non-zero values.
        values: ``[N]`` values.
        dense_shape: int64 ``[rank]`` shape of the dense tensor.
    """

    def __init__(self, indices, values, dense_shape):
        self.indices = convert_to_tensor(indices, dtype=dtypes.int64, name="indices")
        self.values = convert_to_tensor(values, name="values")
        self.dense_shape = convert_to_tensor(dense_shape, dtype=dtypes.int64, name="dense_shape")
        known = constant_value(self.dense_shape)
        if known is not None:
            self._shape = shapes.TensorShape([int(d) for d in np.ravel(known)])
        else:
            rank = self.dense_shape.shape.dims[0] if self.dense_shape.shape.ndims == 1 else None
            self._shape = shapes.TensorShape(None if rank is None else [None] * rank)

    @classmethod
    def from_value(cls, value):
        return cls(value.indices, value.values, value.dense_shape)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        self._shape = self._shape.merge_with(shape)

    @property
    def graph(self):
        return self.values.graph

    @property
    def op(self):
        return self.values.op

    def _fetch_components(self):
        return [self.indices, self.values, self.dense_shape], lambda vals: SparseTensorValue(*vals)

    def eval(self, feed_dict=None, session=None):
        return session_for(session, self.values).run(self, feed_dict)

    def __repr__(self):
        return "SparseTensor(indices=%s, values=%s, dense_shape=%s)" % (self.indices, self.values, self.dense_shape)
