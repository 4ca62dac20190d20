"""kf.decode_csv: typed columns, defaults, quotes, na_value, select_cols, errors; with a TextLineReader."""
import numpy as np
import pytest

import kflow as kf


def run(tensors, feed=None):
    with kf.Session() as sess:
        return sess.run(tensors, feed)


def test_types_defaults_and_quotes():
    lines = kf.constant([b'1.5,2,abc,7', b'"3,5",,"x""y",8', b'0,1,,9'])
    a, b, c, d = kf.decode_csv(lines, [[""], [-1], ["def"], []])
    assert [t.dtype for t in (a, b, c, d)] == [kf.string, kf.int32, kf.string, kf.float32]
    a, b, c, d = run([a, b, c, d])
    assert list(a) == [b"1.5", b"3,5", b"0"] and list(c) == [b"abc", b'x"y', b"def"]
    np.testing.assert_array_equal(b, [2, -1, 1])
    np.testing.assert_array_equal(d, [7.0, 8.0, 9.0])


def test_shape_follows_records_and_other_options():
    records = kf.placeholder(kf.string, [2, 1])
    x, y = kf.decode_csv(records, [[0.0], kf.constant([7], dtype=kf.int64)], field_delim=";", na_value="NA")
    assert x.shape.as_list() == [2, 1]
    xv, yv = run([x, y], {records: np.array([[b"1;NA"], [b"NA;3"]], dtype=object)})
    np.testing.assert_array_equal(xv, [[1.0], [0.0]])
    assert yv.dtype == np.int64 and yv.tolist() == [[7], [3]]
    picked = kf.decode_csv(kf.constant(["a,1,b,2"]), [[0], [0]], select_cols=[1, 3])
    assert [v.tolist() for v in run(picked)] == [[1], [2]]
    raw = kf.decode_csv(kf.constant(['"a,b",c']), [[""], [""]], use_quote_delim=False, field_delim="|")
    with pytest.raises(kf.errors.InvalidArgumentError, match="expect 2 fields but have 1"):
        run(raw)


def test_errors_name_the_record_and_field():
    with pytest.raises(kf.errors.InvalidArgumentError, match="expect 2 fields but have 3 in record 1"):
        run(kf.decode_csv(kf.constant(["1,2", "1,2,3"]), [[0], [0]]))
    with pytest.raises(kf.errors.InvalidArgumentError, match="field 1 of record 0 is not a valid int32"):
        run(kf.decode_csv(kf.constant(["1,x"]), [[0], [0]]))
    with pytest.raises(kf.errors.InvalidArgumentError, match="field 0 of record 0 is empty"):
        run(kf.decode_csv(kf.constant([",1"]), [[], [0]]))
    with pytest.raises(TypeError, match="record_defaults\\[0\\].*bool"):
        kf.decode_csv(kf.constant(["1"]), [[True]])


def test_csv_lines_from_a_text_line_reader(tmp_path):
    path = str(tmp_path / "iris.csv")
    open(path, "w").write("sepal,width,label\n5.1,3.5,0\n6.2,2.9,1\n")
    queue = kf.train.string_input_producer([path], num_epochs=1, shuffle=False)
    _, line = kf.TextLineReader(skip_header_lines=1).read(queue)
    sepal, width, label = kf.decode_csv(line, [[0.0], [0.0], [0]])
    rows = []
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        coord = kf.train.Coordinator()
        threads = kf.train.start_queue_runners(sess, coord)
        try:
            while True:
                rows.append(tuple(v.item() for v in sess.run([sepal, width, label])))
        except kf.errors.OutOfRangeError:
            pass
        coord.request_stop()
        coord.join(threads)
    assert rows == [(pytest.approx(5.1), pytest.approx(3.5), 0), (pytest.approx(6.2), pytest.approx(2.9), 1)]
