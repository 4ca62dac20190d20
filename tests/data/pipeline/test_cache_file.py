"""``Dataset.cache(filename)`` files: plain arrays, a CRC per element and a footer; never code (issue 14)."""
import io
import os
import pickle

import numpy as np
import pytest

import kflow as kf
from kflow.data.pipeline.cache_file import CacheWriter, decode_element, encode_element, read_cache

SPEC = "spec"


def _elements(n, rng):
    return [(rng.standard_normal((2, 3)).astype(np.float32), np.int64(i), b"s%d" % i,
             np.array([b"a", b"\x00b"], dtype=object)) for i in range(n)]


def _write(path, elements):
    with CacheWriter(path, SPEC) as writer:
        for e in elements:
            writer.write(e)


def _same(a, b):
    return len(a) == len(b) and all(
        len(x) == len(y) and all(type(u) is type(v) and np.array_equal(u, v) for u, v in zip(x, y))
        for x, y in zip(a, b))


class _Payload:
    def __reduce__(self):
        return (os.mkdir, (os.environ["KFLOW_TEST_MARKER"],))


def test_a_planted_pickle_is_refused_and_never_run(tmp_path, monkeypatch):
    marker = tmp_path / "code_ran"
    monkeypatch.setenv("KFLOW_TEST_MARKER", str(marker))
    prefix = str(tmp_path / "c")
    with open(prefix + ".kfcache", "wb") as f:
        pickle.dump(("kflow-dataset-cache-v1", kf.data.Dataset.range(3).element_spec.describe()), f)
        pickle.dump(_Payload(), f)
    with pytest.raises(kf.errors.InvalidArgumentError, match="not a kflow dataset cache file"):
        list(kf.data.Dataset.range(3).cache(prefix))
    assert not marker.exists()


def test_cache_round_trips_every_component_kind(tmp_path):
    rng = np.random.default_rng(0)
    elements = _elements(5, rng) + [(np.zeros((0, 4), np.uint8), np.float16(1.5), b"", np.empty((0,), object))]
    elements += [(np.array(True), np.complex64(1 + 2j), b"x" * 300, np.array([[b"1"], [b"22"]], dtype=object))]
    elements += [(kf.SparseTensorValue(np.array([[0, 1]]), np.array([2.5]), np.array([3, 3])),)]
    path = str(tmp_path / "c")
    _write(path, elements)
    got = list(read_cache(path, SPEC))
    assert _same(got[:-1], elements[:-1])
    assert all(np.array_equal(u, v) for u, v in zip(got[-1][0], elements[-1][0]))
    with pytest.raises(TypeError, match="stores numeric arrays"):
        encode_element((np.array([{}], dtype=object),))
    with open(path, "rb") as f:
        assert b"pickle" not in f.read() and pickle.PROTO not in open(path, "rb").read(2)


def test_every_truncation_is_data_loss_before_anything_is_replayed(tmp_path):
    path = str(tmp_path / "c")
    _write(path, [(np.int64(i),) for i in range(1000)])
    data = open(path, "rb").read()
    header_end = 12 + len(b"kflow-dataset-cache\n") + 4 + len(SPEC) + 4
    element_record = 12 + len(encode_element((np.int64(0),))) + 4
    cuts = [header_end + k * element_record for k in range(1, 1000)]  # all 999 cuts between two elements
    cuts += list(np.random.default_rng(1).integers(0, len(data), 2001))  # and anywhere else
    for cut in cuts:
        with pytest.raises(kf.errors.DataLossError):
            next(read_cache(io.BytesIO(data[:cut]), SPEC))
    assert len(cuts) == 3000


def test_bit_flips_never_give_other_values(tmp_path, bit_flips):
    rng = np.random.default_rng(2)
    elements = _elements(4, rng)
    path = str(tmp_path / "c")
    _write(path, elements)
    data = open(path, "rb").read()
    detected = 0
    for bit, damaged in bit_flips(data, 3000, rng):
        try:
            got = list(read_cache(io.BytesIO(damaged), SPEC))
        except (kf.errors.DataLossError, kf.errors.InvalidArgumentError):
            detected += 1
            continue
        assert _same(got, elements), "bit %d flipped gave other values" % bit
    assert detected == 3000  # CRC-32C catches every single-bit flip


def test_forged_payloads_give_value_errors_not_crashes():
    rng = np.random.default_rng(3)
    good = encode_element(_elements(1, rng)[0])
    for case in range(3000):
        payload = bytearray(good)
        for _ in range(int(rng.integers(1, 4))):
            payload[int(rng.integers(0, len(payload)))] = int(rng.integers(0, 256))
        if rng.random() < 0.3:
            payload = payload[:int(rng.integers(0, len(payload)))]
        try:
            decode_element(bytes(payload))
        except ValueError:
            pass


def test_truncated_cache_through_the_dataset(tmp_path):
    prefix = str(tmp_path / "c")
    assert [int(x) for x in kf.data.Dataset.range(50).cache(prefix)] == list(range(50))
    data = open(prefix + ".kfcache", "rb").read()
    with open(prefix + ".kfcache", "wb") as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(kf.errors.DataLossError, match=r"c\.kfcache: incomplete dataset cache"):
        list(kf.data.Dataset.range(50).cache(prefix))
