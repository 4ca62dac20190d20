"""Graph iterators: one-shot, initializable (with placeholders), from_structure, string handles."""
import threading

import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset, Iterator


def drain(sess, t):
    out = []
    try:
        while True:
            out.append(sess.run(t))
    except kf.errors.OutOfRangeError:
        return out


def test_one_shot_iterator_and_out_of_range_names_the_dataset():
    ds = Dataset.from_tensor_slices((np.arange(5), np.arange(5) * 2.0)).batch(2)
    x, y = ds.make_one_shot_iterator().get_next()
    assert x.shape.as_list() == [None] and y.dtype == kf.float64  # numpy dtypes are kept
    assert x.op.type == "IteratorGetNext" and x.op is y.op
    with kf.Session() as sess:
        got = [sess.run([x, y]) for _ in range(3)]
        assert [a.tolist() for a, _ in got] == [[0, 1], [2, 3], [4]]
        with pytest.raises(kf.errors.OutOfRangeError, match="End of sequence.*TensorSliceDataset.*BatchDataset"):
            sess.run(x)
        with pytest.raises(kf.errors.OutOfRangeError):  # stays at the end
            sess.run(x)


def test_one_fetch_of_several_components_is_one_element():
    ds = Dataset.range(10).map(lambda v: (v, v * 10))
    a, b = ds.make_one_shot_iterator().get_next()
    with kf.Session() as sess:
        x, y, x2 = sess.run([a, b, a])
        assert (int(x), int(y), int(x2)) == (0, 0, 0)
        x, y = sess.run((a, b))
        assert (int(x), int(y)) == (1, 10)
        assert sess.run({"a": a})["a"] == 2


def test_scalar_fetches_are_numpy_scalars_and_bytes():
    s = Dataset.from_tensor_slices(["x", "yz"]).make_one_shot_iterator().get_next()
    with kf.Session() as sess:
        assert sess.run(s) == b"x"
    n = Dataset.range(3).make_one_shot_iterator().get_next()
    with kf.Session() as sess:
        v = sess.run(n)
        assert isinstance(v, np.int64) and v == 0


def test_sessions_have_separate_iterator_state():
    n = Dataset.range(5).make_one_shot_iterator().get_next()
    s1, s2 = kf.Session(), kf.Session()
    assert [int(s1.run(n)) for _ in range(2)] == [0, 1]
    assert int(s2.run(n)) == 0
    s1.close()
    s2.close()


def test_initializable_iterator_restarts_and_feeds_placeholders():
    data = kf.placeholder(kf.float32, [None, 2])
    it = Dataset.from_tensor_slices(data).map(lambda r: r * 2.0).batch(2).make_initializable_iterator()
    nxt = it.get_next()
    assert nxt.shape.as_list() == [None, 2]
    with kf.Session() as sess:
        with pytest.raises(kf.errors.FailedPreconditionError, match="not been initialized"):
            sess.run(nxt)
        sess.run(it.initializer, {data: np.ones((3, 2))})
        assert [b.shape for b in drain(sess, nxt)] == [(2, 2), (1, 2)]
        sess.run(it.initializer, {data: np.zeros((4, 2))})
        batches = drain(sess, nxt)
        assert len(batches) == 2 and batches[0].sum() == 0


def test_initializable_iterator_with_tensor_parameters():
    n = kf.placeholder(kf.int64, [])
    bs = kf.placeholder(kf.int64, [])
    it = Dataset.range(n).batch(bs).make_initializable_iterator()
    nxt = it.get_next()
    with kf.Session() as sess:
        sess.run(it.initializer, {n: 5, bs: 2})
        assert [b.tolist() for b in drain(sess, nxt)] == [[0, 1], [2, 3], [4]]
        sess.run(it.initializer, {n: 3, bs: 3})
        assert [b.tolist() for b in drain(sess, nxt)] == [[0, 1, 2]]


def test_one_shot_iterator_rejects_placeholders():
    p = kf.placeholder(kf.float32, [None])
    with pytest.raises(ValueError, match="make_initializable_iterator"):
        Dataset.from_tensor_slices(p).make_one_shot_iterator()


def test_reinitializable_iterator_switches_datasets():
    train = Dataset.from_tensor_slices((np.zeros((4, 3), np.float32), np.zeros(4, np.int64))).batch(2)
    test = Dataset.from_tensor_slices((np.ones((3, 3), np.float32), np.ones(3, np.int64))).batch(2)
    it = Iterator.from_structure(train.output_types, train.output_shapes)
    x, y = it.get_next()
    train_init, test_init = it.make_initializer(train), it.make_initializer(test)
    with kf.Session() as sess:
        for _ in range(2):
            sess.run(train_init)
            assert [b.sum() for b in drain(sess, x)] == [0, 0]
            sess.run(test_init)
            assert [int(b.sum()) for b in drain(sess, y)] == [2, 1]
    with pytest.raises(TypeError, match="Expected a dataset"):
        it.make_initializer(Dataset.range(3))
    with pytest.raises(ValueError, match="no initializer"):
        it.initializer


def test_feedable_iterator_with_string_handles():
    train = Dataset.range(100).repeat()
    val = Dataset.range(1000, 1003)
    handle = kf.placeholder(kf.string, [])
    it = Iterator.from_string_handle(handle, train.output_types, train.output_shapes)
    nxt = it.get_next()
    train_it = train.make_one_shot_iterator()
    val_it = val.make_initializable_iterator()
    with kf.Session() as sess:
        th, vh = sess.run([train_it.string_handle(), val_it.string_handle()])
        assert isinstance(th, bytes)
        assert [int(sess.run(nxt, {handle: th})) for _ in range(3)] == [0, 1, 2]
        sess.run(val_it.initializer)
        assert [int(sess.run(nxt, {handle: vh})) for _ in range(2)] == [1000, 1001]
        assert int(sess.run(nxt, {handle: th})) == 3
        with pytest.raises(kf.errors.NotFoundError):
            sess.run(nxt, {handle: b"nope"})


def test_iterator_get_next_in_a_training_step():
    x_data = np.random.RandomState(0).randn(64, 3).astype(np.float32)
    y_data = x_data @ np.array([[1.0], [-2.0], [0.5]], np.float32)
    ds = Dataset.from_tensor_slices((x_data, y_data)).repeat().batch(16)
    x, y = ds.make_one_shot_iterator().get_next()
    w = kf.Variable(np.zeros((3, 1), np.float32))
    loss = kf.reduce_mean(kf.square(kf.matmul(x, w) - y))
    grad, = kf.gradients(loss, [w])
    step = kf.assign_sub(w, 0.1 * grad)
    with kf.Session() as sess:
        sess.run(w.initializer)
        first = sess.run(loss)
        for _ in range(100):
            sess.run(step)
        assert sess.run(loss) < first * 0.01


def test_session_close_stops_pipeline_threads():
    nxt = Dataset.range(10**9).prefetch(3).make_one_shot_iterator().get_next()
    sess = kf.Session()
    sess.run(nxt)
    assert any(t.name.startswith("kflow-data") for t in threading.enumerate())
    sess.close()
    assert not any(t.name.startswith("kflow-data") for t in threading.enumerate())


def test_reinitializing_mid_epoch_replaces_pipeline_threads():
    it = Dataset.range(10**9).map(lambda x: x + 1, num_parallel_calls=2).prefetch(3).make_initializable_iterator()
    nxt = it.get_next()
    with kf.Session() as sess:
        counts = []
        for _ in range(4):  # each epoch abandons the previous one half way
            sess.run(it.initializer)
            assert [int(sess.run(nxt)) for _ in range(3)] == [1, 2, 3]
            counts.append(len([t for t in threading.enumerate() if t.name.startswith("kflow-data")]))
        assert counts[0] > 0 and counts == counts[:1] * 4  # the old epoch's threads are stopped, not leaked
    assert not any(t.name.startswith("kflow-data") for t in threading.enumerate())


def test_sparse_components_through_get_next():
    sp = kf.SparseTensorValue(indices=[[0], [2]], values=np.array([1.0, 2.0], np.float32), dense_shape=[3])
    ds = Dataset.from_tensors(sp).repeat(2)
    assert ds.output_classes is kf.SparseTensor
    nxt = ds.make_one_shot_iterator().get_next()
    assert isinstance(nxt, kf.SparseTensor) and nxt.shape.as_list() == [3]
    dense = kf.sparse.to_dense(nxt)
    with kf.Session() as sess:
        v = sess.run(nxt)
        assert isinstance(v, kf.SparseTensorValue)
        assert v.indices.tolist() == [[0], [2]] and v.dense_shape.tolist() == [3]
        assert sess.run(dense).tolist() == [1.0, 0.0, 2.0]


def test_compat_helpers():
    ds = Dataset.range(3)
    it = kf.data.make_one_shot_iterator(ds)
    assert kf.data.get_output_types(it) == kf.int64
    init_it = kf.data.make_initializable_iterator(ds)
    with kf.Session() as sess:
        sess.run(init_it.initializer)
        assert int(sess.run(init_it.get_next())) == 0
        assert int(sess.run(it.get_next())) == 0


class _DeviceArray(np.ndarray):
    """Marks values "on the fake GPU" (numpy ufuncs keep the subclass)."""


def test_pipelines_stay_on_the_host_with_a_gpu():
    from kflow.engine import devices

    class FakeGPU(devices.Backend):
        def __init__(self):
            self.uploads = 0
            super().__init__("GPU", np, self._up, lambda x: np.asarray(x).view(np.ndarray))

        def _up(self, x):
            self.uploads += 1
            return np.asarray(x).view(_DeviceArray)

    gpu = FakeGPU()
    devices._gpu_override.append(gpu)
    try:
        ph = kf.placeholder(kf.float32, [None])
        it = Dataset.from_tensor_slices(ph).map(lambda v: v * 2.0).batch(2).make_initializable_iterator()
        y = it.get_next() + 1.0  # the model side runs on the "GPU"
        with kf.Session() as sess:
            sess.run(it.initializer, {ph: [1.0, 2.0, 3.0, 4.0]})
            assert gpu.uploads == 0  # initializing moved nothing to the device
            assert sess.run(y).tolist() == [3.0, 5.0]
            uploads = gpu.uploads
            assert sess.run(y).tolist() == [7.0, 9.0]
            assert gpu.uploads - uploads == 1  # the batch, once; the map ran per element on the host
    finally:
        devices._gpu_override.remove(gpu)
