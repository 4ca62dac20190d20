"""TensorFlow's checkpoint format (TensorBundle), read and written without TensorFlow.

:mod:`.table` is the SSTable of the ``.index`` file, :mod:`.bundle` the tensor entries and data shards.
``kf.train.load_checkpoint`` / ``NewCheckpointReader`` (:mod:`kflow.train.checkpoint_reader`) use them.

Example:
    >>> from kflow.train.tf_checkpoint import Bundle
    >>> Bundle("tf_run/model.ckpt-100").tensor("dense/kernel").shape
    (784, 10)
"""
from kflow.train.tf_checkpoint.bundle import Bundle, is_bundle, write_bundle

__all__ = ["Bundle", "is_bundle", "write_bundle"]
