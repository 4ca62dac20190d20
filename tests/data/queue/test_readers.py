"""Queue-fed readers (TFRecord, text line, fixed length, whole file) and read_file."""
import gzip

import pytest

import kflow as kf


def filename_queue(files):
    q = kf.FIFOQueue(10, [kf.string], shapes=[[]])
    return q, q.enqueue_many([files]), q.close()


def read_all(reader, files, up_to=None):
    q, fill, close = filename_queue(files)
    keys_values = reader.read(q) if up_to is None else reader.read_up_to(q, up_to)
    out = []
    with kf.Session() as sess:
        sess.run(fill)
        sess.run(close)
        try:
            while True:
                out.append(sess.run(keys_values))
        except kf.errors.OutOfRangeError:
            pass
        produced, completed = sess.run([reader.num_records_produced(), reader.num_work_units_completed()])
    return out, produced, completed


def test_tfrecord_reader_reads_every_file_in_order(tmp_path):
    files = []
    for f in range(2):
        path = str(tmp_path / ("data%d.tfrecords" % f))
        with kf.io.TFRecordWriter(path) as w:
            for i in range(3):
                w.write(b"record-%d-%d" % (f, i))
        files.append(path)
    out, produced, completed = read_all(kf.TFRecordReader(), files)
    assert [v for _, v in out] == [b"record-%d-%d" % (f, i) for f in range(2) for i in range(3)]
    # keys are "file:byte offset": each record is 16 framing bytes plus its 10 data bytes
    assert [k for k, _ in out[:3]] == [("%s:%d" % (files[0], off)).encode() for off in (0, 26, 52)]
    assert (produced, completed) == (6, 2)


def test_tfrecord_reader_gzip_and_read_up_to(tmp_path):
    path = str(tmp_path / "data.tfrecords.gz")
    with kf.io.TFRecordWriter(path, options="GZIP") as w:
        for i in range(5):
            w.write(b"r%d" % i)
    out, _, _ = read_all(kf.TFRecordReader(options=kf.io.TFRecordOptions("GZIP")), [path], up_to=2)
    assert [list(v) for _, v in out] == [[b"r0", b"r1"], [b"r2", b"r3"], [b"r4"]]
    assert out[0][0].shape == (2,)


def test_text_line_reader_skips_headers_and_strips_newlines(tmp_path):
    a, b = str(tmp_path / "a.csv"), str(tmp_path / "b.csv")
    open(a, "w").write("x,y\n1,2\n3,4\n")
    open(b, "w").write("x,y\r\n5,6")
    out, _, completed = read_all(kf.TextLineReader(skip_header_lines=1), [a, b])
    assert [v for _, v in out] == [b"1,2", b"3,4", b"5,6"]
    assert [k for k, _ in out] == [b"%s:2" % a.encode(), b"%s:3" % a.encode(), b"%s:2" % b.encode()]
    assert completed == 2


def test_fixed_length_record_reader_header_footer_hop(tmp_path):
    path = str(tmp_path / "fixed.bin")
    open(path, "wb").write(b"HH" + b"abcdefg" + b"F")
    out, _, _ = read_all(kf.FixedLengthRecordReader(record_bytes=3, header_bytes=2, footer_bytes=1), [path])
    assert [v for _, v in out] == [b"abc", b"def"]  # "g" is a short tail: ignored
    out, _, _ = read_all(kf.FixedLengthRecordReader(record_bytes=3, header_bytes=2, footer_bytes=1, hop_bytes=2),
                         [path])
    assert [v for _, v in out] == [b"abc", b"cde", b"efg"]
    assert out[1][0] == b"%s:1" % path.encode()
    with pytest.raises(ValueError, match="record_bytes"):
        kf.FixedLengthRecordReader(0)


def test_whole_file_reader_and_read_file(tmp_path):
    a = str(tmp_path / "a.bin")
    open(a, "wb").write(b"\x00\x01payload")
    out, _, _ = read_all(kf.WholeFileReader(), [a])
    assert out == [(a.encode(), b"\x00\x01payload")]
    contents = kf.read_file(a)
    name = kf.placeholder(kf.string, [])
    with kf.Session() as sess:
        assert sess.run(contents) == b"\x00\x01payload"
        with pytest.raises(kf.errors.NotFoundError, match="missing.bin"):
            sess.run(kf.read_file(name), {name: str(tmp_path / "missing.bin").encode()})


def test_reader_reset_and_missing_file(tmp_path):
    path = str(tmp_path / "lines.txt")
    open(path, "w").write("a\nb\n")
    reader = kf.TextLineReader()
    q, fill, _ = filename_queue([path, str(tmp_path / "nope.txt")])
    key, value = reader.read(q)
    with kf.Session() as sess:
        sess.run(fill)
        assert sess.run(value) == b"a"
        sess.run(reader.reset())
        assert sess.run(reader.num_records_produced()) == 0
        with pytest.raises(kf.errors.NotFoundError, match="nope.txt"):
            sess.run(value)  # reset dropped lines.txt; the next file name is missing
    with pytest.raises(TypeError, match="queue of file names"):
        reader.read("not a queue")


def test_gzip_is_not_read_as_plain_tfrecord(tmp_path):
    path = str(tmp_path / "plain_named.tfrecords")
    with gzip.open(path, "wb") as f:
        f.write(b"not a tfrecord at all, just gzip data")
    q, fill, close = filename_queue([path])
    value = kf.TFRecordReader().read(q)[1]
    with kf.Session() as sess:
        sess.run(fill)
        with pytest.raises(kf.errors.DataLossError, match="plain_named"):
            sess.run(value)


def test_identity_reader_and_matching_files(tmp_path):
    for name in ("b.txt", "a.txt", "c.csv"):
        open(str(tmp_path / name), "w").write(name)
    found = kf.matching_files(str(tmp_path / "*.txt"))
    with kf.Session() as sess:
        names = sess.run(found)
    assert list(names) == [str(tmp_path / n).encode() for n in ("a.txt", "b.txt")]
    out, produced, _ = read_all(kf.IdentityReader(), ["unit-1", "unit-2"])
    assert out == [(b"unit-1", b"unit-1"), (b"unit-2", b"unit-2")] and produced == 2
