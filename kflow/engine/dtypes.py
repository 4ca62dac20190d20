"""Data types (``kf.float32`` ...), mirroring ``tf.DType``.

Example:
    >>> kf.float32.as_numpy_dtype
    <class 'numpy.float32'>
    >>> kf.as_dtype("int64") is kf.int64
    True
"""
import numpy as np


class DType:
    """A tensor element type; wraps a numpy dtype."""

    def __init__(self, name, np_type):
        self.name = name
        self._np = np.dtype(np_type) if np_type is not object else np.dtype(object)
        self.as_numpy_dtype = np_type

    @property
    def base_dtype(self):
        return self

    @property
    def is_floating(self):
        return self._np.kind == "f"

    @property
    def is_integer(self):
        return self._np.kind in "iu"

    @property
    def is_bool(self):
        return self._np.kind == "b"

    @property
    def is_numeric(self):
        return self._np.kind in "iufc"

    @property
    def is_unsigned(self):
        return self._np.kind == "u"

    @property
    def size(self):
        return self._np.itemsize

    @property
    def min(self):
        return np.finfo(self._np).min if self.is_floating else np.iinfo(self._np).min

    @property
    def max(self):
        return np.finfo(self._np).max if self.is_floating else np.iinfo(self._np).max

    def __repr__(self):
        return "tf.%s" % self.name

    def __eq__(self, other):
        if other is None:
            return False
        try:
            return self is as_dtype(other)
        except TypeError:
            return False

    def __hash__(self):
        return hash(self.name)


float16 = DType("float16", np.float16)
half = float16
float32 = DType("float32", np.float32)
float64 = DType("float64", np.float64)
double = float64
int8 = DType("int8", np.int8)
int16 = DType("int16", np.int16)
int32 = DType("int32", np.int32)
int64 = DType("int64", np.int64)
uint8 = DType("uint8", np.uint8)
uint16 = DType("uint16", np.uint16)
bool = DType("bool", np.bool_)  # noqa: A001 - TF's public name
string = DType("string", object)

_ALL = [float16, float32, float64, int8, int16, int32, int64, uint8, uint16, bool, string]
_BY_NAME = {d.name: d for d in _ALL}
_BY_NAME.update({"half": float16, "float": float32, "double": float64, "bool_": bool})  # TF1: placeholder("float")
_BY_NP = {d._np: d for d in _ALL if d is not string}


def as_dtype(value):
    """Converts a DType, numpy dtype/type, or name to a kflow DType.

    Raises:
        TypeError: if ``value`` names no supported type.
    """
    if isinstance(value, DType):
        return value
    if isinstance(value, str):
        if value in _BY_NAME:
            return _BY_NAME[value]
        raise TypeError("Cannot convert %r to a kflow DType" % (value,))
    if value in (str, bytes):
        return string
    if value is float:
        return float32
    if value is int:
        return int32
    try:
        npd = np.dtype(value)
    except TypeError:
        raise TypeError("Cannot convert %r to a kflow DType" % (value,)) from None
    if npd.kind in "SUO":
        return string
    if npd in _BY_NP:
        return _BY_NP[npd]
    raise TypeError("Cannot convert %r to a kflow DType" % (value,))


def string_array(value):
    """``value`` as a string tensor's value: an object array of bytes (TF strings are bytes, so Python ``str``
    elements are UTF-8 encoded; numpy's fixed-width ``S`` arrays would drop trailing NUL bytes)."""
    if isinstance(value, np.ndarray) and value.dtype == object and not any(
            isinstance(item, str) for item in value.reshape(-1)):
        return value  # already bytes (a batch of serialized records): no copy on every feed
    arr = np.array(value.tolist() if isinstance(value, np.ndarray) and value.dtype.kind in "SU" else value,
                    dtype=object)
    flat = arr.reshape(-1)
    for i, item in enumerate(flat):
        if isinstance(item, str):
            flat[i] = item.encode("utf-8")
    return arr
