"""shuffle, repeat, take, skip, shard, prefetch, cache, apply."""
import gc
import os
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset
from kflow.data.pipeline.item_ops import shuffle_items


def ints(ds):
    return [int(v) for v in ds]


def prefetch_threads():
    return [t for t in threading.enumerate() if t.name.startswith("kflow-data")]


def test_repeat_take_skip_shard():
    assert ints(Dataset.range(3).repeat(2)) == [0, 1, 2, 0, 1, 2]
    assert ints(Dataset.range(3).repeat().take(7)) == [0, 1, 2, 0, 1, 2, 0]
    assert ints(Dataset.range(3).repeat(0)) == []
    assert ints(Dataset.range(0).repeat()) == []  # an empty dataset repeated forever ends
    assert ints(Dataset.range(5).take(-1)) == [0, 1, 2, 3, 4]
    assert ints(Dataset.range(5).skip(2)) == [2, 3, 4]
    assert ints(Dataset.range(5).skip(-1)) == []
    assert ints(Dataset.range(10).shard(3, 1)) == [1, 4, 7]
    with pytest.raises(ValueError, match="less than num_shards"):
        Dataset.range(10).shard(2, 2)


def test_shuffle_buffer_semantics():
    rng = np.random.default_rng(0)
    # buffer of 1: nothing can move
    assert list(shuffle_items(iter(range(10)), 1, rng)) == list(range(10))
    # an element can only come out once it has entered the buffer
    out = list(shuffle_items(iter(range(100)), 5, rng))
    assert sorted(out) == list(range(100))
    assert all(v < i + 5 for i, v in enumerate(out))


def test_shuffle_seed_is_reproducible_and_reshuffles_each_epoch():
    ds = Dataset.range(20).shuffle(20, seed=4)
    first, second = ints(ds), ints(ds)
    assert sorted(first) == list(range(20)) and first != list(range(20))
    assert first != second  # a new order for each pass
    assert ints(Dataset.range(20).shuffle(20, seed=4)) == first  # same seed, same sequence of orders
    epochs = ints(Dataset.range(20).shuffle(20, seed=4).repeat(2))
    assert epochs[:20] != epochs[20:] and sorted(epochs[20:]) == list(range(20))


def test_shuffle_without_reshuffle_keeps_one_order():
    ds = Dataset.range(20).shuffle(20, seed=1, reshuffle_each_iteration=False)
    assert ints(ds) == ints(ds)
    epochs = ints(ds.repeat(2))
    assert epochs[:20] == epochs[20:]
    unseeded = Dataset.range(20).shuffle(20, reshuffle_each_iteration=False)
    assert ints(unseeded) == ints(unseeded)


def test_shuffle_graph_seed():
    kf.set_random_seed(3)
    a = ints(Dataset.range(30).shuffle(10))
    kf.reset_default_graph()
    kf.set_random_seed(3)
    assert ints(Dataset.range(30).shuffle(10)) == a


def test_shuffle_rejects_empty_buffer():
    with pytest.raises(ValueError, match="greater than zero"):
        Dataset.range(3).shuffle(0)


def test_prefetch_values_and_thread_shutdown():
    ds = Dataset.range(100).map(lambda x: x * 2).prefetch(4)
    assert ints(ds) == [2 * i for i in range(100)]
    it = iter(ds)
    next(it)
    assert prefetch_threads()
    it.close()
    assert not prefetch_threads()
    it = iter(Dataset.range(10**9).prefetch(2))  # an abandoned iterator is cleaned up too
    next(it)
    del it
    gc.collect()
    deadline = time.time() + 5
    while prefetch_threads() and time.time() < deadline:
        time.sleep(0.01)
    assert not prefetch_threads()


def test_prefetch_propagates_errors():
    def check(x):
        if int(x) == 3:
            raise RuntimeError("broken record 3")
        return x

    ds = Dataset.range(6).map(check).prefetch(2)
    got = []
    with pytest.raises(RuntimeError, match="broken record 3"):
        for v in ds:
            got.append(int(v))
    assert got == [0, 1, 2]
    assert ints(Dataset.range(3).prefetch(0)) == [0, 1, 2]
    assert ints(Dataset.range(3).prefetch(kf.data.experimental.AUTOTUNE)) == [0, 1, 2]


def test_cache_in_memory_reads_the_input_once():
    calls = []

    def count(x):
        calls.append(int(x))
        return x

    ds = Dataset.range(4).map(count).cache().repeat(3)
    assert ints(ds) == [0, 1, 2, 3] * 3
    assert calls == [0, 1, 2, 3]
    partial = Dataset.range(4).map(count).cache()
    calls.clear()
    next(iter(partial))  # an incomplete pass does not fill the cache
    assert ints(partial) == [0, 1, 2, 3]
    assert ints(partial) == [0, 1, 2, 3] and len(calls) == 1 + 4


def test_cache_to_file(tmp_path):
    prefix = str(tmp_path / "cache")

    def pipeline(n):
        return Dataset.from_tensor_slices((np.arange(n), ["s%d" % i for i in range(n)])).map(lambda x, s: (x * 2, s))

    first = [(int(x), s) for x, s in pipeline(3).cache(prefix)]
    assert first == [(0, b"s0"), (2, b"s1"), (4, b"s2")]
    assert os.path.exists(prefix + ".kfcache")
    again = pipeline(99).cache(prefix)  # reads the file, not its input
    assert [(int(x), s) for x, s in again] == first
    with pytest.raises(kf.errors.InvalidArgumentError, match="cache of other elements"):
        list(Dataset.range(3).cache(prefix))  # another pipeline's file is refused, not replayed
    assert not [f for f in os.listdir(tmp_path) if ".tmp" in f]  # no temporary files left over


def test_cache_file_is_reused_by_a_later_run(tmp_path):
    prefix = str(tmp_path / "c")
    assert ints(Dataset.range(5).map(lambda x: x * 3).cache(prefix)) == [0, 3, 6, 9, 12]
    # a new process whose input would fail if it were read: only the cache file can produce the values
    script = ("import kflow as kf\n"
              "def boom(x):\n"
              "    raise RuntimeError('the input was read again')\n"
              "ds = kf.data.Dataset.range(5).map(lambda x: x * 3).filter(boom).cache(%r)\n"
              "print([int(v) for v in ds])\n" % prefix)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[0, 3, 6, 9, 12]"


def test_apply_and_experimental_helpers():
    ds = Dataset.range(6).apply(lambda d: d.filter(lambda x: x > 2))
    assert ints(ds) == [3, 4, 5]
    with pytest.raises(TypeError, match="must return a Dataset"):
        Dataset.range(3).apply(lambda d: 5)
    sr = Dataset.range(5).apply(kf.data.experimental.shuffle_and_repeat(5, count=2, seed=1))
    assert sorted(ints(sr)) == sorted(list(range(5)) * 2)
    mb = Dataset.range(5).apply(kf.data.experimental.map_and_batch(lambda x: x * 10, 2))
    assert [b.tolist() for b in mb] == [[0, 10], [20, 30], [40]]
