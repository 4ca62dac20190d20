"""kf.strings ops against Python's bytes/re references, and TF's own layouts where TF defines them.

The expected values marked "TF:" were printed by TensorFlow 2.21 (/work/venv-tf-fr18/bin/python running
tf.strings.<op>(<the same arguments>).numpy(), or tf.compat.v1.strings.split / tf.compat.v1.string_split).
"""
import re

import numpy as np
import pytest

import kflow as kf

WORDS = [b"Hello", b"  mixed Case\t", b"", "h\u00e9llo \u2603".encode(), b"a1b22c333"]


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def _py(fn, xs):
    return np.array([fn(x) for x in xs], dtype=object)


def test_elementwise_ops_match_python_bytes_methods():
    x = kf.placeholder(kf.string, [None])
    got = _run([kf.strings.length(x), kf.strings.upper(x), kf.strings.lower(x), kf.strings.strip(x),
                kf.strings.length(x, unit="UTF8_CHAR")], {x: np.array(WORDS, dtype=object)})
    np.testing.assert_array_equal(got[0], [len(w) for w in WORDS])
    assert got[0].dtype == np.int32
    np.testing.assert_array_equal(got[1], _py(bytes.upper, WORDS))  # ASCII only, as TF without an encoding
    np.testing.assert_array_equal(got[2], _py(bytes.lower, WORDS))
    np.testing.assert_array_equal(got[3], _py(bytes.strip, WORDS))
    np.testing.assert_array_equal(got[4], [len(w.decode("utf-8")) for w in WORDS])


def test_case_with_encoding_maps_unicode_letters():
    got = _run(kf.strings.upper(["h\u00e9llo"], encoding="utf-8"))
    assert got[0] == "H\u00c9LLO".encode()   # TF: b'H\xc3\x89LLO'
    assert _run(kf.strings.upper(["h\u00e9llo"]))[0] == b"H\xc3\xa9LLO"  # TF: bytes above 127 unchanged


def test_regex_ops_match_python_re():
    got = _run([kf.strings.regex_full_match(WORDS, r"[a-z0-9]+"),
                kf.regex_replace(WORDS, r"(\d+)", r"<\1>"),
                kf.strings.regex_replace(WORDS, r"[a-z]", "_", replace_global=False)])
    np.testing.assert_array_equal(got[0], [re.fullmatch(rb"[a-z0-9]+", w) is not None for w in WORDS])
    np.testing.assert_array_equal(got[1], _py(lambda w: re.sub(rb"(\d+)", rb"<\1>", w), WORDS))
    np.testing.assert_array_equal(got[2], _py(lambda w: re.sub(rb"[a-z]", b"_", w, count=1), WORDS))
    with pytest.raises(ValueError, match="RegexReplace: invalid regular expression"):
        kf.strings.regex_replace(WORDS, "(", "x")


def test_join_broadcasts_and_reduce_join_follows_axes():
    a = np.array([[b"a", b"b"], [b"c", b"d"]], dtype=object)
    got = _run([kf.strings.join([a, b"x"], separator="-"), kf.string_join([[b"p"], [b"q", b"r"]])])
    np.testing.assert_array_equal(got[0], [[b"a-x", b"b-x"], [b"c-x", b"d-x"]])
    np.testing.assert_array_equal(got[1], [b"pq", b"pr"])
    rj = _run([kf.reduce_join(a, axis=1, separator=","), kf.reduce_join(a), kf.reduce_join(a, axis=0, keep_dims=True),
               kf.strings.reduce_join(a, axis=-1), kf.strings.reduce_join(a, axis=[0, 1], keepdims=True)])
    np.testing.assert_array_equal(rj[0], [b"a,b", b"c,d"])
    assert rj[1] == b"abcd"
    np.testing.assert_array_equal(rj[2], [[b"ac", b"bd"]])
    np.testing.assert_array_equal(rj[3], [b"ab", b"cd"])
    np.testing.assert_array_equal(rj[4], [[b"abcd"]])
    assert kf.reduce_join(a, axis=0, keep_dims=True).shape.as_list() == [1, 2]
    with pytest.raises(ValueError, match="Invalid reduction dimension 2"):
        kf.reduce_join(a, axis=2)


def test_substr_bytes_chars_negative_and_out_of_range():
    got = _run([kf.substr([b"hello", b"world"], 1, 3), kf.strings.substr([b"hello"], -3, 2),
                kf.strings.substr([b"hello"], 3, 10), kf.strings.substr([b"hello", b"world"], [0, 1], [1, 2]),
                kf.strings.substr(["h\u00e9llo"], 1, 2, unit="UTF8_CHAR")])
    np.testing.assert_array_equal(got[0], [b"ell", b"orl"])
    np.testing.assert_array_equal(got[1], [b"ll"])
    np.testing.assert_array_equal(got[2], [b"lo"])
    np.testing.assert_array_equal(got[3], [b"h", b"or"])
    np.testing.assert_array_equal(got[4], ["\u00e9l".encode()])
    with pytest.raises(kf.errors.InvalidArgumentError, match="pos 7 out of range"):
        _run(kf.strings.substr([b"hello"], 7, 2))
    with pytest.raises(ValueError, match="unit must be one of"):
        kf.strings.substr([b"a"], 0, 1, unit="CHAR")


def test_to_number_parses_like_tf_and_rejects_what_tf_rejects():
    got = _run([kf.strings.to_number([b" 1.5", b"2", b"1e3", b"-inf"]),
                kf.string_to_number([b"12", b"-3"], out_type=kf.int32),
                kf.strings.to_number([b"0.1"], out_type=kf.float64)])
    np.testing.assert_array_equal(got[0], np.array([1.5, 2.0, 1000.0, -np.inf], np.float32))
    assert got[0].dtype == np.float32 and got[1].dtype == np.int32 and got[2][0] == 0.1
    np.testing.assert_array_equal(got[1], [12, -3])
    for bad, out_type in ((b"abc", kf.float32), (b"1.5", kf.int32), (b"1_0", kf.float32), (b"0x10", kf.int32),
                          (b"3000000000", kf.int32)):  # TF: each an InvalidArgumentError
        with pytest.raises(kf.errors.InvalidArgumentError, match="could not correctly convert string: %s"
                           % re.escape(bad.decode())):
            _run(kf.strings.to_number([bad], out_type=out_type))
    with pytest.raises(TypeError, match="out_type must be one of"):
        kf.strings.to_number([b"1"], out_type=kf.bool)


def test_as_string_uses_tf_printf_formats():
    got = _run([kf.as_string(np.array([3.5, 1e-7, 123456789.0, -0.0], np.float32)),
                kf.strings.as_string([3.14159], precision=2), kf.strings.as_string([3.14159], scientific=True),
                kf.strings.as_string([3.14159, 1e-7], shortest=True), kf.strings.as_string([3, -42], width=5),
                kf.strings.as_string([3, -42], width=5, fill="0"), kf.strings.as_string([True, False])])
    # TF:
    np.testing.assert_array_equal(got[0], [b"3.500000", b"0.000000", b"123456792.000000", b"-0.000000"])
    np.testing.assert_array_equal(got[1], [b"3.14"])
    np.testing.assert_array_equal(got[2], [b"3.141590e+00"])
    np.testing.assert_array_equal(got[3], [b"3.14159", b"1e-07"])
    np.testing.assert_array_equal(got[4], [b"    3", b"  -42"])
    np.testing.assert_array_equal(got[5], [b"00003", b"-0042"])
    np.testing.assert_array_equal(got[6], [b"true", b"false"])
    with pytest.raises(ValueError, match="fill must be a printf flag"):
        kf.strings.as_string([3], width=4, fill="x")
    with pytest.raises(ValueError, match="floats only"):
        kf.strings.as_string([3], precision=2)


def test_format_prints_tensors_as_tf():
    got = _run([kf.strings.format("x={} y={}", [kf.constant([1, 2, 3]), kf.constant(2.5)]),
                kf.strings.format("{}", [kf.range(10)]), kf.strings.format("{}", [kf.range(10)], summarize=2),
                kf.strings.format("{}", [kf.reshape(kf.range(6), [2, 3])]),
                kf.strings.format("{}", [kf.constant([b"a", b"b"])]), kf.strings.format("{}!", [kf.constant("a")])])
    # TF:
    assert got == [b"x=[1 2 3] y=2.5", b"[0 1 2 ... 7 8 9]", b"[0 1 ... 8 9]", b"[[0 1 2]\n [3 4 5]]",
                   b'["a" "b"]', b'"a"!']
    with pytest.raises(ValueError, match="2 placeholder"):
        kf.strings.format("{} {}", [kf.constant(1)])


def _dense_rows(sp):
    rows = [[] for _ in range(sp.dense_shape[0])]
    for (r, c), v in zip(sp.indices, sp.values):
        assert c == len(rows[r])
        rows[r].append(v)
    return rows


def test_split_returns_sparse_tensor_as_tf1():
    lines = [b"a b  c", b"", b"d", b" lead trail "]
    sp = kf.strings.split(lines)
    assert isinstance(sp, kf.SparseTensor) and sp.values.dtype == kf.string
    got = _run(sp)
    assert _dense_rows(got) == [line.split() for line in lines]
    assert list(got.dense_shape) == [4, 3]
    by_sep = _run(kf.strings.split([b"a,b,,c", b"d", b""], sep=","))
    assert _dense_rows(by_sep) == [[b"a", b"b", b"", b"c"], [b"d"], [b""]]  # TF: b"" gives one empty token
    np.testing.assert_array_equal(by_sep.dense_shape, [3, 4])
    assert _dense_rows(_run(kf.strings.split([b"a b c d"], maxsplit=1))) == [[b"a", b"b c d"]]


def test_string_split_legacy_delimiters():
    assert _dense_rows(_run(kf.string_split([b"a,b;c", b""], delimiter=",;"))) == [[b"a", b"b", b"c"], []]
    assert _dense_rows(_run(kf.string_split([b"a\tb c"]))) == [[b"a\tb", b"c"]]  # TF: default splits on b" " only
    assert _dense_rows(_run(kf.string_split([b"a,,b"], delimiter=",", skip_empty=False))) == [[b"a", b"", b"b"]]
    assert _dense_rows(_run(kf.string_split([b"ab"], delimiter=""))) == [[b"a", b"b"]]
    with pytest.raises(ValueError, match="1-D"):
        kf.strings.split([[b"a b"]])
    with pytest.raises(ValueError, match="RaggedTensor"):
        kf.strings.split([b"a"], result_type="RaggedTensor")


def test_string_split_feeds_hash_buckets_in_one_graph():
    lines = kf.placeholder(kf.string, [None])
    tokens = kf.string_split(lines)
    ids = kf.strings.to_hash_bucket_fast(tokens.values, 50)
    got = _run([tokens.indices, ids], {lines: np.array([b"x y", b"y"], dtype=object)})
    assert got[0].tolist() == [[0, 0], [0, 1], [1, 0]] and got[1][1] == got[1][2]


def test_non_string_inputs_are_refused_with_the_op_name():
    for fn in (kf.strings.length, kf.strings.upper, kf.strings.strip):
        with pytest.raises(TypeError, match="input must be a string tensor, got int32"):
            fn(kf.constant([1]))


def test_fed_python_str_values_are_utf8_bytes_to_every_string_op():
    x = kf.placeholder(kf.string, [None])
    fed = ["ab", "h\u00e9"]
    as_bytes = [s.encode("utf-8") for s in fed]
    ops = [kf.strings.upper(x), kf.reduce_join(x, separator="|"), kf.strings.to_hash_bucket_fast(x, 1000),
           kf.strings.length(x), kf.strings.format("{}", [x]), kf.strings.split(x).values, kf.strings.substr(x, 0, 1)]
    with kf.Session() as sess:
        from_str, from_bytes = sess.run(ops, {x: fed}), sess.run(ops, {x: np.array(as_bytes, dtype=object)})
    for a, b in zip(from_str, from_bytes):
        np.testing.assert_array_equal(a, b)
    assert from_str[1] == b"ab|h\xc3\xa9" and from_str[3].tolist() == [2, 3]


def test_scalar_strings_keep_trailing_nul_bytes():
    # a 0-d string went through a fixed-width numpy array, which drops trailing NULs (length 1, not 3)
    with kf.Session() as sess:
        assert sess.run(kf.strings.length(kf.constant(b"a\x00\x00"))) == 3
        assert sess.run(kf.strings.strip(kf.constant(b" a\x00"))) == b"a\x00"
