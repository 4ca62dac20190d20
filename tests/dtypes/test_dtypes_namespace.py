"""kf.dtypes: the namespace's names are kflow's dtypes and casts; saturate_cast clamps to the target range."""
import numpy as np
import pytest

import kflow as kf


def test_namespace_names_are_kflows_dtypes():
    for name in ("float16", "float32", "float64", "half", "double", "int8", "int16", "int32", "int64", "uint8",
                 "uint16", "bool", "string"):
        assert getattr(kf.dtypes, name) is getattr(kf, name)
    assert kf.dtypes.as_dtype(np.float32) is kf.float32 and isinstance(kf.float32, kf.dtypes.DType)
    assert kf.dtypes.cast is kf.cast and kf.dtypes.as_string is kf.as_string


@pytest.mark.parametrize("values,src,dst", [
    ([300, -5, 7], np.int32, np.uint8), ([1e10, -1e10, 3.7, -3.7], np.float32, np.int32),
    ([2.0 ** 40, -3.0], np.float64, np.uint16), ([70000, -70000, 5], np.int64, np.int16),
    ([1e40, -1e40, 1.5], np.float64, np.float32), ([1e30, -1e30], np.float32, np.int64),
])
def test_saturate_cast_clamps_like_numpy_clip(values, src, dst):
    x = np.array(values, src)
    with kf.Session() as sess:
        got = sess.run(kf.saturate_cast(kf.constant(x), kf.dtypes.as_dtype(dst)))
    info = np.iinfo(dst) if np.dtype(dst).kind in "iu" else np.finfo(dst)
    lo, hi = (float(info.min), float(info.max))
    expected = np.array([min(max(float(v), lo), hi) for v in x.astype(np.float64)])
    if np.dtype(dst).kind in "iu":
        expected = np.trunc(expected)
    assert got.dtype == dst
    # the clamp bound is the nearest value of the source dtype inside the range (float32 cannot hold 2**31 - 1)
    np.testing.assert_allclose(got.astype(np.float64), expected, rtol=1e-6)
    assert np.all(got.astype(np.float64) <= hi) and np.all(got.astype(np.float64) >= lo)


def test_saturate_cast_same_dtype_and_bool():
    with kf.Session() as sess:
        assert sess.run(kf.saturate_cast(kf.constant([1, 2]), kf.int32)).tolist() == [1, 2]
        assert sess.run(kf.dtypes.saturate_cast(kf.constant([0.0, 2.0]), kf.bool)).tolist() == [False, True]
