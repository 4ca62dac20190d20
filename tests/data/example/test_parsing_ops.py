"""Graph ops parsing Examples (parse_single_example, parse_example, decode_raw) and the TFRecord pipeline."""
import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset, TFRecordDataset


def example(image, label, tags=(), weights=None):
    feature = {
        "image_raw": kf.train.Feature(bytes_list=kf.train.BytesList(value=[image.tobytes()])),
        "label": kf.train.Feature(int64_list=kf.train.Int64List(value=[label])),
        "tags": kf.train.Feature(bytes_list=kf.train.BytesList(value=list(tags))),
    }
    if weights is not None:
        feature["weights"] = kf.train.Feature(float_list=kf.train.FloatList(value=list(weights)))
    return kf.train.Example(features=kf.train.Features(feature=feature)).SerializeToString()


SPEC = {"image_raw": kf.FixedLenFeature([], kf.string), "label": kf.FixedLenFeature([], kf.int64)}


@pytest.fixture
def mnist_like(tmp_path):
    rng = np.random.RandomState(0)
    images = rng.randint(0, 256, (50, 784)).astype(np.uint8)
    labels = rng.randint(0, 10, 50)
    path = str(tmp_path / "train.tfrecord")
    with kf.python_io.TFRecordWriter(path) as w:
        for img, lab in zip(images, labels):
            w.write(example(img, int(lab)))
    return path, images, labels


def test_parse_single_example_dense_and_defaults():
    rec = example(np.arange(4, dtype=np.uint8), 7, weights=[0.5, 1.5])
    spec = dict(SPEC, weights=kf.FixedLenFeature([2], kf.float32),
                missing=kf.FixedLenFeature([3], kf.int64, default_value=[1, 2, 3]))
    parsed = kf.parse_single_example(kf.constant(rec), spec)
    assert parsed["label"].dtype == kf.int64 and parsed["label"].shape.as_list() == []
    assert parsed["weights"].shape.as_list() == [2] and parsed["image_raw"].dtype == kf.string
    assert parsed["label"].op.type == "ParseSingleExample"
    image = kf.decode_raw(parsed["image_raw"], kf.uint8)
    assert image.shape.as_list() == [None]
    with kf.Session() as sess:
        out, img = sess.run([parsed, image])
    assert out["label"] == 7 and out["weights"].tolist() == [0.5, 1.5] and out["missing"].tolist() == [1, 2, 3]
    assert img.tolist() == [0, 1, 2, 3]


def test_parse_single_example_varlen_is_a_sparse_tensor():
    ph = kf.placeholder(kf.string, [])
    parsed = kf.io.parse_single_example(ph, {"tags": kf.io.VarLenFeature(kf.string)})
    assert isinstance(parsed["tags"], kf.SparseTensor)
    with kf.Session() as sess:
        v = sess.run(parsed["tags"], {ph: example(np.zeros(1, np.uint8), 0, tags=[b"a", b"bc"])})
        assert isinstance(v, kf.SparseTensorValue)
        assert v.indices.tolist() == [[0], [1]] and v.values.tolist() == [b"a", b"bc"]
        assert v.dense_shape.tolist() == [2]


def test_parse_errors_name_the_feature():
    parsed = kf.parse_single_example(kf.constant(example(np.zeros(1, np.uint8), 1)),
                                     {"nope": kf.FixedLenFeature([], kf.int64)})
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError, match="nope"):
            sess.run(parsed["nope"])
    with pytest.raises(ValueError, match="scalar"):
        kf.parse_single_example(kf.constant([b"a", b"b"]), SPEC)
    with pytest.raises(ValueError, match="feature spec"):
        kf.parse_single_example(kf.constant(b""), {"x": "not a spec"})


def test_parse_example_batch_and_sequences():
    recs = [example(np.full(2, i, np.uint8), i, tags=[b"t"] * i, weights=[float(i)] * (i + 1)) for i in range(3)]
    serialized = kf.placeholder(kf.string, [None])
    parsed = kf.parse_example(serialized, dict(SPEC, tags=kf.VarLenFeature(kf.string),
                                               weights=kf.FixedLenSequenceFeature([], kf.float32,
                                                                                  allow_missing=True)))
    assert parsed["label"].shape.as_list() == [None] and parsed["weights"].shape.as_list() == [None, None]
    images = kf.decode_raw(parsed["image_raw"], kf.uint8)
    with kf.Session() as sess:
        out, img = sess.run([parsed, images], {serialized: recs})
    assert out["label"].tolist() == [0, 1, 2] and img.tolist() == [[0, 0], [1, 1], [2, 2]]
    assert out["tags"].indices.tolist() == [[1, 0], [2, 0], [2, 1]] and out["tags"].dense_shape.tolist() == [3, 2]
    assert out["weights"].tolist() == [[0, 0, 0], [1, 1, 0], [2, 2, 2]]


def test_decode_raw_types_and_errors():
    data = np.array([1.5, -2.0], np.float32).tobytes()
    with kf.Session() as sess:
        assert sess.run(kf.decode_raw(kf.constant([data]), kf.float32)).tolist() == [[1.5, -2.0]]
        big = kf.decode_raw(kf.constant(np.array([1], ">i4").tobytes()), kf.int32, little_endian=False)
        assert sess.run(big).tolist() == [1]
        with pytest.raises(kf.errors.InvalidArgumentError, match="same size"):
            sess.run(kf.decode_raw(kf.constant([b"ab", b"abc"]), kf.uint8))
    with pytest.raises(TypeError, match="numeric"):
        kf.decode_raw(kf.constant(b"ab"), kf.string)


def test_tfrecord_pipeline_per_example(mnist_like):
    path, images, labels = mnist_like

    def parse(record):
        f = kf.parse_single_example(record, SPEC)
        return kf.reshape(kf.decode_raw(f["image_raw"], kf.uint8), [28, 28]), f["label"]

    ds = TFRecordDataset(path).map(parse).batch(16)
    assert ds.output_shapes == (kf.TensorShape([None, 28, 28]), kf.TensorShape([None]))
    batches = list(ds)
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images.reshape(-1, 28, 28))
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), labels)
    x, y = ds.make_one_shot_iterator().get_next()
    with kf.Session() as sess:
        bx, by = sess.run([x, y])
    np.testing.assert_array_equal(bx, images[:16].reshape(-1, 28, 28))
    np.testing.assert_array_equal(by, labels[:16])


def test_tfrecord_pipeline_batched_parse_matches(mnist_like):
    path, images, labels = mnist_like
    ds = TFRecordDataset(path).batch(20).map(lambda r: kf.parse_example(r, SPEC)).map(
        lambda f: (kf.decode_raw(f["image_raw"], kf.uint8), f["label"]))
    batches = list(ds)
    assert [len(b[1]) for b in batches] == [20, 20, 10]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), labels)


def test_parsed_varlen_features_batch_in_datasets(mnist_like):
    recs = [example(np.zeros(1, np.uint8), i, tags=[b"x"] * i) for i in range(4)]
    ds = Dataset.from_tensor_slices(recs).map(
        lambda r: kf.parse_single_example(r, {"tags": kf.VarLenFeature(kf.string)})["tags"])
    assert ds.output_classes is kf.SparseTensor
    b = next(iter(ds.batch(4)))
    assert b.indices.tolist() == [[1, 0], [2, 0], [2, 1], [3, 0], [3, 1], [3, 2]]
    assert b.dense_shape.tolist() == [4, 3]
    dense = ds.map(lambda sp: kf.sparse.to_dense(sp, default_value=b"-"))
    assert [v.tolist() for v in dense][:3] == [[], [b"x"], [b"x", b"x"]]


def test_kf_train_example_exports():
    ex = kf.train.Example(features=kf.train.Features(feature={
        "v": kf.train.Feature(float_list=kf.train.FloatList(value=[1.0]))}))
    assert kf.train.Example.FromString(ex.SerializeToString()).features.feature["v"].float_list.value == [1.0]
    assert kf.python_io.tf_record_iterator is kf.io.tf_record_iterator
