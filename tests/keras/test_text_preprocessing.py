"""Text and categorical preprocessing layers (issue 15, round 2): StringLookup, IntegerLookup, Hashing,
HashedCrossing, TextVectorization and the TF string hashes under them, against real Keras 3 / TF (when the
TensorFlow venv is there), against the values in TF's and Keras's own docs, and inside fit / Dataset.map."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.ops import string_hash_ops as H
from tests.keras.keras_reference import needs_keras, run_keras

K = kf.keras
L = K.layers

# (class, constructor kwargs, adapt data or None, input, input dtype)
CASES = [
    ("StringLookup", {"vocabulary": ["a", "b", "c"]}, None, [["a", "c"], ["d", "b"]], None),
    ("StringLookup", {}, [["a", "b"], ["a", "c"], ["c", "a"], ["d", "b"]], [["a", "d", "zz"]], None),
    ("StringLookup", {"num_oov_indices": 3}, [["a", "b"], ["a", "c"]], [["a", "zz", "q", "b", "xyz", "hello"]], None),
    ("StringLookup", {"mask_token": "", "vocabulary": ["a", "b"]}, None, [["a", "", "b", "q"]], None),
    ("StringLookup", {"mask_token": "", "output_mode": "multi_hot", "vocabulary": ["a", "b", "c"]}, None,
     [["a", "", "a", "z"], ["c", "c", "b", ""]], None),
    ("StringLookup", {"output_mode": "count", "vocabulary": ["a", "b", "c"]}, None, [["a", "z", "a", "z"]], None),
    ("StringLookup", {"output_mode": "one_hot", "vocabulary": ["a", "b", "c"]}, None, [["a"], ["z"], ["c"]], None),
    ("StringLookup", {"output_mode": "tf_idf"}, [["a", "b"], ["a", "c"], ["c", "a"], ["d", "d"]],
     [["a", "a", "z"], ["d", "c", "q"]], None),
    ("StringLookup", {"output_mode": "tf_idf", "max_tokens": 6, "pad_to_max_tokens": True},
     [["a", "b"], ["a", "c"]], [["a", "b", "q"]], None),
    ("StringLookup", {"max_tokens": 3}, [["a", "b", "b"], ["c", "c", "c"]], [["a", "b", "c"]], None),
    ("StringLookup", {"vocabulary": ["a", "b"], "invert": True}, None, [[1, 2, 0, 7]], "int64"),
    ("StringLookup", {"vocabulary": ["a", "b"], "mask_token": "", "invert": True}, None, [[0, 1, 2, 3]], "int64"),
    ("StringLookup", {"num_oov_indices": 0, "vocabulary": ["a", "b"]}, None, [["b", "a"]], None),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42]}, None, [[12, 1138, 42], [42, 1000, 36]], "int64"),
    ("IntegerLookup", {"num_oov_indices": 2, "mask_token": 0}, [[12, 36, 12], [0, 36, 12]],
     [[12, 7, 0, 36, 8, -3]], "int64"),
    ("IntegerLookup", {"num_oov_indices": 3, "oov_method": "farmhash", "vocabulary": [5]}, None,
     [[5, 6, 7, 8, 9, 10, 11]], "int64"),
    ("IntegerLookup", {"output_mode": "multi_hot", "vocabulary": [12, 36, 1138, 42]}, None,
     [[12, 1138, 42, 42], [42, 7, 36, 7]], "int64"),
    ("IntegerLookup", {"vocabulary": [12, 36, 1138, 42], "invert": True}, None, [[1, 3, 4], [4, 0, 2]], "int64"),
    ("Hashing", {"num_bins": 3}, None, [["A"], ["B"], ["C"], ["D"], ["E"]], None),
    ("Hashing", {"num_bins": 3, "mask_value": ""}, None, [["A"], ["B"], [""], ["C"], ["D"]], None),
    ("Hashing", {"num_bins": 3, "salt": 133}, None, [["A"], ["B"], ["C"], ["D"], ["E"]], None),
    ("Hashing", {"num_bins": 7, "salt": [7, 1 << 40]}, None, [["a long string of more than sixty-four bytes, "
                                                               "to take FarmHash's long path"]], None),
    ("Hashing", {"num_bins": 5, "output_mode": "multi_hot"}, None, [[1, 2, -7], [300, 4, 4]], "int64"),
    ("Hashing", {"num_bins": 5, "output_mode": "count", "mask_value": 0}, None, [[1, 0, 2, 2]], "int64"),
    ("Hashing", {"num_bins": 4, "output_mode": "one_hot"}, None, [[1.5], [2.0], [-3.0]], "float32"),
    ("TextVectorization", {"max_tokens": 10, "output_sequence_length": 5},
     ["The cat sat on the mat.", "The dog ate my homework!", "A cat; a DOG?"], ["the cat ate a bird", "dog"], None),
    ("TextVectorization", {}, ["x y", "y, z", "y"], ["y x q x", "z"], None),
    ("TextVectorization", {"ngrams": 2, "output_mode": "multi_hot"}, ["a b c", "a b", "c d"],
     ["a b z", "c d a"], None),
    ("TextVectorization", {"output_mode": "tf_idf", "ngrams": (1, 3)}, ["a b c d", "a b", "b c d"],
     ["a b c", "d d q"], None),
    ("TextVectorization", {"output_mode": "count", "standardize": None, "max_tokens": 4},
     ["A a A b", "b B c"], ["A b z A"], None),
    ("TextVectorization", {"split": "character", "standardize": "lower", "output_sequence_length": 6},
     ["hello", "help"], ["Hello!", "ohm"], None),
]

KERAS_SCRIPT = """
import json, sys
import numpy as np
import keras
out = []
for cls, kwargs, adapt, x, dtype in json.load(sys.stdin):
    if isinstance(kwargs.get("ngrams"), list):
        kwargs["ngrams"] = tuple(kwargs["ngrams"])
    layer = getattr(keras.layers, cls)(**kwargs)
    if adapt is not None:
        layer.adapt(np.array(adapt))
    y = np.asarray(layer(np.array(x, dtype=dtype)))
    if y.dtype.kind in "OS":
        y = np.vectorize(lambda b: b.decode(), otypes=[object])(y)
    vocab = layer.get_vocabulary() if hasattr(layer, "get_vocabulary") else None
    out.append({"y": y.tolist(), "vocab": None if vocab is None else [v if isinstance(v, str) else int(v)
                                                                      for v in vocab]})
print("JSON" + json.dumps(out))
"""


def _kflow_case(cls, kwargs, adapt, x, dtype):
    layer = getattr(L, cls)(**kwargs)
    if adapt is not None:
        layer.adapt(np.array(adapt))
    x = np.array(x, dtype=dtype) if dtype else np.array(x)
    y = kf.Session().run(layer(kf.constant(x)))
    if y.dtype == object:
        y = np.vectorize(lambda b: b.decode(), otypes=[object])(y)
    return layer, y


@pytest.fixture(scope="module")
def keras_results():
    return run_keras(KERAS_SCRIPT, CASES)


@needs_keras
@pytest.mark.parametrize("index", range(len(CASES)), ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_layers_match_keras(keras_results, index):
    layer, y = _kflow_case(*CASES[index])
    want = keras_results[index]
    if y.dtype.kind == "f":
        np.testing.assert_allclose(y, np.array(want["y"]), rtol=1e-5, atol=1e-6)
    else:
        assert y.tolist() == want["y"]
    if want["vocab"] is not None:
        assert layer.get_vocabulary() == want["vocab"]
        assert layer.vocabulary_size() == len(want["vocab"])


HASH_STRINGS = [b"", b"a", b"ab", b"abc", b"abcd", b"hello", b"12345678", b"0123456789abcdef", b"x" * 17,
                b"y" * 32, b"z" * 33, b"q" * 64, b"w" * 65, bytes(range(256)) * 3, "héllo".encode()]

TF_HASH_SCRIPT = """
import json, sys
import tensorflow as tf
strings = [bytes(s) for s in json.load(sys.stdin)]
big = 1 << 62
print("JSON" + json.dumps({
    "fast": tf.strings.to_hash_bucket_fast(strings, big).numpy().tolist(),
    "strong": tf.strings.to_hash_bucket_strong(strings, big, key=[1, 2]).numpy().tolist(),
    "strong_big_key": tf.strings.to_hash_bucket_strong(strings, big, key=[-5, 12345]).numpy().tolist(),
    "cross": tf.sparse.to_dense(tf.sparse.cross_hashed(
        [tf.constant([[s] for s in strings]), tf.constant([[i * 7 - 20] for i in range(len(strings))], tf.int64)],
        num_buckets=big)).numpy().tolist()}))
"""


@needs_keras
def test_hashes_equal_tensorflows():
    want = run_keras(TF_HASH_SCRIPT, [list(s) for s in HASH_STRINGS])
    big = 1 << 62
    assert [H.fingerprint64(s) % big for s in HASH_STRINGS] == want["fast"]
    assert [H.strong_hash((1, 2), s) % big for s in HASH_STRINGS] == want["strong"]
    assert [H.strong_hash((-5, 12345), s) % big for s in HASH_STRINGS] == want["strong_big_key"]
    ints = np.array([[i * 7 - 20] for i in range(len(HASH_STRINGS))], np.int64)
    strings = np.empty((len(HASH_STRINGS), 1), object)
    strings[:, 0] = HASH_STRINGS
    assert H.cross_buckets(strings, ints, num_buckets=big, hash_key=H.DEFAULT_CROSS_HASH_KEY).tolist() == want["cross"]


def test_hash_ops_give_the_values_in_tfs_docs():
    with kf.Session() as sess:
        # tf.strings.to_hash_bucket_fast's and Keras Hashing's documented examples
        assert sess.run(H.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3)).tolist() == [0, 2, 2]
        assert sess.run(H.to_hash_bucket_strong(["Hello", "TF"], 3, key=[1, 2])).tolist() == [2, 0]
        h = sess.run(L.Hashing(num_bins=3)(kf.constant([["A"], ["B"], ["C"], ["D"], ["E"]])))
        assert h.tolist() == [[1], [0], [1], [1], [2]] and h.dtype == np.int64
        h = sess.run(L.Hashing(num_bins=3, salt=133)(kf.constant([["A"], ["B"], ["C"], ["D"], ["E"]])))
        assert h.tolist() == [[0], [0], [2], [1], [0]]
        crossed = L.HashedCrossing(num_bins=5)((kf.constant(["A", "B", "A", "B", "A"]),
                                                kf.constant([101, 101, 101, 102, 102], kf.int64)))
        assert sess.run(crossed).tolist() == [1, 4, 1, 1, 3]
    assert H.fingerprint64(b"") == 0x9ae16a3b2f90404f  # FarmHash's k2: the empty string's fingerprint


def test_hash_ops_refuse_bad_input():
    with pytest.raises(TypeError, match="StringToHashBucketFast.*string"):
        H.to_hash_bucket_fast(kf.constant([1.0]), 3)
    with pytest.raises(ValueError, match="num_buckets"):
        H.to_hash_bucket_fast(["a"], 0)
    with pytest.raises(ValueError, match="HashedCross.*shape"):
        H.hashed_cross([kf.constant(["a", "b"]), kf.constant([1, 2, 3])], 4)


def test_lookup_reference_semantics_without_keras():
    """Index layout, OOV hashing and tf_idf against a float64 numpy reference written from Keras's rules."""
    layer = L.StringLookup(num_oov_indices=2, mask_token="[M]", output_mode="int")
    docs = [["b", "a", "b"], ["c", "b", "[M]"]]
    layer.adapt(docs)
    assert layer.get_vocabulary() == ["[M]", "[UNK]", "[UNK]", "b", "c", "a"]  # by count, ties: highest first
    x = np.array([["a", "[M]", "zz", "qq"]], object)
    want = [[5, 0] + [1 + H.fingerprint64(t.encode()) % 2 for t in ("zz", "qq")]]
    assert kf.Session().run(layer(kf.constant(x))).tolist() == want
    tfidf = L.StringLookup(output_mode="tf_idf")
    tfidf.adapt(docs)
    idf = {t: np.log(1 + 2 / (1 + sum(t in d for d in docs))) for t in ("b", "c", "a", "[M]")}
    weights = np.array([np.mean([idf["b"], idf["[M]"], idf["c"], idf["a"]])] +
                       [idf[t] for t in tfidf.get_vocabulary()[1:]])
    got = kf.Session().run(tfidf(kf.constant([["a", "a", "q"]])))
    counts = np.array([1.0] + [2.0 if t == "a" else 0.0 for t in tfidf.get_vocabulary()[1:]])
    np.testing.assert_allclose(got[0], counts * weights, rtol=1e-6)


def test_errors_name_the_layer_and_the_problem():
    with pytest.raises(ValueError, match="repeats"):
        L.StringLookup(vocabulary=["a", "a"])
    with pytest.raises(RuntimeError, match="set the vocabulary"):
        L.StringLookup(output_mode="multi_hot")(kf.constant([["a"]]))
    with pytest.raises(TypeError, match="string"):
        L.StringLookup(vocabulary=["a"])(kf.constant([1, 2]))
    with pytest.raises(ValueError, match="cannot adapt"):
        L.IntegerLookup(vocabulary=[1]).adapt([1, 2])
    with pytest.raises(ValueError, match="idf_weights"):
        L.StringLookup(vocabulary=["a"], output_mode="tf_idf")
    layer = L.StringLookup(vocabulary=["a"], num_oov_indices=0)
    with pytest.raises(Exception, match="not in the vocabulary"):
        kf.Session().run(layer(kf.constant(["b"])))
    with pytest.raises(ValueError, match="output_sequence_length"):
        L.TextVectorization(output_mode="multi_hot", output_sequence_length=3)


def test_adapt_after_the_call_takes_effect_and_datasets_adapt():
    layer = L.StringLookup()
    y = layer(kf.placeholder(kf.string, [None]))
    layer.adapt(kf.data.Dataset.from_tensor_slices(np.array(["x", "y", "y", "z", "y", "x"])).batch(4))
    assert layer.get_vocabulary() == ["[UNK]", "y", "x", "z"]
    assert kf.Session().run(y, {y.op.inputs[0]: np.array([b"z", b"y", b"w"], object)}).tolist() == [3, 1, 0]


@pytest.mark.parametrize("make", [
    lambda: L.StringLookup(vocabulary=["a", "b"], mask_token="", num_oov_indices=2, output_mode="count"),
    lambda: L.IntegerLookup(vocabulary=[4, 9], invert=True, oov_token=-7),
    lambda: L.Hashing(num_bins=5, salt=[3, 4], mask_value="m", output_mode="one_hot"),
    lambda: L.HashedCrossing(num_bins=9, output_mode="one_hot"),
])
def test_config_round_trip(make):
    layer = make()
    config = layer.get_config()
    again = type(layer).from_config(config)
    assert again.get_config() == dict(config, name=again.name)


def test_adapted_vocabulary_and_idf_travel_in_the_config():
    layer = L.TextVectorization(output_mode="tf_idf", ngrams=2, max_tokens=8)
    layer.adapt(["a b c", "a b", "c d e"])
    again = L.TextVectorization.from_config(layer.get_config())
    assert again.get_vocabulary() == layer.get_vocabulary()
    x = kf.constant(["a b e", "q c"])
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(again(x)), sess.run(layer(x)), rtol=1e-6)


def test_text_classifier_fits_on_strings_and_saves(tmp_path):
    rng = np.random.RandomState(0)
    good, bad = ["great", "fine", "superb", "nice"], ["awful", "bad", "poor", "dull"]
    texts, labels = [], []
    for _ in range(200):
        label = rng.randint(2)
        words = list(rng.choice(good if label else bad, 3)) + list(rng.choice(["the", "film", "was"], 2))
        texts.append(" ".join(rng.permutation(words)) + "!")
        labels.append(label)
    texts, labels = np.array(texts, object), np.array(labels, np.float32)
    vectorize = L.TextVectorization(max_tokens=20, output_sequence_length=6)
    vectorize.adapt(texts)
    inp = K.Input(shape=(1,), dtype="string")
    x = vectorize(inp)
    x = L.Embedding(20, 8)(x)
    x = L.GlobalAveragePooling1D()(x)
    out = L.Dense(1, activation="sigmoid")(x)
    model = K.Model(inp, out)
    model.compile(optimizer=K.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(texts[:, None], labels, epochs=8, batch_size=32, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
    path = str(tmp_path / "text.h5")
    model.save(path)
    loaded = K.models.load_model(path)
    probe = np.array([["great superb film"], ["awful dull was"]], object)
    np.testing.assert_allclose(loaded.predict(probe), model.predict(probe), rtol=1e-5)


def test_lookup_in_a_dataset_map():
    lookup = L.StringLookup(vocabulary=["cat", "dog"])
    hashing = L.Hashing(num_bins=4)
    ds = kf.data.Dataset.from_tensor_slices(np.array(["dog", "cat", "cow"], object)).map(
        lambda s: (lookup(s), hashing(s)))
    got = list(ds)
    assert [int(a) for a, _ in got] == [2, 1, 0]
    assert [int(b) for _, b in got] == [H.fingerprint64(w) % 4 for w in (b"dog", b"cat", b"cow")]
