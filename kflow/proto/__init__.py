"""Schema-less protobuf wire-format helpers shared by kflow's TF-compatible formats.

Example:
    >>> from kflow.proto import wire
    >>> wire.field_varint(2, 7)
    b'\\x10\\x07'
"""

from kflow.proto import wire  # noqa: F401
