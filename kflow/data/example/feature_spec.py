"""Feature specs for parsing ``tf.train.Example`` records (``kf.io.FixedLenFeature`` etc.).

These are plain namedtuples, as in TF, so they print, compare and hash like
TF's. ``dtype`` may be a numpy dtype, a string (``'float32'``, ``'int64'``,
``'string'``) or any object with an ``as_numpy_dtype`` attribute (kflow's
``kf.float32``); :func:`resolve_dtype` maps it to the Example list kind.

Example:
    >>> spec = {"image_raw": FixedLenFeature([], "string"),
    ...         "label": FixedLenFeature([], "int64", default_value=-1),
    ...         "tags": VarLenFeature("string")}
"""

import collections

import numpy as np

# Field numbers of the ``Feature.kind`` oneof; also used as kind ids everywhere.
BYTES_LIST = 1
FLOAT_LIST = 2
INT64_LIST = 3
KIND_NAMES = {BYTES_LIST: "bytes_list", FLOAT_LIST: "float_list", INT64_LIST: "int64_list"}
# The dtype TF names for each kind in its error messages.
KIND_DTYPES = {BYTES_LIST: "string", FLOAT_LIST: "float", INT64_LIST: "int64"}


class FixedLenFeature(collections.namedtuple("FixedLenFeature", ["shape", "dtype", "default_value"])):
    """A feature with a fixed number of values, parsed into a dense array.

    Args:
        shape: the shape of one example's value; ``[]`` for a scalar.
        dtype: ``float32``, ``int64`` or ``string`` (other float / integer
            dtypes are accepted and cast).
        default_value: used where the feature is missing; ``None`` makes the
            feature required.
    """

    __slots__ = ()

    def __new__(cls, shape, dtype, default_value=None):
        return super().__new__(cls, shape, dtype, default_value)


class VarLenFeature(collections.namedtuple("VarLenFeature", ["dtype"])):
    """A feature with any number of values, parsed into a :class:`SparseValue`."""

    __slots__ = ()


class FixedLenSequenceFeature(collections.namedtuple(
        "FixedLenSequenceFeature", ["shape", "dtype", "allow_missing", "default_value"])):
    """A feature whose values are a sequence of ``shape``-sized steps.

    Parsed into a dense ``[batch, max_steps] + shape`` array padded with
    ``default_value`` (zero / ``b''`` when ``None``). As in TF, parsing a
    batch requires ``allow_missing=True``.
    """

    __slots__ = ()

    def __new__(cls, shape, dtype, allow_missing=False, default_value=None):
        return super().__new__(cls, shape, dtype, allow_missing, default_value)


class SparseValue(collections.namedtuple("SparseValue", ["indices", "values", "dense_shape"])):
    """A numpy sparse tensor value: ``indices`` int64 ``[N, rank]``, ``values`` ``[N]``,
    ``dense_shape`` int64 ``[rank]`` (like ``tf.SparseTensorValue``)."""

    __slots__ = ()


def resolve_dtype(dtype):
    """Maps a spec dtype to ``(kind, numpy_dtype)``.

    Strings come back as ``object`` arrays of ``bytes`` (what TF's
    ``Session.run`` returns for string tensors).

    Example:
        >>> resolve_dtype("string")
        (1, dtype('O'))

    Raises:
        ValueError: the dtype is not a float, integer or string type.
    """
    np_like = getattr(dtype, "as_numpy_dtype", dtype)
    if np_like in (bytes, str, object) or (isinstance(np_like, str) and np_like in ("string", "str", "bytes")):
        return BYTES_LIST, np.dtype(object)
    try:
        np_dtype = np.dtype(np_like)
    except TypeError:
        raise ValueError("Unsupported feature dtype %r: expected float32, int64 or string" % (dtype,))
    if np_dtype.kind in "SUO":
        return BYTES_LIST, np.dtype(object)
    if np_dtype.kind == "f":
        return FLOAT_LIST, np_dtype
    if np_dtype.kind in "iub":
        return INT64_LIST, np_dtype
    raise ValueError("Unsupported feature dtype %r: expected float32, int64 or string" % (dtype,))


def resolve_shape(shape, key):
    """A spec shape as a tuple of non-negative ints (``TensorShape``-like objects allowed)."""
    if hasattr(shape, "as_list"):
        shape = shape.as_list()
    if shape is None:
        raise ValueError("Feature %r: shape must be fully defined, got None" % key)
    if isinstance(shape, (int, np.integer)):
        shape = [shape]
    out = []
    for dim in shape:
        if dim is None or int(dim) < 0:
            raise ValueError("Feature %r: shape must be fully defined, got %r" % (key, list(shape)))
        out.append(int(dim))
    return tuple(out)
