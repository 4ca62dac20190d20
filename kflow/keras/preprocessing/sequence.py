"""``pad_sequences``: a list of variable-length sequences as one ``[samples, maxlen, ...]`` numpy array.

Example:
    >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
    array([[2, 3],
           [0, 4]], dtype=int32)
    >>> pad_sequences([[1, 2, 3], [4]], padding="post", truncating="post", value=-1)
    array([[ 1,  2,  3],
           [ 4, -1, -1]], dtype=int32)
"""
import numpy as np


def _check_side(name, value):
    if value not in ("pre", "post"):
        raise ValueError("pad_sequences: `%s` must be 'pre' or 'post', got %r" % (name, value))


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre", value=0.0):
    """Pads (and truncates) each sequence to ``maxlen`` steps, as ``keras.preprocessing.sequence.pad_sequences``.

    Args:
        sequences: an iterable of sequences (lists or arrays); each step may itself be an array (all of one shape).
        maxlen: the output length; None means the longest sequence's length.
        dtype: the output dtype (a string dtype allows string ``value``).
        padding: "pre" (fill before each sequence) or "post" (after).
        truncating: "pre" (drop the first steps of a longer sequence) or "post" (drop the last).
        value: the fill value.

    Returns:
        A numpy array ``[len(sequences), maxlen] + step_shape``.

    Raises:
        ValueError: a bad ``padding``/``truncating``/``maxlen``, sequences without a length, steps of
            different shapes, or a string ``value`` with a non-string ``dtype``.
    """
    _check_side("padding", padding)
    _check_side("truncating", truncating)
    try:
        sequences = [s for s in sequences]
        lengths = [len(s) for s in sequences]
    except TypeError:
        raise ValueError("pad_sequences: `sequences` must be an iterable of sequences (each with a len()), got %r"
                         % (sequences,)) from None
    if maxlen is None:
        maxlen = max(lengths, default=0)
    elif isinstance(maxlen, bool) or not isinstance(maxlen, (int, np.integer)) or maxlen < 0:
        raise ValueError("pad_sequences: `maxlen` must be a non-negative integer or None, got %r" % (maxlen,))
    maxlen = int(maxlen)
    # the shape of one step, from the first non-empty sequence (Keras does the same)
    step_shape = next((np.asarray(s).shape[1:] for s, n in zip(sequences, lengths) if n), ())
    is_str_dtype = np.issubdtype(np.dtype(dtype), np.str_) or np.issubdtype(np.dtype(dtype), np.object_)
    if isinstance(value, str) and not is_str_dtype:
        raise ValueError("pad_sequences: `dtype` %r cannot hold the string padding value %r; pass dtype=object "
                         "(or a str dtype)" % (dtype, value))
    out = np.full((len(sequences), maxlen) + step_shape, value, dtype=dtype)
    for i, (seq, n) in enumerate(zip(sequences, lengths)):
        if not n or not maxlen:
            continue
        kept = np.asarray(seq[-maxlen:] if truncating == "pre" else seq[:maxlen], dtype=dtype)
        if kept.shape[1:] != step_shape:
            raise ValueError("pad_sequences: the steps of sequence %d have shape %s, but those of the first "
                             "non-empty sequence have shape %s" % (i, kept.shape[1:], step_shape))
        if padding == "post":
            out[i, :len(kept)] = kept
        else:
            out[i, -len(kept):] = kept
    return out
