"""File datasets: TFRecordDataset (compression, several files, parallel reads, damage), text and fixed-length."""
import gzip
import os

import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset, FixedLengthRecordDataset, TextLineDataset, TFRecordDataset
from kflow.data.tfrecord.chunks import tfrecord_chunks


def write(path, records, options=None):
    with kf.io.TFRecordWriter(str(path), options) as w:
        for r in records:
            w.write(r)
    return str(path)


def records_of(ds):
    return list(ds)


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecord_round_trip(tmp_path, compression):
    recs = [b"record %d" % i * (i % 5 + 1) for i in range(300)]
    path = write(tmp_path / "a.tfrecord", recs, compression)
    ds = TFRecordDataset(path, compression_type=compression)
    assert ds.output_types == kf.string and ds.output_shapes == kf.TensorShape([])
    assert records_of(ds) == recs
    assert [list(b) for b in ds.batch(128)] == [recs[:128], recs[128:256], recs[256:]]


def test_tfrecord_same_length_blocks_and_mixed_lengths(tmp_path, monkeypatch):
    same = [bytes([i % 256]) * 100 for i in range(500)]
    mixed = same[:50] + [b"x" * 7, b"", b"y" * 3000] + same[50:]
    path = write(tmp_path / "m.tfrecord", mixed)
    assert records_of(TFRecordDataset(path)) == mixed
    assert records_of(TFRecordDataset(path, buffer_size=1000)) == mixed  # records longer than a read
    chunks = list(tfrecord_chunks(path, "", 4096))
    assert [r for c in chunks for r in c] == mixed and len(chunks) > 10


def test_tfrecord_several_files_in_order_and_interleaved(tmp_path):
    a = write(tmp_path / "a.tfrecord", [b"a0", b"a1", b"a2"])
    b = write(tmp_path / "b.tfrecord", [b"b0", b"b1"])
    assert records_of(TFRecordDataset([a, b])) == [b"a0", b"a1", b"a2", b"b0", b"b1"]
    assert records_of(TFRecordDataset([a, b], num_parallel_reads=2)) == [b"a0", b"b0", b"a1", b"b1", b"a2"]
    files = Dataset.from_tensor_slices([a, b])
    assert records_of(TFRecordDataset(files)) == [b"a0", b"a1", b"a2", b"b0", b"b1"]
    listed = Dataset.list_files(str(tmp_path / "*.tfrecord"), shuffle=False)
    assert [os.path.basename(f) for f in listed] == [b"a.tfrecord", b"b.tfrecord"]
    assert sorted(records_of(TFRecordDataset(Dataset.list_files(str(tmp_path / "*.tfrecord"), seed=1)))) == \
        [b"a0", b"a1", b"a2", b"b0", b"b1"]


def test_list_files_without_match(tmp_path):
    with pytest.raises(kf.errors.InvalidArgumentError, match="No files matched pattern"):
        list(Dataset.list_files(str(tmp_path / "*.none")))


def test_tfrecord_filenames_placeholder_with_initializer(tmp_path):
    a = write(tmp_path / "a.tfrecord", [b"a0", b"a1"])
    b = write(tmp_path / "b.tfrecord", [b"b0"])
    names = kf.placeholder(kf.string, [None])
    it = TFRecordDataset(names).make_initializable_iterator()
    rec = it.get_next()
    with kf.Session() as sess:
        sess.run(it.initializer, {names: [a]})
        assert [sess.run(rec) for _ in range(2)] == [b"a0", b"a1"]
        sess.run(it.initializer, {names: [b, a]})
        assert sess.run(rec) == b"b0"


def test_tfrecord_damage_raises_data_loss_naming_the_record(tmp_path):
    recs = [b"%04d" % i * 25 for i in range(100)]
    path = write(tmp_path / "d.tfrecord", recs)
    data = bytearray(open(path, "rb").read())
    step = 100 + 16
    data[step * 40 + 12 + 5] ^= 0xFF  # flip a data byte of record 40
    bad = tmp_path / "bad.tfrecord"
    bad.write_bytes(bytes(data))
    got = []
    with pytest.raises(kf.errors.DataLossError, match="record index 40") as info:
        for r in TFRecordDataset(str(bad)):
            got.append(r)
    assert got == recs[:40]
    assert str(bad) in info.value.message and "byte offset %d" % (step * 40) in info.value.message
    truncated = tmp_path / "t.tfrecord"
    truncated.write_bytes(open(path, "rb").read()[:-7])
    with pytest.raises(kf.errors.DataLossError, match="truncated"):
        list(TFRecordDataset(str(truncated)))
    with pytest.raises(kf.errors.NotFoundError):
        list(TFRecordDataset(str(tmp_path / "missing.tfrecord")))


@pytest.mark.parametrize("compression", ["", "GZIP"])
def test_tfrecord_skip_corrupt_counts_and_reports(tmp_path, compression):
    from kflow.data.tfrecord import CorruptRecordWarning

    recs = [b"%04d" % i * 25 for i in range(100)]
    plain = open(write(tmp_path / "p.tfrecord", recs), "rb").read()
    data = bytearray(plain)
    for index in (40, 41, 70):
        data[116 * index + 12 + 5] ^= 0xFF  # a data byte of each of these records
    bad = tmp_path / "bad.tfrecord"
    bad.write_bytes(gzip.compress(bytes(data)) if compression else bytes(data))
    good = write(tmp_path / "good.tfrecord", [b"ok"], compression)
    ds = TFRecordDataset([str(bad), good], compression, skip_corrupt=True)
    with pytest.warns(CorruptRecordWarning, match=r"bad.tfrecord: skipped 3 corrupt record\(s\).*byte offset 4640 "
                                                  r".*record index 40.*data CRC mismatch") as caught:
        got = list(ds)
    assert got == [r for i, r in enumerate(recs) if i not in (40, 41, 70)] + [b"ok"]
    assert len([w for w in caught if issubclass(w.category, CorruptRecordWarning)]) == 1  # the clean file is silent
    with pytest.raises(kf.errors.DataLossError, match="record index 40"):  # skipping is opt-in
        list(TFRecordDataset(str(bad), compression))
    nxt = ds.batch(64).make_one_shot_iterator().get_next()  # graph iterators skip too
    with kf.Session() as sess, pytest.warns(CorruptRecordWarning):
        assert [len(sess.run(nxt)) for _ in range(2)] == [64, 34]


def test_tfrecord_errors_in_graph_iterators(tmp_path):
    nxt = TFRecordDataset(str(tmp_path / "missing.tfrecord")).make_one_shot_iterator().get_next()
    with kf.Session() as sess:
        with pytest.raises(kf.errors.NotFoundError, match="missing.tfrecord"):
            sess.run(nxt)


def test_text_line_dataset(tmp_path):
    p1 = tmp_path / "a.txt"
    p1.write_bytes(b"first\r\nsecond\n\nlast")
    p2 = tmp_path / "b.txt.gz"
    with gzip.open(p2, "wb") as f:
        f.write(b"x\ny\n")
    assert list(TextLineDataset(str(p1))) == [b"first", b"second", b"", b"last"]
    assert list(TextLineDataset(str(p2), compression_type="GZIP")) == [b"x", b"y"]
    assert list(TextLineDataset([str(p1), str(p1)]).skip(3).take(2)) == [b"last", b"first"]


def test_text_lines_across_read_boundaries(tmp_path, monkeypatch):
    from kflow.data.pipeline import file_datasets

    monkeypatch.setattr(file_datasets, "_READ_BYTES", 4)
    p = tmp_path / "c.txt"
    p.write_bytes(b"abc\r\ndefghij\r\nk\n\nlm")
    assert list(TextLineDataset(str(p))) == [b"abc", b"defghij", b"k", b"", b"lm"]
    q = tmp_path / "r.bin"
    q.write_bytes(b"H" + bytes(range(30)))
    assert list(FixedLengthRecordDataset(str(q), 3, header_bytes=1, footer_bytes=3)) == [
        bytes(range(i, i + 3)) for i in range(0, 27, 3)]


def test_fixed_length_record_dataset(tmp_path):
    body = bytes(range(24))
    p = tmp_path / "f.bin"
    p.write_bytes(b"HEAD" + body + b"FT")
    ds = FixedLengthRecordDataset(str(p), 6, header_bytes=4, footer_bytes=2)
    assert list(ds) == [body[i:i + 6] for i in range(0, 24, 6)]
    images = ds.map(lambda r: kf.decode_raw(r, kf.uint8)).batch(4)
    assert next(iter(images)).shape == (4, 6)
    with pytest.raises(kf.errors.InvalidArgumentError, match="not an exact multiple"):
        list(FixedLengthRecordDataset(str(p), 5, header_bytes=4, footer_bytes=2))
    gz = tmp_path / "f.bin.gz"
    with gzip.open(gz, "wb") as f:
        f.write(b"HEAD" + body + b"FT")
    assert list(FixedLengthRecordDataset(str(gz), 6, 4, 2, compression_type="GZIP")) == list(ds)


def test_fixed_length_reads_real_idx_images(data_dir):
    path = os.path.join(data_dir, "mnist", "t10k-images-idx3-ubyte.gz")
    if not os.path.exists(path):
        pytest.skip("no MNIST test images at %s" % path)
    ds = FixedLengthRecordDataset(path, 784, header_bytes=16, compression_type="GZIP").map(
        lambda r: kf.reshape(kf.decode_raw(r, kf.uint8), [28, 28])).batch(1000)
    batches = list(ds)
    assert sum(len(b) for b in batches) == 10000
    from kflow.datasets import mnist

    x_test, _ = mnist.load_test_data()
    np.testing.assert_array_equal(np.concatenate(batches), x_test)
