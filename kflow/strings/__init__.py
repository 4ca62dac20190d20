"""kf.strings: TF1's ``tf.strings`` namespace (``tf.compat.v1.strings``), and the TF1 top-level string names
(``string_split``, ``string_join``, ``substr``, ...) that ``kflow/__init__.py`` exports.

``split`` returns a SparseTensor, as ``tf.compat.v1.strings.split`` does by default.

Example:
    >>> sp = kf.strings.split([b"a b", b"c"])          # SparseTensor, dense_shape [2, 2]
    >>> kf.strings.to_hash_bucket_fast(sp.values, 100)
"""
from kflow.engine.ops.string_convert_ops import as_string, format, split_parts, to_number  # noqa: A004
from kflow.engine.ops.string_convert_ops import string_to_number  # noqa: F401 - TF1 top-level name (root exports)
from kflow.engine.ops.string_hash_ops import to_hash_bucket, to_hash_bucket_fast, to_hash_bucket_strong
from kflow.engine.ops.string_ops import (join, length, lower, reduce_join, regex_full_match, regex_replace, strip,
                                         substr, upper)
from kflow.sparse.sparse_tensor import SparseTensor


def _sparse(result_type, parts):
    if result_type != "SparseTensor":
        raise ValueError("strings.split: result_type must be 'SparseTensor' (kflow has no RaggedTensor), got %r"
                         % (result_type,))
    return SparseTensor(*parts)


def split(input=None, sep=None, maxsplit=-1, result_type="SparseTensor", source=None, name=None):  # noqa: A002
    """Splits each string of the 1-D ``input`` into a SparseTensor of tokens (row i holds string i's tokens),
    as ``tf.compat.v1.strings.split``: ``sep`` None splits on runs of whitespace, otherwise on the exact
    string ``sep`` (empty tokens kept); at most ``maxsplit`` splits when it is >= 0.

    Example:
        >>> kf.strings.split([b"a,b,,c", b"d"], sep=",")    # values [a b "" c d], dense_shape [2, 4]
    """
    return _sparse(result_type, split_parts(source if input is None else input, sep=sep, maxsplit=maxsplit,
                                            name=name))


def string_split(source, sep=None, skip_empty=True, delimiter=None, result_type="SparseTensor", name=None):
    """TF1's ``string_split``: splits on each byte of ``delimiter`` (default b" "; empty: into bytes),
    dropping empty tokens when ``skip_empty``; with ``sep`` instead, as :func:`split`."""
    if sep is not None and delimiter is not None:
        raise ValueError("string_split: give sep or delimiter, not both")
    if sep is not None:
        return split(source, sep=sep, result_type=result_type, name=name)
    return _sparse(result_type, split_parts(source, delimiter=" " if delimiter is None else delimiter,
                                            skip_empty=skip_empty, name=name))


def string_join(inputs, separator="", name=None):
    """TF1's top-level name of :func:`join`."""
    return join(inputs, separator=separator, name=name)


def string_strip(input, name=None):  # noqa: A002 - TF's argument name
    """TF1's top-level name of :func:`strip`."""
    return strip(input, name=name)


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's argument name
    """TF1's top-level name of :func:`to_hash_bucket_fast`."""
    return to_hash_bucket_fast(input, num_buckets, name=name)


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002 - TF's argument name
    """TF1's top-level name of :func:`to_hash_bucket_strong`."""
    return to_hash_bucket_strong(input, num_buckets, key, name=name)


string_to_hash_bucket = to_hash_bucket

__all__ = ["as_string", "format", "join", "length", "lower", "reduce_join", "regex_full_match", "regex_replace",
           "split", "strip", "substr", "to_hash_bucket", "to_hash_bucket_fast", "to_hash_bucket_strong",
           "to_number", "upper"]
