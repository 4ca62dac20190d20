"""kf.io's string codecs: web-safe base64 both ways and ZLIB/GZIP decompression, against Python's codecs."""
import base64
import gzip
import zlib

import numpy as np
import pytest

import kflow as kf


def _run(*tensors):
    with kf.Session() as sess:
        return sess.run(list(tensors))


def test_base64_is_web_safe_and_round_trips():
    data = [b"hi?", b"\xfb\xff", b"", bytes(range(256))]
    enc, padded, dec = _run(kf.io.encode_base64(data), kf.io.encode_base64([[b"a"]], pad=True),
                            kf.io.decode_base64(kf.io.encode_base64(data)))
    assert enc.tolist() == [base64.urlsafe_b64encode(d).rstrip(b"=") for d in data]
    assert b"+" not in b"".join(enc) and b"/" not in b"".join(enc)
    assert padded.tolist() == [[b"YQ=="]]
    assert dec.tolist() == data
    with pytest.raises(kf.errors.InvalidArgumentError, match="not web-safe base64"):
        _run(kf.io.decode_base64([b"a"]))


def test_decode_compressed_zlib_gzip_and_passthrough():
    z, g, plain = _run(kf.io.decode_compressed([zlib.compress(b"abc"), zlib.compress(b"")], "ZLIB"),
                       kf.io.decode_compressed(gzip.compress(b"xyz" * 100), compression_type="GZIP"),
                       kf.io.decode_compressed(np.array([b"raw"], dtype=object)))
    assert z.tolist() == [b"abc", b""] and g == b"xyz" * 100 and plain.tolist() == [b"raw"]
    with pytest.raises(kf.errors.InvalidArgumentError, match="ZLIB string .* corrupt"):
        _run(kf.io.decode_compressed([b"not zlib"], "ZLIB"))
    with pytest.raises(ValueError, match="compression_type"):
        kf.io.decode_compressed([b""], "BZIP2")
    with pytest.raises(TypeError, match="string tensor"):
        kf.io.encode_base64(kf.constant([1, 2]))
