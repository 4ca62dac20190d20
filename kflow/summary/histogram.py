"""TensorFlow's histogram bucketing (tensorflow/core/lib/histogram/histogram.cc), vectorized.

The bucket limits grow by 10% from 1e-12 to 1e20, mirrored for negatives,
with 0 and +-DBL_MAX at the ends; runs of empty buckets are collapsed into one,
exactly as TF encodes its ``HistogramProto``, so TensorBoard shows the same
distributions for the same values.

Example:
    >>> h = histogram_proto(np.array([0.5, 1.0, 1.0, 2.0]))
    >>> h.num, h.min, h.max, h.sum
    (4.0, 0.5, 2.0, 4.5)
"""
import sys

import numpy as np

from kflow.summary.event_proto import HistogramProto

_DBL_MAX = sys.float_info.max


def _default_bucket_limits():
    positive = []
    v = 1.0e-12
    while v < 1.0e20:  # the same float products as TF's loop, so the limits match bit for bit
        positive.append(v)
        v *= 1.1
    positive.append(_DBL_MAX)
    return np.array([-x for x in reversed(positive)] + [0.0] + positive, dtype=np.float64)


DEFAULT_BUCKET_LIMITS = _default_bucket_limits()


def histogram_proto(values, bucket_limits=DEFAULT_BUCKET_LIMITS):
    """A ``HistogramProto`` of ``values`` (any shape, finite numbers) with TF's buckets.

    Raises:
        ValueError: when ``values`` holds NaN or infinity (TF's HistogramSummary refuses them too).
    """
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    if not np.all(np.isfinite(values)):
        bad = "NaN" if np.isnan(values).any() else "Inf"
        raise ValueError("%s in summary histogram (%d of %d values are not finite)"
                         % (bad, int((~np.isfinite(values)).sum()), values.size))
    # Bucket i holds [limit[i-1], limit[i]): the index is the first limit above the value.
    index = np.searchsorted(bucket_limits, values, side="right")
    counts = np.bincount(index, minlength=len(bucket_limits)).astype(np.float64)
    proto = HistogramProto(
        min=float(values.min()) if values.size else _DBL_MAX,
        max=float(values.max()) if values.size else -_DBL_MAX,
        num=float(values.size), sum=float(values.sum()), sum_squares=float(np.dot(values, values)))
    limits, buckets = _collapse_empty(bucket_limits, counts)
    proto.bucket_limit.extend(limits)
    proto.bucket.extend(buckets)
    return proto


def _collapse_empty(limits, counts):
    """Keeps non-empty buckets; each run of empty ones becomes one bucket ending at the run's last limit."""
    nonzero = counts > 0
    if not nonzero.any():
        return [_DBL_MAX], [0.0]
    # A bucket is emitted when it is non-empty, or it ends a run of empty ones (next is non-empty, or last).
    ends_run = ~nonzero & np.append(nonzero[1:], True)
    keep = nonzero | ends_run
    return limits[keep].tolist(), counts[keep].tolist()
