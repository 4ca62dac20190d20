"""kf.dtypes: TF's ``tf.dtypes`` namespace: the DType class, ``as_dtype``, kflow's dtypes, ``cast``,
``saturate_cast`` and ``as_string``.

kflow has no complex, bfloat16, quantized, resource or variant dtypes, so those TF names are absent.

Example:
    >>> kf.dtypes.as_dtype("float32") is kf.dtypes.float32
    True
    >>> kf.dtypes.saturate_cast([300, -5], kf.uint8)   # [255, 0]
"""
import numpy as np

from kflow.engine.dtypes import (DType, as_dtype, bool, double, float16, float32, float64, half, int8,  # noqa: A004
                                 int16, int32, int64, string, uint8, uint16)
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.identity_ops import identity
from kflow.engine.ops.math_ops import maximum, minimum
from kflow.strings import as_string


def _limits(dtype):
    np_type = np.dtype(dtype.as_numpy_dtype)
    info = np.iinfo(np_type) if np_type.kind in "iu" else np.finfo(np_type)
    return info.min, info.max


def _bound_in(value, np_type):
    """``value`` as ``np_type``, moved toward zero when the conversion rounded it past ``value`` (float32 cannot
    hold 2**31 - 1: it would round up and the cast would overflow)."""
    bound = np.array(value, np_type)
    exact = int(value)  # the limits compared here are integers: compare exactly, not in np_type's precision
    if np_type.kind == "f" and (int(bound) > exact if exact > 0 else int(bound) < exact):
        bound = np.nextafter(bound, np_type.type(0))
    return bound


def saturate_cast(value, dtype, name=None):
    """``value`` cast to ``dtype``, first clamped to ``dtype``'s range so out-of-range values saturate instead of
    wrapping (as ``tf.dtypes.saturate_cast``).

    Example:
        >>> kf.saturate_cast(kf.constant([1e10, -1e10]), kf.int32)   # [2147483647, -2147483648]
    """
    x = convert_to_tensor(value)
    dtype = as_dtype(dtype)
    if x.dtype is dtype:
        return identity(x, name=name)
    if not (dtype.is_bool or x.dtype.is_bool or x.dtype is string or dtype is string):
        in_type = np.dtype(x.dtype.as_numpy_dtype)
        (in_min, in_max), (out_min, out_max) = _limits(x.dtype), _limits(dtype)
        if out_min > in_min:
            x = maximum(x, _bound_in(out_min, in_type))
        if out_max < in_max:
            x = minimum(x, _bound_in(out_max, in_type))
    return cast(x, dtype, name=name or "saturate_cast")


__all__ = ["DType", "as_dtype", "bool", "double", "float16", "float32", "float64", "half", "int8", "int16", "int32",
           "int64", "string", "uint8", "uint16", "cast", "saturate_cast", "as_string"]
