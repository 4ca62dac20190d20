"""Queue-based input (TF1's pre-``tf.data`` pipeline): queues, their per-session contents, and queue-fed readers.

Queue runners, ``Coordinator`` and the input producers and batchers built on these stand above, in ``kflow.train``.
"""
from kflow.data.queue.decode_csv import decode_csv
from kflow.data.queue.queues import FIFOQueue, PaddingFIFOQueue, QueueBase, RandomShuffleQueue
from kflow.data.queue.readers import (FixedLengthRecordReader, IdentityReader, ReaderBase, TextLineReader,
                                      TFRecordReader, WholeFileReader, matching_files, read_file)

__all__ = ["QueueBase", "FIFOQueue", "PaddingFIFOQueue", "RandomShuffleQueue", "ReaderBase", "TFRecordReader",
           "TextLineReader", "FixedLengthRecordReader", "WholeFileReader", "IdentityReader", "read_file",
           "matching_files", "decode_csv"]
