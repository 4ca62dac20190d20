"""``tf.train.Example`` records: the messages, feature specs, and parsing (numpy kernels and the graph ops).

``messages`` / ``lists`` are the protobuf classes (``kf.train.Example``,
``Features``, ``Feature``, ``BytesList``, ``FloatList``, ``Int64List``) over
the shared toolkit in :mod:`kflow.proto`; ``wire_format`` indexes serialized
Examples without building messages; ``parse`` and ``template`` are the
parsing kernels on bytes and numpy arrays; ``parsing_ops`` wraps them (and
``raw_decode``) as graph ops. This wing imports neither the input pipeline
nor the TFRecord framing.

Example:
    >>> spec = {"image_raw": FixedLenFeature([], "string"), "label": FixedLenFeature([], "int64")}
    >>> features = parse_single_example(serialized, spec)   # {name: Tensor}
"""
from kflow.data.example.feature_spec import FixedLenFeature, FixedLenSequenceFeature, SparseValue, VarLenFeature
from kflow.data.example.lists import BytesList, FloatList, Int64List
from kflow.data.example.messages import Example, Feature, Features
from kflow.data.example.parsing_ops import decode_raw, parse_example, parse_single_example

__all__ = ["Example", "Features", "Feature", "BytesList", "FloatList", "Int64List", "FixedLenFeature",
           "VarLenFeature", "FixedLenSequenceFeature", "SparseValue", "parse_single_example", "parse_example",
           "decode_raw"]
