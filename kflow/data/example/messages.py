"""``tf.train.Example`` message classes (``kf.train.Example`` and friends), without protobuf.

They follow the protobuf Python API as TF users use it and serialize to the
same bytes as TensorFlow: lists packed, negative int64 as 10-byte varints,
map entries always carrying key and value, and ``Features`` entries in
sorted key order (protobuf's deterministic order; the default order is
unspecified, so any order parses the same). Parsing accepts packed and
unpacked lists and any entry order.

One leniency over protobuf: sub-messages, lists and map values may also be
assigned directly (``f.int64_list = Int64List(value=[1])``,
``features.feature['x'] = Feature(...)``); protobuf would need ``CopyFrom``.

Example:
    >>> ex = Example(features=Features(feature={
    ...     "label": Feature(int64_list=Int64List(value=[7])),
    ...     "image_raw": Feature(bytes_list=BytesList(value=[b"\\x00" * 784]))}))
    >>> data = ex.SerializeToString()
    >>> Example.FromString(data).features.feature["label"].int64_list.value
    [7]
"""

from kflow.data.example import wire_format
from kflow.data.example.lists import BytesList, FloatList, Int64List, _Message
from kflow.proto import wire
from kflow.proto.text_format import quote
from kflow.proto.wire import DecodeError

__all__ = ["Example", "Features", "Feature", "BytesList", "FloatList", "Int64List"]


_KINDS = ("bytes_list", "float_list", "int64_list")
_KIND_CLASSES = {"bytes_list": BytesList, "float_list": FloatList, "int64_list": Int64List}


class Feature(_Message):
    """``tf.train.Feature``: exactly one of ``bytes_list``, ``float_list``, ``int64_list``."""

    __slots__ = ("_kind", "_lists")

    def __init__(self, bytes_list=None, float_list=None, int64_list=None):
        self._parent = None
        self._kind = None
        self._lists = {}
        for name, val in (("bytes_list", bytes_list), ("float_list", float_list), ("int64_list", int64_list)):
            if val is not None:
                self._assign(name, val)

    def _assign(self, name, val):
        if not isinstance(val, _KIND_CLASSES[name]):
            raise TypeError("%s must be a %s, got %s" % (name, _KIND_CLASSES[name].__name__, type(val).__name__))
        child = val._copy()
        child._parent = (self, name)
        self._lists = {name: child}
        self._kind = name
        self._modified()

    def _child_set(self, name, child):
        if self._kind != name:
            self._lists = {name: child}
            self._kind = name
        self._modified()

    def WhichOneof(self, oneof_group):
        """The name of the set list (``'int64_list'`` ...) or ``None``; the group is ``'kind'``."""
        if oneof_group != "kind":
            raise ValueError('Protocol message has no oneof "%s" field.' % oneof_group)
        return self._kind

    def HasField(self, name):
        if name not in _KINDS and name != "kind":
            raise ValueError('Protocol message has no non-repeated field "%s"' % name)
        return self._kind is not None if name == "kind" else self._kind == name

    def ClearField(self, name):
        if name == self._kind or name == "kind":
            self.Clear()

    def Clear(self):
        self._kind = None
        self._lists = {}

    def _key(self):
        return (self._kind, self._lists[self._kind]._key()) if self._kind else None

    def SerializeToString(self):
        if self._kind is None:
            return b""
        return wire.field_bytes(_KINDS.index(self._kind) + 1, self._lists[self._kind].SerializeToString())

    def MergeFromString(self, data):
        data = bytes(data)
        kind, body, start, end = wire_format.feature_kind(data, 0, len(data))
        if kind:
            getattr(self, _KINDS[kind - 1]).MergeFromString(body[start:end])
        return len(data)

    def _text_lines(self, indent):
        if self._kind is None:
            return []
        return (["%s%s {" % (indent, self._kind)] + self._lists[self._kind]._text_lines(indent + "  ")
                + [indent + "}"])


def _list_property(name):
    def getter(self):
        child = self._lists.get(name)
        if child is None:  # a detached default; becomes the oneof value once modified
            child = self._lists[name] = _KIND_CLASSES[name]()
            child._parent = (self, name)
        return child

    def setter(self, value):
        self._assign(name, value)

    return property(getter, setter, doc="The ``%s`` member of the ``kind`` oneof." % name)


for _name in _KINDS:
    setattr(Feature, _name, _list_property(_name))


class _FeatureMap(dict):
    """``Features.feature``: a ``str -> Feature`` dict; reading a missing key adds it (protobuf map)."""

    __slots__ = ("_owner",)

    def __missing__(self, key):
        self[key] = feature = Feature()
        return feature

    def __setitem__(self, key, feature):
        if isinstance(key, bytes):
            key = key.decode("utf-8")
        if not isinstance(key, str):
            raise TypeError("feature keys must be str, got %s" % type(key).__name__)
        if not isinstance(feature, Feature):
            raise TypeError("feature values must be Feature, got %s" % type(feature).__name__)
        super().__setitem__(key, feature)
        self._owner._modified()

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def get_or_create(self, key):
        return self[key]


class Features(_Message):
    """``tf.train.Features``: ``feature`` maps names to :class:`Feature`."""

    __slots__ = ("_feature",)

    def __init__(self, feature=None):
        self._parent = None
        self._feature = _FeatureMap()
        self._feature._owner = self
        if feature:
            self._feature.update(feature)

    @property
    def feature(self):
        return self._feature

    @feature.setter
    def feature(self, mapping):
        self._feature.clear()
        self._feature.update(mapping)
        self._modified()

    def Clear(self):
        self._feature.clear()

    def _key(self):
        return {k: v._key() for k, v in self._feature.items()}

    def SerializeToString(self):
        parts = []
        for key in sorted(self._feature):
            entry = wire.field_string(1, key) + wire.field_bytes(2, self._feature[key].SerializeToString())
            parts.append(wire.field_bytes(1, entry))
        return b"".join(parts)

    def MergeFromString(self, data):
        data = bytes(data)
        index = {}
        wire_format._index_features(data, 0, len(data), index)
        for key, (kind, body, start, end) in index.items():
            feature = Feature()
            if kind:
                getattr(feature, _KINDS[kind - 1]).MergeFromString(body[start:end])
            try:
                self._feature[key.decode("utf-8")] = feature
            except UnicodeDecodeError:
                raise DecodeError("feature key %r is not valid UTF-8" % key)
        self._modified()
        return len(data)

    def _text_lines(self, indent):
        lines = []
        for key in sorted(self._feature):
            lines += ["%sfeature {" % indent, "%s  key: %s" % (indent, quote(key)),
                      "%s  value {" % indent]
            lines += self._feature[key]._text_lines(indent + "    ")
            lines += ["%s  }" % indent, "%s}" % indent]
        return lines


class Example(_Message):
    """``tf.train.Example``: one record of named features."""

    __slots__ = ("_features", "_has_features")

    def __init__(self, features=None):
        self._parent = None
        self._has_features = False
        self._features = Features()
        self._features._parent = (self, "features")
        if features is not None:
            self.features = features

    @property
    def features(self):
        return self._features

    @features.setter
    def features(self, value):
        if not isinstance(value, Features):
            raise TypeError("features must be a Features, got %s" % type(value).__name__)
        self._features = Features(value.feature)
        self._features._parent = (self, "features")
        self._child_set("features", self._features)

    def _child_set(self, name, child):
        self._has_features = True
        self._modified()

    def HasField(self, name):
        if name != "features":
            raise ValueError('Protocol message has no non-repeated field "%s"' % name)
        return self._has_features

    def ClearField(self, name):
        if name == "features":
            self.Clear()

    def Clear(self):
        self._has_features = False
        self._features.Clear()

    def _key(self):
        return (self._features._key(),) if self._has_features else ()

    def SerializeToString(self):
        if not self._has_features:
            return b""
        return wire.field_bytes(1, self._features.SerializeToString())

    def MergeFromString(self, data):
        data = bytes(data)
        pos, end = 0, len(data)
        while pos < end:
            if data[pos] == 0x0A:
                start, pos = wire_format.span(data, pos + 1, end)
                self._features.MergeFromString(data[start:pos])
            else:  # unknown fields are dropped
                pos = wire_format.skip(data, pos, end)
        return end

    def _text_lines(self, indent):
        if not self._has_features:
            return []
        return ["%sfeatures {" % indent] + self._features._text_lines(indent + "  ") + [indent + "}"]
