"""Declarative protobuf messages (proto3) over :mod:`kflow.proto.wire`, without the protobuf package.

A message class lists its fields; this module gives it the protobuf Python
API TF users touch: keyword construction, attribute access with defaults
(an unset sub-message reads as an empty one, so ``event.summary.value`` is
always iterable), ``HasField`` / ``WhichOneof``, ``value.add(...)``,
``SerializeToString`` / ``FromString`` / ``ParseFromString``, equality and
text format (``str(msg)``). Serialization is deterministic: fields in
number order, numeric repeated fields packed, map entries sorted by key.

Example:
    >>> class Point(Message):
    ...     FIELDS = (Field(1, "x", "double"), Field(2, "label", "string"))
    >>> p = Point(x=1.5, label="a")
    >>> Point.FromString(p.SerializeToString()).x
    1.5
"""
import numpy as np

from kflow.proto import wire
from kflow.proto.message_api import MessageAPI
from kflow.proto.text_format import quote

# kind -> (wire type, default, encoder of one value)
_SCALARS = {
    "double": (wire.WIRE_I64, 0.0, wire.field_double),
    "float": (wire.WIRE_I32, 0.0, wire.field_float),
    "int64": (wire.WIRE_VARINT, 0, wire.field_varint),
    "int32": (wire.WIRE_VARINT, 0, wire.field_varint),
    "uint64": (wire.WIRE_VARINT, 0, wire.field_varint),
    "enum": (wire.WIRE_VARINT, 0, wire.field_varint),
    "bool": (wire.WIRE_VARINT, False, wire.field_bool),
    "string": (wire.WIRE_LEN, "", wire.field_string),
    "bytes": (wire.WIRE_LEN, b"", wire.field_bytes),
}
_PACKED = {"double": wire.pack_doubles, "float": wire.pack_floats}


class Field:
    """One field: ``Field(number, name, kind, repeated=False, message=None, oneof=None, enum=None)``.

    ``kind`` is a scalar kind ("double", "float", "int64", "int32", "uint64", "enum", "bool",
    "string", "bytes"), "message" (``message`` is its class) or "map" (string keys; ``message``
    is the value class). ``enum`` maps numbers to names for text format.
    """

    __slots__ = ("number", "name", "kind", "repeated", "message", "oneof", "enum")

    def __init__(self, number, name, kind, repeated=False, message=None, oneof=None, enum=None):
        if kind not in _SCALARS and kind not in ("message", "map"):
            raise ValueError("unknown field kind %r" % kind)
        self.number, self.name, self.kind, self.repeated = number, name, kind, repeated
        self.message, self.oneof, self.enum = message, oneof, enum

    def default(self):
        return _SCALARS[self.kind][1]

    def convert(self, value):
        """Checks and normalizes one value assigned to this field."""
        kind = self.kind
        if kind == "message":
            if not isinstance(value, self.message):
                raise TypeError("field %s expects a %s, got %s" % (self.name, self.message.__name__,
                                                                   type(value).__name__))
            return value
        if kind in ("double", "float"):
            return float(value)
        if kind == "bool":
            return bool(value)
        if kind == "string":
            return value.decode("utf-8") if isinstance(value, (bytes, bytearray)) else str(value)
        if kind == "bytes":
            return value.encode("utf-8") if isinstance(value, str) else bytes(value)
        if kind == "enum" and isinstance(value, str):
            names = {v: k for k, v in (self.enum or {}).items()}
            if value not in names:
                raise ValueError("unknown %s enum name %r" % (self.name, value))
            return names[value]
        return int(value)


class _Repeated(list):
    """A repeated field: converts what goes in and marks its owner present when it changes."""

    def __init__(self, owner, field, items=()):
        super().__init__(field.convert(x) for x in items)
        self._owner, self._field = owner, field

    def add(self, **kwargs):
        """Appends and returns a new sub-message (repeated message fields)."""
        msg = self._field.message(**kwargs)
        self.append(msg)
        return msg

    def append(self, item):
        super().append(self._field.convert(item))
        self._owner._touch()

    def extend(self, items):
        super().extend(self._field.convert(x) for x in items)
        self._owner._touch()

    def insert(self, index, item):
        super().insert(index, self._field.convert(item))
        self._owner._touch()

    def __setitem__(self, index, item):
        if isinstance(index, slice):
            item = [self._field.convert(x) for x in item]
        else:
            item = self._field.convert(item)
        super().__setitem__(index, item)
        self._owner._touch()


class _Map(dict):
    """A ``map<string, Message>`` field; reading a missing key creates an empty value, as protobuf does."""

    def __init__(self, owner, field, items=()):
        super().__init__()
        self._owner, self._field = owner, field
        for k, v in dict(items).items():
            self[k] = v

    def __missing__(self, key):
        value = self[key] = self._field.message()
        return value

    def __setitem__(self, key, value):
        if not isinstance(value, self._field.message):
            raise TypeError("map %s expects %s values" % (self._field.name, self._field.message.__name__))
        super().__setitem__(str(key), value)
        self._owner._touch()


class Message(MessageAPI):
    """Base of declared messages; subclasses set ``FIELDS`` (a tuple of :class:`Field`)."""

    FIELDS = ()
    __slots__ = ("_values", "_lazy", "_parent")

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls._by_name = {f.name: f for f in cls.FIELDS}
        cls._by_number = {f.number: f for f in cls.FIELDS}
        cls._ordered = sorted(cls.FIELDS, key=lambda f: f.number)
        cls._oneofs = {}
        for f in cls.FIELDS:
            if f.oneof:
                cls._oneofs.setdefault(f.oneof, []).append(f.name)

    def __init__(self, **kwargs):
        object.__setattr__(self, "_values", {})
        object.__setattr__(self, "_lazy", {})
        object.__setattr__(self, "_parent", None)
        for name, value in kwargs.items():
            if value is not None:
                setattr(self, name, value)

    # ---- attribute access -------------------------------------------------
    def __getattr__(self, name):
        f = type(self)._by_name.get(name)
        if f is None:
            raise AttributeError("%s has no field %r" % (type(self).__name__, name))
        values = self._values
        if name in values:
            return values[name]
        if f.repeated or f.kind == "map":
            container = _Map(self, f) if f.kind == "map" else _Repeated(self, f)
            values[name] = container  # empty containers serialize to nothing
            return container
        if f.kind == "message":
            child = self._lazy.get(name)
            if child is None:  # unset: an empty message that joins its parent once written to
                child = self._lazy[name] = f.message()
                object.__setattr__(child, "_parent", (self, name))
            return child
        return f.default()

    def __setattr__(self, name, value):
        f = type(self)._by_name.get(name)
        if f is None:
            raise AttributeError("%s has no field %r" % (type(self).__name__, name))
        if f.kind == "map":
            value = _Map(self, f, value)
        elif f.repeated:
            value = _Repeated(self, f, value)
        else:
            value = f.convert(value)
            if f.kind == "message":
                object.__setattr__(value, "_parent", (self, name))
        self._lazy.pop(name, None)
        self._set(f, value)

    def _set(self, f, value):
        if f.oneof:
            for other in type(self)._oneofs[f.oneof]:
                if other != f.name:
                    self._values.pop(other, None)
                    self._lazy.pop(other, None)
        self._values[f.name] = value
        self._touch()

    def _touch(self):
        """Marks this message present in its parent (a sub-message that was written to)."""
        if self._parent is not None:
            parent, name = self._parent
            if parent._lazy.get(name) is self:
                del parent._lazy[name]
                parent._set(type(parent)._by_name[name], self)

    # ---- protobuf API ----------------------------------------------------------
    def HasField(self, name):
        if name in type(self)._oneofs:
            return self.WhichOneof(name) is not None
        f = type(self)._by_name.get(name)
        if f is None or f.repeated:
            raise ValueError('Protocol message %s has no singular "%s" field.' % (type(self).__name__, name))
        return name in self._values and (f.kind == "message" or bool(f.oneof) or self._values[name] != f.default())

    def WhichOneof(self, group):
        if group not in type(self)._oneofs:
            raise ValueError('Protocol message has no oneof "%s" field.' % group)
        for name in type(self)._oneofs[group]:
            if name in self._values:
                return name
        return None

    def ClearField(self, name):
        self._values.pop(name, None)
        self._lazy.pop(name, None)

    def Clear(self):
        self._values.clear()
        self._lazy.clear()

    def ListFields(self):
        return [(f, self._values[f.name]) for f in type(self)._ordered if self._emitted(f)]

    def _emitted(self, f):
        if f.name not in self._values:
            return False
        v = self._values[f.name]
        if f.repeated or f.kind == "map":
            return len(v) > 0
        return f.kind == "message" or bool(f.oneof) or v != f.default()

    def SerializeToString(self, deterministic=True):
        out = []
        for f in type(self)._ordered:
            if self._emitted(f):
                out.append(_encode(f, self._values[f.name]))
        return b"".join(out)

    def MergeFromString(self, data):
        """Reads fields from ``data``; unknown fields are skipped. Raises wire.DecodeError on bad bytes."""
        data = bytes(data)
        by_number = type(self)._by_number
        for number, wire_type, raw in wire.iter_fields(data):
            f = by_number.get(number)
            if f is None:
                continue
            if f.kind == "map":
                entry = wire.fields_dict(raw)
                key = entry.get(1, [b""])[-1].decode("utf-8")
                getattr(self, f.name)[key] = f.message.FromString(entry.get(2, [b""])[-1])
            elif f.repeated:
                getattr(self, f.name).extend(_decode_values(f, wire_type, raw))
            elif f.kind == "message" and f.name in self._values:
                self._values[f.name].MergeFromString(raw)  # protobuf merges repeated sub-messages
            else:
                setattr(self, f.name, _decode_values(f, wire_type, raw)[-1])
        return len(data)

    # ---- comparisons and printing --------------------------------------------
    def __eq__(self, other):
        return type(other) is type(self) and other.SerializeToString() == self.SerializeToString()

    def __repr__(self):
        return "%s(%s)" % (type(self).__name__, ", ".join(
            "%s=%r" % (f.name, v) for f, v in self.ListFields()))

    def __str__(self):
        return "".join(self._text_lines(""))

    def _text_lines(self, indent):
        for f, v in self.ListFields():
            if f.kind == "map":
                for key in sorted(v):
                    yield '%s%s {\n%s  key: %s\n%s  value {\n' % (indent, f.name, indent, quote(key), indent)
                    yield from v[key]._text_lines(indent + "    ")
                    yield "%s  }\n%s}\n" % (indent, indent)
                continue
            for item in (v if f.repeated else [v]):
                if f.kind == "message":
                    yield "%s%s {\n" % (indent, f.name)
                    yield from item._text_lines(indent + "  ")
                    yield "%s}\n" % indent
                else:
                    yield "%s%s: %s\n" % (indent, f.name, _text_value(f, item))


def _encode(f, value):
    if f.kind == "map":  # each entry is a message {1: key, 2: value}
        return b"".join(wire.field_message(f.number, wire.field_string(1, k) +
                                           wire.field_message(2, value[k].SerializeToString()))
                        for k in sorted(value))
    if f.kind == "message":
        items = value if f.repeated else [value]
        return b"".join(wire.field_message(f.number, m.SerializeToString()) for m in items)
    wire_type, _, encode_one = _SCALARS[f.kind]
    if not f.repeated:
        return encode_one(f.number, value)
    if wire_type == wire.WIRE_LEN:
        return b"".join(encode_one(f.number, v) for v in value)
    pack = _PACKED.get(f.kind)
    return wire.field_bytes(f.number, pack(value) if pack else wire.pack_varints([int(v) for v in value]))


def _decode_values(f, wire_type, raw):
    """The value(s) of one occurrence of field ``f`` (a list: packed fields hold several)."""
    if f.kind == "message":
        return [f.message.FromString(raw)]
    if f.kind == "string":
        return [raw.decode("utf-8")]
    if f.kind == "bytes":
        return [raw]
    expected = _SCALARS[f.kind][0]
    if wire_type == wire.WIRE_LEN:  # a packed run
        if f.kind == "double":
            return wire.unpack_doubles(raw).tolist()
        if f.kind == "float":
            return wire.unpack_floats(raw).tolist()
        values = wire.unpack_varints(raw).tolist()
    elif wire_type != expected:
        raise wire.DecodeError("field %s (%d) has wire type %d, expected %d" % (f.name, f.number, wire_type,
                                                                               expected))
    elif f.kind == "double":
        return [wire.to_double(raw)]
    elif f.kind == "float":
        return [wire.to_float(raw)]
    else:
        values = [wire.to_int64(raw) if f.kind in ("int64", "int32", "enum") else raw]
    if f.kind == "bool":
        return [bool(v) for v in values]
    return values


def _text_value(f, v):
    if f.kind in ("string", "bytes"):
        return quote(v)
    if f.kind == "enum":
        return (f.enum or {}).get(v, str(v))
    if f.kind == "bool":
        return "true" if v else "false"
    if f.kind in ("float", "double"):
        # Shortest round-trip digits, without a trailing ".0" (protobuf prints 1.0 as "1").
        text = str(np.float32(v)) if f.kind == "float" else repr(v)
        return text[:-2] if text.endswith(".0") else text
    return repr(v)
