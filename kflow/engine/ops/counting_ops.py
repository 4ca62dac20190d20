"""Counting ops: bincount and histogram_fixed_width (integer counts: not differentiable).

Example:
    >>> kf.bincount([1, 1, 3])                                        # [0, 2, 0, 1]
    >>> kf.histogram_fixed_width([-1.0, 0.0, 1.5, 2.0, 5.0], [0.0, 5.0], nbins=5)   # [2, 1, 1, 0, 1]
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor


def _bincount_kernel(arr, *weights, minlength, maxlength, dtype):
    xp = devices.array_module(arr)
    flat = arr.reshape(-1)
    if flat.size and int(flat.min()) < 0:
        raise ValueError("bincount: values must be non-negative, got %d" % int(flat.min()))
    w = weights[0].reshape(-1) if weights else None
    if maxlength is not None:
        keep = flat < maxlength
        flat, w = flat[keep], None if w is None else w[keep]
    n = max(int(flat.max()) + 1 if flat.size else 0, minlength or 0)
    if maxlength is not None:
        n = min(n, maxlength)
    return xp.bincount(flat, weights=w, minlength=n).astype(dtype.as_numpy_dtype)


BINCOUNT = OpDef("Bincount", _bincount_kernel, grad=None)


def bincount(arr, weights=None, minlength=None, maxlength=None, dtype=dtypes.int32, name=None):
    """How many times each value ``0..max(arr)`` occurs in the int32 ``arr`` (or the sum of their ``weights``).

    Example:
        >>> kf.bincount([0, 2, 2], weights=[0.5, 1.0, 1.0], dtype=kf.float32)   # [0.5, 0, 2]
    """
    x = convert_to_tensor(arr)
    if not x.dtype.is_integer:
        raise build_error("Bincount", name, [x], "bincount: arr must be integers, got %s" % x.dtype.name, TypeError)
    inputs = [x]
    dtype = dtypes.as_dtype(dtype)
    if weights is not None:
        w = convert_to_tensor(weights, dtype=dtype)
        if not w.shape.is_compatible_with(x.shape):
            raise build_error("Bincount", name, [x, w], "bincount: weights shape %s must match arr shape %s"
                              % (w.shape, x.shape))
        inputs.append(w)
        dtype = w.dtype
    return make_op(BINCOUNT, inputs, [(dtype, [None])], name or "bincount",
                   params={"minlength": minlength, "maxlength": maxlength, "dtype": dtype}).outputs[0]


def _histogram_kernel(values, value_range, nbins, dtype):
    xp = devices.array_module(values)
    lo, hi = (float(v) for v in devices.to_numpy(value_range))
    if not hi > lo:
        raise ValueError("histogram_fixed_width: value_range must be [lo, hi] with lo < hi, got [%s, %s]" % (lo, hi))
    # values below lo go to the first bin, values at or above hi to the last (as TF)
    bins = xp.clip(xp.floor((values.reshape(-1).astype(np.float64) - lo) / (hi - lo) * nbins), 0, nbins - 1)
    return xp.bincount(bins.astype(np.int64), minlength=nbins).astype(dtype.as_numpy_dtype)


HISTOGRAM = OpDef("HistogramFixedWidth", _histogram_kernel, grad=None)


def histogram_fixed_width(values, value_range, nbins=100, dtype=dtypes.int32, name=None):
    """Counts ``values`` into ``nbins`` equal bins over ``value_range`` ``[lo, hi]``; outliers go to the end bins.

    Example:
        >>> kf.histogram_fixed_width([0.0, 0.1, 0.9], [0.0, 1.0], nbins=2)   # [2, 1]
    """
    v = convert_to_tensor(values)
    r = convert_to_tensor(value_range, dtype=v.dtype)
    if not v.dtype.is_numeric or v.dtype.is_bool:
        raise build_error("HistogramFixedWidth", name, [v, r], "histogram_fixed_width: values must be numbers, "
                          "got %s" % v.dtype.name, TypeError)
    if not r.shape.is_compatible_with([2]):
        raise build_error("HistogramFixedWidth", name, [v, r], "histogram_fixed_width: value_range must have "
                          "shape [2], got %s" % r.shape)
    if int(nbins) < 1:
        raise build_error("HistogramFixedWidth", name, [v, r], "histogram_fixed_width: nbins must be >= 1, got %s"
                          % nbins)
    return make_op(HISTOGRAM, [v, r], [(dtypes.as_dtype(dtype), [int(nbins)])], name or "HistogramFixedWidth",
                   params={"nbins": int(nbins), "dtype": dtypes.as_dtype(dtype)}).outputs[0]
