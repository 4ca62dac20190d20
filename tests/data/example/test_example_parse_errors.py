"""Malformed Examples: every parse error names the record index, and the key when a value list is bad
(issue 14: ``bad wire type 3 for field 1`` came without either)."""
import numpy as np
import pytest

import kflow as kf
from kflow.data.example.parse import parse_example_batch

FIXED = {"x": kf.io.FixedLenFeature([2], kf.float32), "y": kf.io.FixedLenFeature([], kf.int64),
         "s": kf.io.FixedLenFeature([], kf.string, default_value=b"")}
VAR = {"x": kf.io.VarLenFeature(kf.float32), "y": kf.io.VarLenFeature(kf.int64), "s": kf.io.VarLenFeature(kf.string)}


def _record(i):
    return kf.train.Example(features=kf.train.Features(feature={
        "x": kf.train.Feature(float_list=kf.train.FloatList(value=[i, -i])),
        "y": kf.train.Feature(int64_list=kf.train.Int64List(value=[i])),
        "s": kf.train.Feature(bytes_list=kf.train.BytesList(value=[b"v%d" % i]))})).SerializeToString()


def test_a_malformed_value_list_names_key_and_record():
    good = _record(1)
    float_list = good.index(b"\x12\n\n\x08")  # Feature{float_list: FloatList{value: packed, 8 bytes}}
    bad = bytearray(good)
    bad[float_list + 2] = 0x0B  # FloatList field 1 with wire type 3 (a group start)
    with pytest.raises(kf.errors.InvalidArgumentError,
                       match=r"Key: x, Index: 2\.  Could not parse its float_list .*bad wire type 3 for field 1"):
        parse_example_batch([good, good, bytes(bad)], FIXED)


@pytest.mark.parametrize("features", [FIXED, VAR], ids=["fixed", "varlen"])
def test_random_damage_is_reported_with_its_record_index(features):
    rng = np.random.default_rng(8)
    records = [_record(i) for i in range(4)]
    raised = 0
    for case in range(1500):
        victim = int(rng.integers(0, 4))
        damaged = bytearray(records[victim])
        for _ in range(int(rng.integers(1, 3))):
            damaged[int(rng.integers(0, len(damaged)))] = int(rng.integers(0, 256))
        batch = list(records)
        batch[victim] = bytes(damaged)
        try:
            parse_example_batch(batch, features)
        except kf.errors.InvalidArgumentError as e:
            assert "Index: %d." % victim in str(e), str(e)
            assert "Could not parse serialized Example" in str(e) or "Key: " in str(e), str(e)
            raised += 1
    assert raised > 300
