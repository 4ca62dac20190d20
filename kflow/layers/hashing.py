"""Hashing preprocessing layers, as Keras 3: Hashing (a value -> one of ``num_bins`` bins by FarmHash
Fingerprint64, or SipHash-2-4 with ``salt``) and HashedCrossing (a tuple of feature values -> one bin, as
``tf.sparse.cross_hashed``). Bins equal TF's, so a model trained with Keras buckets features identically.

Numbers are hashed as their decimal text (floats are cast to int64 first), strings as their bytes.

Example:
    >>> Hashing(num_bins=3)(kf.constant([["A"], ["B"], ["C"], ["D"], ["E"]]))     # [[1], [0], [1], [1], [2]]
    >>> HashedCrossing(num_bins=5)((kf.constant(["A", "B"]), kf.constant([101, 102])))
"""
import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.string_hash_ops import DEFAULT_CROSS_HASH_KEY, hash_buckets, cross_buckets
from kflow.layers.base import Layer
from kflow.layers.floatx import floatx
from kflow.layers.lookup_table import encode_ids


def _hashing_kernel(x, num_bins, mask_value, salt, output_mode, out_dtype):
    values = np.asarray(x)
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    bins = num_bins - 1 if mask_value is not None and num_bins > 1 else num_bins
    ids = hash_buckets(values, bins, key=salt)
    if mask_value is not None and num_bins > 1:
        masked = np.asarray(x) == (mask_value.encode("utf-8") if isinstance(mask_value, str) else mask_value)
        ids = np.where(masked, 0, ids + 1)
    return encode_ids(ids, output_mode, num_bins, np.dtype(out_dtype))


def _crossing_kernel(*columns, num_bins, output_mode, out_dtype):
    ids = cross_buckets(*columns, num_buckets=num_bins, hash_key=DEFAULT_CROSS_HASH_KEY)
    return encode_ids(ids, output_mode, num_bins, np.dtype(out_dtype))


HASHING = OpDef("KerasHashing", _hashing_kernel, grad=None, host_only=True)
HASHED_CROSSING = OpDef("KerasHashedCrossing", _crossing_kernel, grad=None, host_only=True)


def _encoded_shape(dims, output_mode, num_bins):
    if output_mode == "int":
        return shapes.TensorShape(dims)
    if output_mode == "one_hot":
        dims = dims[:-1] if len(dims) > 1 and dims[-1] == 1 else dims
        return shapes.TensorShape(list(dims) + [num_bins])
    return shapes.TensorShape(list(dims[:-1]) + [num_bins])


def _output_dtype(layer):
    if layer.output_mode == "int":
        return dtypes.as_dtype(layer.dtype if layer.dtype in ("int32", "int64") else "int64")
    return dtypes.as_dtype(layer.dtype if layer.dtype and dtypes.as_dtype(layer.dtype).is_floating else floatx())


class Hashing(Layer):
    """Values (strings or numbers) to ``num_bins`` bins: ``Fingerprint64(value) % num_bins``, or SipHash-2-4
    keyed by ``salt`` (an int, or two). With ``mask_value``, that value goes to bin 0 and the others to
    ``1 + hash % (num_bins - 1)``. ``output_mode``: "int", "one_hot", "multi_hot" or "count".

    Example:
        >>> Hashing(num_bins=3, salt=133)(kf.constant([["A"], ["B"]]))
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if num_bins is None or int(num_bins) <= 0:
            raise ValueError("Hashing: num_bins must be a positive int, got %r" % (num_bins,))
        if output_mode not in ("int", "one_hot", "multi_hot", "count"):
            raise ValueError("Hashing: output_mode must be int, one_hot, multi_hot or count, got %r" % (output_mode,))
        if sparse:
            raise NotImplementedError("Hashing: sparse=True is not supported by kflow")
        if salt is not None:
            salt = [int(salt)] * 2 if isinstance(salt, (int, np.integer)) else [int(s) for s in salt]
            if len(salt) != 2:
                raise ValueError("Hashing: salt must be an int or a pair of ints, got %r" % (salt,))
        self.num_bins, self.mask_value, self.salt = int(num_bins), mask_value, salt
        self.output_mode, self.sparse = output_mode, False

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if not (x.dtype is dtypes.string or x.dtype.is_integer or x.dtype.is_floating):
            raise TypeError("Hashing %r: inputs must be strings or numbers, got %s" % (self.name, x.dtype.name))
        out = _output_dtype(self)
        params = {"num_bins": self.num_bins, "mask_value": self.mask_value,
                  "salt": None if self.salt is None else tuple(self.salt), "output_mode": self.output_mode,
                  "out_dtype": out.name}
        return make_op(HASHING, [x], [(out, self.compute_output_shape(x.shape))], "Hashing",
                       params=params).outputs[0]

    def compute_output_shape(self, input_shape):
        shape = shapes.as_shape(input_shape)
        if shape.dims is None:
            return shape
        return _encoded_shape(shape.dims, self.output_mode, self.num_bins)

    def get_config(self):
        return dict(super().get_config(), num_bins=self.num_bins, salt=self.salt, mask_value=self.mask_value,
                    output_mode=self.output_mode, sparse=False)


class HashedCrossing(Layer):
    """Crosses two or more features (each of shape ``()``, ``(batch,)`` or ``(batch, 1)``, strings or integers)
    into ``num_bins`` bins, as ``tf.sparse.cross_hashed``; ``output_mode`` "int" or "one_hot".

    Example:
        >>> HashedCrossing(num_bins=5, output_mode="one_hot")((kf.constant([3, 1]), kf.constant(["A", "B"])))
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if num_bins is None or int(num_bins) <= 0:
            raise ValueError("HashedCrossing: num_bins must be a positive int, got %r" % (num_bins,))
        if output_mode not in ("int", "one_hot"):
            raise ValueError("HashedCrossing: output_mode must be 'int' or 'one_hot', got %r" % (output_mode,))
        if sparse:
            raise NotImplementedError("HashedCrossing: sparse=True is not supported by kflow")
        self.num_bins, self.output_mode, self.sparse = int(num_bins), output_mode, False

    def call(self, inputs):
        if not isinstance(inputs, (list, tuple)) or len(inputs) < 2:
            raise ValueError("HashedCrossing %r: call it on a list or tuple of at least two inputs, got %r"
                             % (self.name, inputs))
        columns = [convert_to_tensor(x) for x in inputs]
        first = columns[0].shape
        for c in columns:
            if c.shape.ndims is not None and (c.shape.ndims > 2 or c.shape.ndims == 2 and c.shape.dims[-1] != 1):
                raise ValueError("HashedCrossing %r: inputs must have shape (), (batch,) or (batch, 1), got %s"
                                 % (self.name, [str(t.shape) for t in columns]))
            if not c.shape.is_compatible_with(first):
                raise ValueError("HashedCrossing %r: inputs must have equal shapes, got %s"
                                 % (self.name, [str(t.shape) for t in columns]))
            if c.dtype.is_floating or c.dtype.is_bool:
                raise TypeError("HashedCrossing %r: inputs must be strings or integers, got %s"
                                % (self.name, c.dtype.name))
        out = _output_dtype(self)
        return make_op(HASHED_CROSSING, columns, [(out, self.compute_output_shape([first]))], "HashedCrossing",
                       params={"num_bins": self.num_bins, "output_mode": self.output_mode,
                               "out_dtype": out.name}).outputs[0]

    def compute_output_shape(self, input_shape):
        first = shapes.as_shape(input_shape[0])
        if self.output_mode == "int" or first.dims is None:
            return first
        return shapes.TensorShape((list(first.dims[:-1]) if first.ndims == 2 else list(first.dims))
                                  + [self.num_bins])

    def get_config(self):
        return dict(super().get_config(), num_bins=self.num_bins, output_mode=self.output_mode, sparse=False)
