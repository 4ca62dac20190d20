"""The kflow-tfrecord inspect command."""
import importlib
import os
import subprocess
import sys

import pytest

from kflow.data.example.messages import BytesList, Example, Feature, Features, FloatList, Int64List
from kflow.data.tfrecord import TFRecordWriter
from kflow.data.tfrecord.cli import detect_compression, main

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def write_examples(path, options=None, n=5):
    with TFRecordWriter(str(path), options) as writer:
        for i in range(n):
            feature = {"image_raw": Feature(bytes_list=BytesList(value=[bytes([i]) * 784])),
                       "label": Feature(int64_list=Int64List(value=[i]))}
            if i % 2:
                feature["weights"] = Feature(float_list=FloatList(value=[0.5] * i))
            writer.write(Example(features=Features(feature=feature)).SerializeToString())
    return str(path)


def test_inspect_reports_counts_kinds_lengths_and_spec(tmp_path, capsys):
    path = write_examples(tmp_path / "train.tfrecord")
    assert main(["inspect", path, "-n", "2"]) == 0
    out = capsys.readouterr().out
    assert "compression: none" in out
    assert "records: 5" in out
    assert "record 0 (" in out and "record 1 (" in out and "record 2 (" not in out
    assert "label: int64_list [0]" in out
    assert "... (784 bytes)" in out
    assert "image_raw  bytes_list  5/5  lengths: 1" in out
    assert "weights    float_list  2/5  lengths: 1, 3" in out
    assert "'image_raw': kf.io.FixedLenFeature([], kf.string)," in out
    assert "'label': kf.io.FixedLenFeature([], kf.int64)," in out
    assert "'weights': kf.io.VarLenFeature(kf.float32),  # missing in 3 record(s)" in out


@pytest.mark.parametrize("options", ["GZIP", "ZLIB"])
def test_inspect_detects_compression(tmp_path, capsys, options):
    path = write_examples(tmp_path / "c.tfrecord", options)
    assert detect_compression(path) == options
    assert main(["inspect", path, "-n", "0"]) == 0
    out = capsys.readouterr().out
    assert "compression: %s" % options in out and "records: 5" in out
    assert main(["inspect", path, "--compression", options]) == 0


def test_inspect_damaged_missing_and_non_example(tmp_path, capsys):
    path = write_examples(tmp_path / "bad.tfrecord")
    data = open(path, "rb").read()
    open(path, "wb").write(data[:-3])
    assert main(["inspect", path]) == 1
    out = capsys.readouterr().out
    assert "error after 4 records" in out and "truncated record" in out
    assert main(["inspect", str(tmp_path / "missing")]) == 2
    assert "No such file" in capsys.readouterr().err
    other = tmp_path / "raw.tfrecord"
    with TFRecordWriter(str(other)) as writer:
        writer.write(b"\x0a\x05")  # not an Example
    assert main(["inspect", str(other)]) == 0
    assert "not tf.train.Example protos: 1" in capsys.readouterr().out


@pytest.mark.parametrize("module", ["kflow.data.tfrecord.cli", "kflow.data.tfrecord"])
def test_module_entry_points(tmp_path, module):
    path = write_examples(tmp_path / "m.tfrecord")
    result = subprocess.run([sys.executable, "-m", module, "inspect", path, "-n", "0"], cwd=REPO,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "records: 5" in result.stdout
    assert "Warning" not in result.stderr  # e.g. runpy's "found in sys.modules" for an already imported module


def test_console_script_names_the_cli():
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(REPO, "pyproject.toml"), "rb") as f:
        target = tomllib.load(f)["project"]["scripts"]["kflow-tfrecord"]
    module, _, func = target.partition(":")
    assert getattr(importlib.import_module(module), func) is main
