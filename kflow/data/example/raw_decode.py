"""``decode_raw``: reinterpret the bytes of strings as numbers (numpy kernel of ``kf.io.decode_raw``).

Example:
    >>> decode_raw(np.array([b"\\x01\\x02", b"\\x03\\x04"], dtype=object), "uint8")
    array([[1, 2],
           [3, 4]], dtype=uint8)
"""

import numpy as np

from kflow.errors import InvalidArgumentError


def _numpy_dtype(out_type):
    dtype = np.dtype(getattr(out_type, "as_numpy_dtype", out_type))
    if dtype.kind not in "biufc":
        raise InvalidArgumentError(None, None, "decode_raw: unsupported out_type %r" % (out_type,))
    return dtype


def decode_raw(bytes_array, out_type, little_endian=True):
    """Reinterprets each string's bytes as a vector of ``out_type``.

    Args:
        bytes_array: ``bytes`` or an array (any shape, ``object`` dtype) of ``bytes``,
            all of the same length.
        out_type: numeric dtype (numpy dtype, string, or an object with ``as_numpy_dtype``).
        little_endian: byte order of the input; big-endian data is byte-swapped.

    Returns:
        An array of shape ``bytes_array.shape + [length // itemsize]``.

    Raises:
        InvalidArgumentError: lengths differ, or a length is not a multiple of
            the element size.
    """
    dtype = _numpy_dtype(out_type)
    if isinstance(bytes_array, (bytes, bytearray, memoryview)):
        shape, items = (), [bytes(bytes_array)]
    else:
        arr = np.asarray(bytes_array, dtype=object)
        shape, items = arr.shape, arr.ravel().tolist()
    if not items:
        return np.zeros(shape + (0,), dtype)
    size = len(items[0])
    for i, item in enumerate(items):
        if not isinstance(item, (bytes, bytearray, memoryview)):
            raise InvalidArgumentError(None, None, "decode_raw: element %d is %s, not bytes" % (i, type(item).__name__))
        if len(item) != size:
            raise InvalidArgumentError(None, None, "DecodeRaw requires input strings to all be the same size, but "
                                       "element %d has size %d != %d" % (i, len(item), size))
    if size % dtype.itemsize:
        raise InvalidArgumentError(None, None, "Input to DecodeRaw has length %d that is not a multiple of %d, "
                                   "the size of %s" % (size, dtype.itemsize, dtype.name))
    # bytearray.join gives a writable buffer, so the result owns its memory without another copy.
    flat = np.frombuffer(bytearray().join(items), dtype.newbyteorder("<" if little_endian else ">"))
    if flat.dtype != dtype and dtype.itemsize > 1:
        flat = flat.astype(dtype.newbyteorder("="))
    return flat.reshape(shape + (size // dtype.itemsize,))
