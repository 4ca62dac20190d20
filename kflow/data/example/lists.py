"""The list messages of ``tf.train.Feature`` (``BytesList``, ``FloatList``, ``Int64List``) and the message base.

``value`` is a ``list`` subclass that type-checks what goes in (as protobuf
does) and tells its owner when it changes, so that touching
``feature.int64_list.value`` selects ``int64_list`` in the ``Feature`` oneof.

Example:
    >>> Int64List(value=[1, 2]).SerializeToString()
    b'\\n\\x02\\x01\\x02'
"""

import numbers

import numpy as np

from kflow.data.example import wire_format
from kflow.proto import wire
from kflow.proto.message_api import MessageAPI
from kflow.proto.text_format import quote

_INT64_MIN, _INT64_MAX = -(1 << 63), (1 << 63) - 1


class _Repeated(list):
    """The ``value`` field of a list message: a list that checks types and marks presence."""

    __slots__ = ("_owner",)

    def __init__(self, owner, items=()):
        super().__init__(owner._convert_all(items))
        self._owner = owner

    def _changed(self):
        self._owner._modified()

    def append(self, item):
        super().append(self._owner._convert(item))
        self._changed()

    def extend(self, items):
        super().extend(self._owner._convert_all(items))
        self._changed()

    def insert(self, index, item):
        super().insert(index, self._owner._convert(item))
        self._changed()

    def __setitem__(self, index, item):
        if isinstance(index, slice):
            super().__setitem__(index, self._owner._convert_all(item))
        else:
            super().__setitem__(index, self._owner._convert(item))
        self._changed()

    def __delitem__(self, index):
        super().__delitem__(index)
        self._changed()

    def pop(self, index=-1):
        item = super().pop(index)
        self._changed()
        return item

    def remove(self, item):
        super().remove(item)
        self._changed()

    def __iadd__(self, items):
        self.extend(items)
        return self

    def __reduce__(self):
        return list, (list(self),)


class _Message(MessageAPI):
    """Common protobuf-like behaviour; subclasses define the fields."""

    __slots__ = ("_parent",)

    def _modified(self):
        # Like protobuf, touching a sub-message makes it present in its parent.
        if self._parent is not None:
            owner, name = self._parent
            owner._child_set(name, self)

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self._key() == other._key()

    def __repr__(self):
        return "\n".join(self._text_lines("")) + ("\n" if self._key() else "")

    __str__ = __repr__


class _List(_Message):
    __slots__ = ("_value",)
    _fmt = repr

    def __init__(self, value=None):
        self._parent = None
        self._value = _Repeated(self, () if value is None else value)

    @property
    def value(self):
        return self._value

    @value.setter
    def value(self, items):
        self._value = _Repeated(self, items)
        self._modified()

    def _key(self):
        return list(self._value)

    def _copy(self):
        # Values were checked when they went in: copy without converting them again.
        new = type(self).__new__(type(self))
        new._parent = None
        new._value = _Repeated.__new__(_Repeated)
        list.extend(new._value, self._value)
        new._value._owner = new
        return new

    def Clear(self):
        del self._value[:]

    def MergeFromString(self, data):
        data = bytes(data)
        values = self._decode(data, 0, len(data))
        list.extend(self._value, values if isinstance(values, list) else values.tolist())
        self._modified()
        return len(data)

    def _text_lines(self, indent):
        return ["%svalue: %s" % (indent, self._fmt(v)) for v in self._value]

    def _convert_all(self, items):
        return [self._convert(v) for v in items]


class BytesList(_List):
    """``tf.train.BytesList``: ``value`` is a list of ``bytes``."""

    __slots__ = ()
    _decode = staticmethod(wire_format.decode_bytes_list)
    _fmt = staticmethod(quote)

    def _convert(self, item):
        if isinstance(item, bytes):
            return bytes(item)
        if isinstance(item, (bytearray, memoryview)):
            return bytes(item)
        raise TypeError("%r has type %s, but expected one of: bytes (encode str values first, "
                        "e.g. s.encode('utf-8'))" % (item, type(item).__name__))

    def _convert_all(self, items):
        if isinstance(items, np.ndarray) and items.dtype.kind == "S":
            return items.tolist()
        return [self._convert(v) for v in items]

    def SerializeToString(self):
        return b"".join([wire.field_bytes(1, v) for v in self._value])


class FloatList(_List):
    """``tf.train.FloatList``: ``value`` holds floats, rounded to float32 as protobuf stores them."""

    __slots__ = ()
    _decode = staticmethod(wire_format.decode_float_list)
    _fmt = staticmethod(lambda v: str(np.float32(v)))

    def _convert(self, item):
        if isinstance(item, numbers.Real) and not isinstance(item, (str, bytes)):
            return float(np.float32(item))
        raise TypeError("%r has type %s, but expected one of: int, float" % (item, type(item).__name__))

    def _convert_all(self, items):
        if isinstance(items, np.ndarray) and items.dtype.kind in "fiub":
            return items.astype(np.float32).ravel().tolist()
        return [self._convert(v) for v in items]

    def SerializeToString(self):
        return wire.field_packed_floats(1, self._value)


class Int64List(_List):
    """``tf.train.Int64List``: ``value`` holds Python ints in the int64 range."""

    __slots__ = ()
    _decode = staticmethod(wire_format.decode_int64_list)

    def _convert(self, item):
        if isinstance(item, numbers.Integral) or (isinstance(item, np.ndarray) and item.ndim == 0
                                                  and item.dtype.kind in "iub"):
            item = int(item)
            if _INT64_MIN <= item <= _INT64_MAX:
                return item
            raise ValueError("Value out of range: %d" % item)
        raise TypeError("%r has type %s, but expected one of: int" % (item, type(item).__name__))

    def _convert_all(self, items):
        if isinstance(items, np.ndarray) and items.dtype.kind in "ib":
            return items.astype(np.int64).ravel().tolist()
        return [self._convert(v) for v in items]

    def SerializeToString(self):
        return wire.field_packed_varints(1, self._value)
