"""kf.data: input pipelines and the TF-compatible file formats, in three wings (facade).

- ``kflow.data.pipeline``: ``Dataset``, ``Iterator``, transformations and file datasets.
- ``kflow.data.tfrecord``: TFRecord framing, CRCs, compression, reader, writer and the inspect CLI.
- ``kflow.data.example``: ``tf.train.Example`` messages, feature specs and parsing.
- ``kflow.data.queue``: TF1's queues (``FIFOQueue``...) and queue-fed readers (``TFRecordReader``...).

Imports point one way: the pipeline may use the other two wings; ``tfrecord``
may use ``example`` (its CLI summarizes Examples); ``example`` uses neither; ``queue`` reads TFRecord files.

Example:
    >>> ds = kf.data.TFRecordDataset(files).map(parse).shuffle(10000).batch(32).prefetch(1)
    >>> images, labels = ds.make_one_shot_iterator().get_next()
"""
from kflow.data.pipeline import (Dataset, FixedLengthRecordDataset, Iterator, TextLineDataset, TFRecordDataset,
                                 experimental, get_output_classes, get_output_shapes, get_output_types,
                                 make_initializable_iterator, make_one_shot_iterator)

__all__ = ["Dataset", "Iterator", "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset", "experimental",
           "make_one_shot_iterator", "make_initializable_iterator", "get_output_types", "get_output_shapes",
           "get_output_classes"]
