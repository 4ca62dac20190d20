"""FarmHash Fingerprint64 and string_to_hash_bucket_fast against values TF 2.21 computed
(``tf.strings.to_hash_bucket_fast(s, 2**62)`` and ``(s, 10)``, ``tf.sparse.cross_hashed``), every length class of
the hash (0-3, 4-7, 8-16, 17-32, 33-64, and the 64-byte loop with 1..64 trailing bytes)."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.ops.string_hash_ops import fingerprint64, fingerprint_cat64, to_hash_bucket_fast as string_to_hash_bucket_fast

def _letters(i, n):
    """The i-th test string: n letters from a stride-7 walk over the alphabet."""
    return "".join(chr(97 + (i * 7 + j) % 26) for j in range(n))


# (string, Fingerprint64 mod 2**62, Fingerprint64 mod 10), from TF
TF_VALUES = [
    (_letters(0, 0), 1936946117179621455, 3),
    (_letters(1, 1), 2026283707998439345, 7),
    (_letters(2, 2), 571015757571455594, 8),
    (_letters(3, 3), 4407134663878751251, 3),
    (_letters(4, 4), 427112092705821602, 2),
    (_letters(5, 5), 1972044963250030653, 7),
    (_letters(6, 7), 1280582782987610271, 1),
    (_letters(7, 8), 2287703267505201715, 3),
    (_letters(8, 9), 3228474375428165401, 1),
    (_letters(9, 15), 1959282920577457116, 8),
    (_letters(10, 16), 4451767806217359194, 6),
    (_letters(11, 17), 4575754982139840021, 3),
    (_letters(12, 31), 1677368696058420538, 6),
    (_letters(13, 32), 878084496238712753, 3),
    (_letters(14, 33), 849183715071601545, 7),
    (_letters(15, 63), 4215669239229292469, 3),
    (_letters(16, 64), 4360767784054217378, 8),
    (_letters(17, 65), 2858976447273076721, 9),
    (_letters(18, 100), 4555544865464178266, 0),
    (_letters(19, 127), 1425042763277964765, 5),
    (_letters(20, 128), 2554031756088683368, 8),
    (_letters(21, 129), 445387406996772633, 3),
    (_letters(22, 200), 1291393079358987357, 5),
    ('hello', 3786372426573024488, 6),
    ('world', 2601484383088587886, 8),
    ('kflow', 1626013018685314941, 9),
    ('é', 693143013273849025, 5),
]


@pytest.mark.parametrize("s, mod62, mod10", TF_VALUES)
def test_fingerprint64_matches_tf(s, mod62, mod10):
    fp = fingerprint64(s.encode("utf-8"))
    assert 0 <= fp < 2 ** 64
    assert fp % 2 ** 62 == mod62
    assert fp % 10 == mod10


def test_string_to_hash_bucket_fast_op():
    strings = [s for s, _, _ in TF_VALUES]
    with kf.Graph().as_default():
        x = kf.placeholder(kf.string, [None])
        b62 = string_to_hash_bucket_fast(x, 2 ** 62)
        b10 = string_to_hash_bucket_fast(x, 10)
        assert b10.dtype == kf.int64
        with kf.Session() as sess:
            got62, got10 = sess.run([b62, b10], {x: np.array(strings, dtype=object)})
    np.testing.assert_array_equal(got62, [v for _, v, _ in TF_VALUES])
    np.testing.assert_array_equal(got10, [v for _, _, v in TF_VALUES])


def test_string_to_hash_bucket_fast_errors():
    with kf.Graph().as_default():
        with pytest.raises(ValueError, match="num_buckets"):
            string_to_hash_bucket_fast(kf.constant(["a"]), 0)
        with pytest.raises(TypeError, match="string"):
            string_to_hash_bucket_fast(kf.constant([1.0]), 3)


def test_cross_hash_chain_matches_tf():
    # tf.sparse.cross_hashed([[a, b], [c, d]] x [[1, 2], [3, 4]], num_buckets=1000) values, row-major
    expected = [485, 987, 983, 357, 694, 322, 607, 441]
    got = []
    for strs, ints in (((b"a", b"b"), (1, 2)), ((b"c", b"d"), (3, 4))):
        for s in strs:
            for i in ints:
                h = fingerprint_cat64(fingerprint_cat64(0xDECAFCAFFE, fingerprint64(s)), i)
                got.append(h % 1000)
    assert got == expected
