"""Input pipelines (``kf.data``): ``Dataset``, its transformations, ``Iterator`` and the file datasets.

``dataset`` holds the ``Dataset`` base and its chaining methods; each
transformation family has its module (``sources``, ``map_ops``,
``batching``, ``item_ops``, ``combine_ops``, ``prefetch``, ``cache``,
``file_datasets``); ``iterator`` bridges a dataset into a graph.
``structure`` / ``nest`` describe element structures, ``context`` and
``traced_function`` evaluate tensors and traced functions for a pipeline,
``workers`` runs parallel map / prefetch threads. The pipeline may import
the other two wings (``kflow.data.tfrecord``, ``kflow.data.example``);
they never import it.

Example:
    >>> ds = Dataset.from_tensor_slices(np.arange(10)).map(lambda x: x * 2).batch(4)
    >>> next(iter(ds))
    array([0, 2, 4, 6])
"""
from kflow.data.pipeline import experimental
from kflow.data.pipeline.dataset import Dataset
from kflow.data.pipeline.file_datasets import FixedLengthRecordDataset, TextLineDataset, TFRecordDataset
from kflow.data.pipeline.iterator import (Iterator, get_output_classes, get_output_shapes, get_output_types,
                                          make_initializable_iterator, make_one_shot_iterator)

__all__ = ["Dataset", "Iterator", "TFRecordDataset", "TextLineDataset", "FixedLengthRecordDataset", "experimental",
           "make_one_shot_iterator", "make_initializable_iterator", "get_output_types", "get_output_shapes",
           "get_output_classes"]
