"""kf.keras.preprocessing.sequence.pad_sequences: Keras semantics for maxlen, dtype, padding, truncating, value."""
import numpy as np
import pytest

import kflow as kf

pad_sequences = kf.keras.preprocessing.sequence.pad_sequences
SEQS = [[1], [2, 3], [4, 5, 6, 7]]


def test_defaults_pad_and_truncate_at_the_front():
    out = pad_sequences(SEQS)
    assert out.dtype == np.int32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out, [[0, 0, 0, 1], [0, 0, 2, 3], [4, 5, 6, 7]])
    np.testing.assert_array_equal(pad_sequences(SEQS, maxlen=2), [[0, 1], [2, 3], [6, 7]])


@pytest.mark.parametrize("padding,truncating,expect", [
    ("post", "pre", [[1, -1, -1], [2, 3, -1], [5, 6, 7]]),
    ("pre", "post", [[-1, -1, 1], [-1, 2, 3], [4, 5, 6]]),
    ("post", "post", [[1, -1, -1], [2, 3, -1], [4, 5, 6]]),
])
def test_sides_and_value(padding, truncating, expect):
    out = pad_sequences(SEQS, maxlen=3, padding=padding, truncating=truncating, value=-1)
    np.testing.assert_array_equal(out, expect)


def test_dtype_float_value_empty_and_arrays():
    out = pad_sequences([np.array([0.5, 1.5]), [], (2.5,)], maxlen=3, dtype="float32", value=0.25)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.25, 0.5, 1.5], [0.25, 0.25, 0.25], [0.25, 0.25, 2.5]])
    assert pad_sequences([], maxlen=None).shape == (0, 0)
    assert pad_sequences([[1, 2]], maxlen=0).shape == (1, 0)
    np.testing.assert_array_equal(pad_sequences(SEQS, maxlen=np.int64(1)), [[1], [3], [7]])
    # int dtype truncates floats, as numpy's cast does (and Keras)
    np.testing.assert_array_equal(pad_sequences([[1.7, 2.2]]), [[1, 2]])


def test_steps_with_features_and_strings():
    seqs = [np.ones((2, 3)), np.full((1, 3), 2.0)]
    out = pad_sequences(seqs, padding="post", dtype="float64")
    assert out.shape == (2, 2, 3)
    np.testing.assert_array_equal(out[1], [[2, 2, 2], [0, 0, 0]])
    words = pad_sequences([["a", "b"], ["c"]], dtype=object, value="<pad>")
    assert words.tolist() == [["a", "b"], ["<pad>", "c"]]


@pytest.mark.parametrize("kwargs,message", [
    ({"padding": "middle"}, r"pad_sequences: `padding` must be 'pre' or 'post', got 'middle'"),
    ({"truncating": "both"}, r"pad_sequences: `truncating` must be 'pre' or 'post', got 'both'"),
    ({"maxlen": -1}, r"pad_sequences: `maxlen` must be a non-negative integer or None, got -1"),
    ({"maxlen": 2.5}, r"pad_sequences: `maxlen` must be a non-negative integer or None, got 2.5"),
    ({"maxlen": "3"}, r"pad_sequences: `maxlen` must be a non-negative integer or None, got '3'"),
    ({"value": "x"}, r"pad_sequences: `dtype` 'int32' cannot hold the string padding value 'x'"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        pad_sequences(SEQS, **kwargs)


def test_bad_sequences():
    with pytest.raises(ValueError, match=r"`sequences` must be an iterable of sequences"):
        pad_sequences([[1, 2], 3])
    with pytest.raises(ValueError, match=r"the steps of sequence 1 have shape \(2,\), but .* shape \(3,\)"):
        pad_sequences([np.ones((2, 3)), np.ones((1, 2))])
