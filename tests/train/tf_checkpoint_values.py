"""The variables of the committed TensorFlow checkpoint fixtures (tests/train/fixtures/), as numpy values.

``tools/make_tf_checkpoint_fixtures.py`` saved exactly these with real TensorFlow; the tests read the
fixtures with kflow and compare against them. Values follow simple formulas, so they are easy to eyeball in
a failure message, but are not symmetric (a transposed or byte-swapped read would not match).
"""
import numpy as np


def small_values():
    """The ``small`` fixture: one variable per dtype kflow reads, a scalar, nested names with '/'."""
    return {
        "dense/kernel": (np.arange(6, dtype=np.float32).reshape(3, 2) - 2.5) / 4,
        "dense/bias": np.array([0.5, -1.25], np.float32),
        "deep/nested/scope/weights": np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.125,
        "scalar_double": np.float64(3.141592653589793),
        "counts": np.array([1, -2, 2 ** 31 - 1, -2 ** 31], np.int32),
        "global_step": np.int64(1234567890123),
        "big_ints": np.array([[1, -(2 ** 40)], [2 ** 62, 7]], np.int64),
        "flags": np.array([[True, False], [False, True]]),
        "words": np.array([b"kflow", b"", b"with\x00nul", "\u00e9t\u00e9".encode("utf-8")], dtype=object),
        "empty": np.zeros((0, 3), np.float32),
    }


def many_values(count=300):
    """The ``many`` fixture: enough variables that the .index table's block has many restart points (TF puts
    them in one 256 KiB data block; kflow's writer, with 4 KiB blocks, makes several)."""
    return {"layer_%03d/w" % i: np.full([2], i * 0.5, np.float32) for i in range(count)}
