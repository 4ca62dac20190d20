"""String tensors hold bytes, however the strings come in (Python str, object arrays of str, numpy U/S arrays,
feeds), and print as text."""
import numpy as np
import pytest

import kflow as kf


@pytest.mark.parametrize("value", [["hé", "b"], np.array(["hé", "b"]), np.array(["hé", "b"], dtype=object),
                                   [b"h\xc3\xa9", b"b"]])
def test_constants_and_feeds_are_utf8_bytes(value):
    p = kf.placeholder(kf.string, [None])
    with kf.Session() as sess:
        for got in (sess.run(kf.constant(value)), sess.run(p, {p: value})):
            assert got.dtype == object and list(got) == [b"h\xc3\xa9", b"b"]


def test_trailing_nul_bytes_survive():
    p = kf.placeholder(kf.string, [])
    with kf.Session() as sess:
        assert sess.run(kf.constant(b"a\x00")) == b"a\x00" and sess.run(p, {p: b"z\x00"}) == b"z\x00"


def test_print_shows_string_tensors(capsys):
    with kf.Session() as sess:
        sess.run(kf.Print(kf.constant(1.0), [kf.constant(["ab", "c"]), kf.constant([[1, 2], [3, 4]])], "m: "))
        sess.run(kf.print("v", kf.constant([["ab", "c"]])))
    err = capsys.readouterr().err
    assert "m: [ab c][[1 2][3...]]" in err and "v [[ab c]]" in err
