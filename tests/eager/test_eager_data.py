"""Datasets in eager mode: `for x, y in dataset`, iter/next, StopIteration, TFRecord pipelines with parallel map
and prefetch, one-shot iterators and tfe.Iterator."""
import numpy as np
import pytest

import kflow as kf
import kflow.contrib.eager as tfe


@pytest.fixture(autouse=True)
def eager():
    with kf.eager_mode():
        yield


def test_for_loop_yields_eager_tensors():
    xs = np.arange(10, dtype=np.float32).reshape(5, 2)
    ys = np.arange(5, dtype=np.int64)
    seen = []
    for x, y in kf.data.Dataset.from_tensor_slices((xs, ys)).batch(2):
        assert isinstance(x, kf.EagerTensor) and isinstance(y, kf.EagerTensor)
        seen.append((x.numpy().tolist(), y.numpy().tolist()))
    assert seen == [([[0, 1], [2, 3]], [0, 1]), ([[4, 5], [6, 7]], [2, 3]), ([[8, 9]], [4])]


def test_iter_next_and_stop_iteration():
    it = iter(kf.data.Dataset.range(3))
    assert [int(next(it)), int(next(it)), int(next(it))] == [0, 1, 2]
    with pytest.raises(StopIteration):
        next(it)
    assert [int(v) for v in kf.data.Dataset.range(2)] == [0, 1]  # a new pass each time


def test_dict_elements_and_eager_tensor_sources():
    ds = kf.data.Dataset.from_tensor_slices({"a": kf.constant([1.0, 2.0]), "b": np.array([3, 4])})
    elements = [(e["a"].numpy(), int(e["b"])) for e in ds]
    assert elements == [(1.0, 3), (2.0, 4)]


def test_tfrecord_pipeline_with_parallel_map_and_prefetch(tmp_path):
    path = str(tmp_path / "data.tfrecord")
    with kf.io.TFRecordWriter(path) as writer:
        for i in range(7):
            example = kf.train.Example(features=kf.train.Features(feature={
                "x": kf.train.Feature(float_list=kf.train.FloatList(value=[float(i), 2.0 * i])),
                "y": kf.train.Feature(int64_list=kf.train.Int64List(value=[i]))}))
            writer.write(example.SerializeToString())
    spec = {"x": kf.io.FixedLenFeature([2], kf.float32), "y": kf.io.FixedLenFeature([], kf.int64)}

    def parse(record):
        parsed = kf.io.parse_single_example(record, spec)
        return parsed["x"] * 10.0, parsed["y"]

    ds = kf.data.TFRecordDataset(path).map(parse, num_parallel_calls=2).batch(3).prefetch(2)
    batches = [(x.numpy(), y.numpy()) for x, y in ds]
    assert [b[1].tolist() for b in batches] == [[0, 1, 2], [3, 4, 5], [6]]
    np.testing.assert_allclose(batches[1][0], [[30, 60], [40, 80], [50, 100]])
    records = [r for r in kf.data.TFRecordDataset(path)]
    assert isinstance(records[0], kf.EagerTensor) and records[0].dtype is kf.string and len(records) == 7


def test_one_shot_iterator_and_tfe_iterator():
    ds = kf.data.Dataset.from_tensor_slices(np.array([5, 6]))
    it = ds.make_one_shot_iterator()
    assert int(it.get_next()) == 5 and int(it.get_next()) == 6
    with pytest.raises(StopIteration):
        it.get_next()
    assert [int(v) for v in tfe.Iterator(ds)] == [5, 6]


def test_eager_values_feed_a_training_loop():
    xs = np.linspace(-1, 1, 32).astype(np.float32).reshape(-1, 1)
    ys = 3.0 * xs + 0.5
    w, b = kf.Variable([[0.0]]), kf.Variable([0.0])
    opt = kf.train.GradientDescentOptimizer(0.5)
    for _ in range(40):
        for x, y in kf.data.Dataset.from_tensor_slices((xs, ys)).shuffle(32, seed=0).batch(8):
            opt.minimize(lambda: kf.reduce_mean((kf.matmul(x, w) + b - y) ** 2))
    np.testing.assert_allclose([w.numpy()[0, 0], b.numpy()[0]], [3.0, 0.5], atol=1e-3)
