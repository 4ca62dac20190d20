"""kf.data: input pipelines (Dataset, Iterator, file datasets) and the TF-compatible file formats (facade).

The format modules here (``tfrecord``, ``example_proto``, ``example_parse``,
``feature_spec``, ``raw_decode``) are engine independent: they work on bytes
and numpy arrays, and the graph ops (``parsing_ops``) wrap them.

Example:
    >>> ds = kf.data.TFRecordDataset(files).map(parse).shuffle(10000).batch(32).prefetch(1)
    >>> images, labels = ds.make_one_shot_iterator().get_next()
"""
from kflow.data.dataset import Dataset
from kflow.data.iterator import (Iterator, make_one_shot_iterator, make_initializable_iterator, get_output_types,
                                 get_output_shapes, get_output_classes)
from kflow.data.file_datasets import TFRecordDataset, TextLineDataset, FixedLengthRecordDataset
from kflow.data import experimental

__all__ = ["Dataset", "Iterator", "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset", "experimental",
           "make_one_shot_iterator", "make_initializable_iterator", "get_output_types", "get_output_shapes",
           "get_output_classes"]
