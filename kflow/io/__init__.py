"""kf.io (also ``kf.python_io``): TFRecord files and Example parsing (facade over kflow.data.tfrecord / .example)."""
from kflow.data.example import FixedLenFeature, VarLenFeature, FixedLenSequenceFeature
from kflow.data.example import parse_single_example, parse_example, decode_raw
from kflow.data.tfrecord import TFRecordWriter, TFRecordOptions, TFRecordCompressionType, tf_record_iterator
from kflow.sparse.sparse_tensor import SparseTensor, SparseTensorValue
from kflow.io.string_codecs import encode_base64, decode_base64, decode_compressed

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "tf_record_iterator",
           "FixedLenFeature", "VarLenFeature", "FixedLenSequenceFeature", "parse_single_example", "parse_example",
           "decode_raw", "SparseTensor", "SparseTensorValue", "encode_base64", "decode_base64", "decode_compressed"]

# tf.io.gfile (issue 16)
from kflow.platform import gfile  # noqa: E402
from kflow.data.queue import read_file, matching_files, decode_csv  # noqa: E402
__all__ += ["gfile", "read_file", "matching_files", "decode_csv"]
