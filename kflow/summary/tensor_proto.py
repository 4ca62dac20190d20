"""TensorFlow's ``TensorProto`` / ``TensorShapeProto`` and ``DataType`` enum, with array conversions.

Used by tensor and text summaries (the value travels as a TensorProto) and by
GraphDef export (dtype attributes, shapes and constant values).

Example:
    >>> proto = make_tensor_proto(np.array([[1, 2]], np.int32))
    >>> proto.dtype == DT_INT32, [d.size for d in proto.tensor_shape.dim]
    (True, [1, 2])
    >>> make_ndarray(TensorProto.FromString(proto.SerializeToString()))
    array([[1, 2]], dtype=int32)
"""
import numpy as np

from kflow.engine import dtypes
from kflow.proto.message import Field, Message

# tensorflow/core/framework/types.proto
DT_INVALID, DT_FLOAT, DT_DOUBLE, DT_INT32, DT_UINT8, DT_INT16, DT_INT8, DT_STRING = 0, 1, 2, 3, 4, 5, 6, 7
DT_INT64, DT_BOOL, DT_UINT16, DT_HALF = 9, 10, 17, 19
DATA_TYPE_NAMES = {DT_INVALID: "DT_INVALID", DT_FLOAT: "DT_FLOAT", DT_DOUBLE: "DT_DOUBLE", DT_INT32: "DT_INT32",
                   DT_UINT8: "DT_UINT8", DT_INT16: "DT_INT16", DT_INT8: "DT_INT8", DT_STRING: "DT_STRING",
                   DT_INT64: "DT_INT64", DT_BOOL: "DT_BOOL", DT_UINT16: "DT_UINT16", DT_HALF: "DT_HALF"}
_BY_KFLOW_NAME = {"float32": DT_FLOAT, "float64": DT_DOUBLE, "int32": DT_INT32, "uint8": DT_UINT8,
                  "int16": DT_INT16, "int8": DT_INT8, "string": DT_STRING, "int64": DT_INT64, "bool": DT_BOOL,
                  "uint16": DT_UINT16, "float16": DT_HALF}
_TO_KFLOW = {v: dtypes.as_dtype(k) for k, v in _BY_KFLOW_NAME.items()}


def data_type_enum(dtype):
    """The ``DataType`` enum value of a kflow dtype (or anything ``kf.as_dtype`` accepts)."""
    return _BY_KFLOW_NAME[dtypes.as_dtype(dtype).name]


def kflow_dtype(enum_value):
    """The kflow dtype of a ``DataType`` enum value."""
    try:
        return _TO_KFLOW[enum_value]
    except KeyError:
        raise TypeError("DataType %s has no kflow dtype" % DATA_TYPE_NAMES.get(enum_value, enum_value)) from None


class TensorShapeProto(Message):
    """``tensorflow.TensorShapeProto``: ``dim`` (size -1 = unknown), or ``unknown_rank``."""

    class Dim(Message):
        FIELDS = (Field(1, "size", "int64"), Field(2, "name", "string"))

    FIELDS = (Field(2, "dim", "message", repeated=True, message=Dim), Field(3, "unknown_rank", "bool"))


class TensorProto(Message):
    """``tensorflow.TensorProto`` (the fields kflow writes and reads)."""

    FIELDS = (
        Field(1, "dtype", "enum", enum=DATA_TYPE_NAMES),
        Field(2, "tensor_shape", "message", message=TensorShapeProto),
        Field(3, "version_number", "int32"),
        Field(4, "tensor_content", "bytes"),
        Field(5, "float_val", "float", repeated=True),
        Field(6, "double_val", "double", repeated=True),
        Field(7, "int_val", "int32", repeated=True),
        Field(8, "string_val", "bytes", repeated=True),
        Field(10, "int64_val", "int64", repeated=True),
        Field(11, "bool_val", "bool", repeated=True),
        Field(13, "half_val", "int32", repeated=True),
    )


def shape_proto(shape):
    """A ``TensorShapeProto`` from a kflow TensorShape, a tuple, or None (unknown rank)."""
    dims = getattr(shape, "dims", shape)
    if dims is None:
        return TensorShapeProto(unknown_rank=True)
    return TensorShapeProto(dim=[TensorShapeProto.Dim(size=-1 if d is None else int(d)) for d in dims])


def make_tensor_proto(values, dtype=None, with_content=True):
    """A ``TensorProto`` holding ``values`` (numbers as little-endian ``tensor_content``, strings in ``string_val``).

    Args:
        values: array-like; strings (str/bytes) give a DT_STRING tensor.
        dtype: optional kflow dtype to convert to.
        with_content: False gives dtype and shape only (used for big constants in graphs).
    """
    arr = np.asarray(values)
    kdtype = dtypes.as_dtype(dtype if dtype is not None else arr.dtype)
    proto = TensorProto(dtype=data_type_enum(kdtype), tensor_shape=shape_proto(arr.shape))
    if not with_content:
        return proto
    if kdtype is dtypes.string:
        proto.string_val.extend(x.encode("utf-8") if isinstance(x, str) else bytes(x) for x in arr.reshape(-1))
    else:
        proto.tensor_content = np.ascontiguousarray(arr, dtype=np.dtype(kdtype.as_numpy_dtype).newbyteorder("<")
                                                    ).tobytes()
    return proto


def make_ndarray(proto):
    """The numpy array held by a ``TensorProto`` (strings as an object array of bytes)."""
    shape = tuple(d.size for d in proto.tensor_shape.dim)
    kdtype = kflow_dtype(proto.dtype)
    count = int(np.prod(shape)) if shape else 1
    if kdtype is dtypes.string:
        vals = list(proto.string_val)
        out = np.empty(len(vals), dtype=object)
        out[:] = vals
    elif proto.tensor_content:
        out = np.frombuffer(proto.tensor_content, dtype=np.dtype(kdtype.as_numpy_dtype).newbyteorder("<"))
    else:
        field = {DT_FLOAT: "float_val", DT_DOUBLE: "double_val", DT_INT64: "int64_val", DT_BOOL: "bool_val",
                 DT_HALF: "half_val"}.get(proto.dtype, "int_val")
        vals = getattr(proto, field)
        if proto.dtype == DT_HALF:
            out = np.array(vals, np.uint16).view(np.float16)
        else:
            out = np.array(vals, dtype=kdtype.as_numpy_dtype)
    if out.size == 1 and count > 1:  # protobuf's shorthand: one value fills the tensor
        out = np.repeat(out, count)
    return out.astype(kdtype.as_numpy_dtype if kdtype is not dtypes.string else object).reshape(shape)
