"""kflow's one protobuf toolkit, without the protobuf package; both message families stand on it.

- ``wire``: the wire format (varints, tags, packed lists, skipping unknown fields).
- ``message_api``: the protobuf Python methods that follow from serialize / merge / clear.
- ``message``: declarative messages (a table of fields), used by the summary,
  event, tensor and graph protos in :mod:`kflow.summary`.
- ``text_format``: protobuf's text-format string quoting (``str(msg)``, TF1 text files).

The hand-written, speed-tuned ``tf.train.Example`` classes
(:mod:`kflow.data.example`) use ``wire``, ``message_api`` and ``text_format``.

Example:
    >>> from kflow.proto import wire
    >>> wire.field_varint(2, 7)
    b'\\x10\\x07'
"""

from kflow.proto import wire  # noqa: F401
