"""``kf.data.experimental``: AUTOTUNE and TF 1.x's pipeline helpers used with ``Dataset.apply``.

Example:
    >>> ds = ds.apply(kf.data.experimental.shuffle_and_repeat(10000, seed=1))
    >>> ds = ds.apply(kf.data.experimental.map_and_batch(parse, 32))
"""
from kflow.data.pipeline.dataset import AUTOTUNE

__all__ = ["AUTOTUNE", "unbatch", "shuffle_and_repeat", "map_and_batch", "parallel_interleave",
           "make_one_shot_iterator", "make_initializable_iterator"]


def unbatch():
    """``ds.apply(unbatch())`` is ``ds.unbatch()``."""
    return lambda ds: ds.unbatch()


def shuffle_and_repeat(buffer_size, count=None, seed=None):
    """``ds.shuffle(buffer_size, seed).repeat(count)``, a new order each epoch."""
    return lambda ds: ds.shuffle(buffer_size, seed).repeat(count)


def map_and_batch(map_func, batch_size, num_parallel_batches=None, drop_remainder=False, num_parallel_calls=None):
    """``ds.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)``."""
    return lambda ds: ds.map(map_func, num_parallel_calls).batch(batch_size, drop_remainder)


def parallel_interleave(map_func, cycle_length, block_length=1, sloppy=False, buffer_output_elements=None,
                        prefetch_input_elements=None):
    """``ds.interleave(map_func, cycle_length, block_length, num_parallel_calls=cycle_length)`` (never sloppy)."""
    return lambda ds: ds.interleave(map_func, cycle_length, block_length, num_parallel_calls=cycle_length)


def make_one_shot_iterator(dataset):
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    return dataset.make_initializable_iterator(shared_name)
