"""Structure-aware fuzzing: valid TFRecord files and Examples, then damaged (bit flips, cuts, insertions).

Random bytes mostly fail at the first header; mutating valid input reaches the
deeper paths (CRC checks after a good header, the block reader of
TFRecordDataset, packed lists, the batched template parser). Any input must
give a result or a DataLossError / InvalidArgumentError: never another
exception, and never a hang (the hypothesis deadline bounds each example).
"""
import gzip
import os
import tempfile
import warnings
import zlib

import numpy as np
from hypothesis import given, settings, strategies as st

from kflow.data.example.feature_spec import FixedLenFeature, FixedLenSequenceFeature, VarLenFeature
from kflow.data.example.messages import BytesList, Example, Feature, Features, FloatList, Int64List
from kflow.data.example.parse import parse_example_batch, parse_single_example
from kflow.data.pipeline.file_datasets import TFRecordDataset
from kflow.data.tfrecord import CorruptRecordWarning, TFRecordFileReader, TFRecordWriter
from kflow.errors import DataLossError, InvalidArgumentError

FUZZ = settings(max_examples=150, deadline=5000, database=None)


@st.composite
def mutated(draw, valid):
    """``valid`` bytes with a few random bit flips, cuts and insertions."""
    data = bytearray(draw(valid))
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "cut":
            del data[at:at + draw(st.integers(1, 8))]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at:]
    return bytes(data)


def _write_file(records, compression):
    handle, path = tempfile.mkstemp(suffix=".tfrecord")
    os.close(handle)
    with TFRecordWriter(path, compression) as writer:
        for r in records:
            writer.write(r)
    return path


@st.composite
def tfrecord_file(draw):
    """(bytes of a TFRecord file, its compression)."""
    compression = draw(st.sampled_from(["", "GZIP", "ZLIB"]))
    path = _write_file(draw(st.lists(st.binary(max_size=60), min_size=1, max_size=6)), compression)
    try:
        with open(path, "rb") as f:
            raw = f.read()
    finally:
        os.remove(path)
    # damage the framing itself (inside the compressed stream when there is one): that is what the CRCs guard
    plain = {"": raw, "GZIP": gzip.decompress, "ZLIB": zlib.decompress}[compression]
    plain = plain if compression == "" else plain(raw)
    damaged = draw(mutated(st.just(plain)))
    if compression == "GZIP" and draw(st.booleans()):
        damaged = gzip.compress(damaged)
    elif compression == "ZLIB" and draw(st.booleans()):
        damaged = zlib.compress(damaged)
    else:
        damaged = draw(mutated(st.just(raw))) if compression else damaged
    return damaged, compression


def _read_both_ways(data, compression, skip):
    """The records through TFRecordFileReader and through TFRecordDataset (its block reader)."""
    handle, path = tempfile.mkstemp(suffix=".tfrecord")
    with os.fdopen(handle, "wb") as f:
        f.write(data)
    outcomes = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CorruptRecordWarning)
            for read in (lambda: list(TFRecordFileReader(path, compression_type=compression, skip_corrupt=skip)),
                         lambda: list(TFRecordDataset(path, compression, skip_corrupt=skip))):
                try:
                    outcomes.append(read())
                except DataLossError as e:
                    assert not skip and path in e.message
                    outcomes.append("DataLossError")
    finally:
        os.remove(path)
    return outcomes


@FUZZ
@given(tfrecord_file(), st.booleans())
def test_damaged_tfrecord_files_give_records_or_data_loss(file, skip):
    data, compression = file
    by_reader, by_dataset = _read_both_ways(data, compression, skip)
    assert by_reader == by_dataset  # the fast path and the reference reader agree
    if by_reader != "DataLossError":
        assert all(isinstance(r, bytes) for r in by_reader)


SPEC = {"i": FixedLenFeature([2], "int64", default_value=[0, 0]), "f": VarLenFeature("float32"),
        "b": FixedLenFeature([], "string", default_value=b""),
        "s": FixedLenSequenceFeature([], "int64", allow_missing=True)}


@st.composite
def example_bytes(draw):
    ints = st.integers(-2**63, 2**63 - 1)
    feature = {}
    if draw(st.booleans()):
        feature["i"] = Feature(int64_list=Int64List(value=draw(st.lists(ints, min_size=2, max_size=2))))
    if draw(st.booleans()):
        feature["f"] = Feature(float_list=FloatList(value=draw(st.lists(st.floats(width=32), max_size=4))))
    if draw(st.booleans()):
        feature["b"] = Feature(bytes_list=BytesList(value=[draw(st.binary(max_size=10))]))
    if draw(st.booleans()):
        feature["s"] = Feature(int64_list=Int64List(value=draw(st.lists(ints, max_size=4))))
    return Example(features=Features(feature=feature)).SerializeToString()


@FUZZ
@given(st.lists(mutated(example_bytes()), min_size=1, max_size=4), st.integers(1, 20))
def test_damaged_examples_parse_or_raise_invalid_argument(records, copies):
    for record in records:
        try:
            single = parse_single_example(record, SPEC)
        except InvalidArgumentError:
            continue
        assert single["i"].shape == (2,) and single["i"].dtype == np.int64
    batch = records * copies  # many copies of one layout go through the template path
    try:
        out = parse_example_batch(batch, SPEC)
    except InvalidArgumentError:
        return
    assert out["i"].shape == (len(batch), 2) and out["b"].shape == (len(batch),)
