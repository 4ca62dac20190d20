"""The protobuf message methods that follow from three primitives, shared by kflow's two message families
(the declarative ``kflow.proto.message.Message`` and the hand-written ``tf.train.Example`` classes).

A subclass provides ``SerializeToString()``, ``MergeFromString(data)`` and ``Clear()``.

Example:
    >>> ex = Example.FromString(record)     # parse
    >>> copy.deepcopy(ex) == ex             # copies and pickles go through the wire format
    True
"""


class MessageAPI:
    """``FromString``, ``ParseFromString``, ``CopyFrom``, ``ByteSize``, ``==`` and pickling via the wire format."""

    __slots__ = ()

    @classmethod
    def FromString(cls, data):
        """Parses serialized bytes into a new message."""
        msg = cls()
        msg.MergeFromString(data)
        return msg

    def ParseFromString(self, data):
        """Replaces this message's contents with the parsed ``data``."""
        self.Clear()
        return self.MergeFromString(data)

    def CopyFrom(self, other):
        """Makes this message a copy of ``other``."""
        if other is not self:
            self.ParseFromString(other.SerializeToString())

    def ByteSize(self):
        return len(self.SerializeToString())

    __hash__ = None  # mutable, like protobuf messages

    def __reduce__(self):  # copy, deepcopy and pickle
        return type(self).FromString, (self.SerializeToString(),)
