"""HDF5 checkpoint files: round trips, names, errors, and crash safety."""
import os
import pathlib
import signal
import subprocess
import sys
import textwrap
import time

import h5py
from crc32c import crc32c
import numpy as np
import pytest

from kflow import errors
from kflow.train import checkpoint_file as cf

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _values():
    return {
        "dense/kernel:0": np.arange(6, dtype=np.float32).reshape(2, 3),
        "dense/kernel/Adam:0": np.ones((2, 3), np.float32),    # a slot under the variable's name
        "dense/kernel/Adam_1": np.zeros((2, 3), np.float32),
        "dense/bias": np.array([1.5, -2.0], np.float64),
        "global_step:0": np.int64(200),
        "flags": np.array([True, False]),
        "half": np.array([1, 2], np.float16),
        "ids": np.array([[1, 2]], np.int32),
        "odd%name/x.y": np.uint8(7),
    }


def test_roundtrip_preserves_names_dtypes_shapes(tmp_path):
    path = str(tmp_path / "model.ckpt-200")
    assert cf.write_checkpoint(path, _values(), global_step=200) == path
    # the file is the prefix + ".h5" (so TF's tools never take it for theirs), no leftovers
    assert os.path.isfile(path + ".h5") and os.listdir(tmp_path) == ["model.ckpt-200.h5"]
    restored = cf.read_checkpoint(path)
    expected = {cf.variable_key(k): np.asarray(v) for k, v in _values().items()}
    assert sorted(restored) == sorted(expected)
    for name, value in expected.items():
        assert restored[name].dtype == value.dtype, name
        assert restored[name].shape == value.shape, name
        np.testing.assert_array_equal(restored[name], value)
    assert cf.load_global_step(path) == 200


def test_list_and_load_variable(tmp_path):
    path = tmp_path / "model.ckpt"
    cf.write_checkpoint(path, _values())
    listed = cf.list_variables(path)
    assert listed == sorted(listed)
    assert ("dense/kernel", [2, 3]) in listed and ("global_step", []) in listed
    assert ("dense/kernel/Adam", [2, 3]) in listed and ("odd%name/x.y", []) in listed
    np.testing.assert_array_equal(cf.load_variable(path, "dense/kernel:0"), np.arange(6).reshape(2, 3))
    assert cf.load_variable(path, "global_step") == 200
    assert cf.load_global_step(path) is None
    with pytest.raises(errors.NotFoundError, match="Key dense/kernl not found.*dense/kernel"):
        cf.load_variable(path, "dense/kernl")


def test_plain_h5py_sees_one_dataset_per_variable(tmp_path):
    path = tmp_path / "ckpt"
    cf.write_checkpoint(path, {"a/b:0": np.ones(2), "c": 3.0}, global_step=5)
    with h5py.File(str(path) + ".h5", "r") as f:
        assert f.attrs["kflow_checkpoint"] == cf.FORMAT_VERSION == 2 and f.attrs["global_step"] == 5
        assert sorted(f["variables"]) == ["a%2Fb", "c"]
        np.testing.assert_array_equal(f["variables/a%2Fb"][...], np.ones(2))
        # the CRC-32C of the descriptor and the little-endian bytes, checkable without kflow
        assert f["variables/c"].attrs["crc32c"] == crc32c(np.float64(3.0).tobytes(), crc32c(b"c:<f8()"))


def test_string_values_keep_arbitrary_bytes(tmp_path):
    """kf.string values are bytes (NULs included, e.g. serialized protos); str is stored as UTF-8."""
    values = {"protos": np.array([[b"\x08\x00\xff", b""]], object), "words": np.array(["ab", "\u03b4"], object),
              "one": np.array(b"x\x00y", object), "none": np.empty((0, 2), object), "fixed": np.array([b"ab", b"c"])}
    path = tmp_path / "strings"
    cf.write_checkpoint(path, values)
    restored = cf.read_checkpoint(path)
    expected = {"protos": [[b"\x08\x00\xff", b""]], "words": [b"ab", "\u03b4".encode()], "one": b"x\x00y",
                "none": np.empty((0, 2), object), "fixed": [b"ab", b"c"]}
    for key, want in expected.items():
        want = np.asarray(want, object)
        assert restored[key].dtype == object and restored[key].shape == want.shape, key
        assert restored[key].tolist() == want.tolist(), key
    assert cf.load_variable(path, "one") == b"x\x00y"
    assert dict(cf.list_variables(path))["protos"] == [1, 2]
    with pytest.raises(TypeError, match="cannot store variable 'mixed'.*bytes or str, got int"):
        cf.write_checkpoint(path, {"mixed": np.array([b"a", 3], object)})
    np.testing.assert_array_equal(cf.load_variable(path, "words"), [b"ab", "\u03b4".encode()])  # old file kept


def test_overwrite_and_directory_arguments(tmp_path):
    path = tmp_path / "model.ckpt-1"
    cf.write_checkpoint(path, {"w": np.zeros(3)})
    cf.write_checkpoint(path, {"w": np.ones(3)})
    np.testing.assert_array_equal(cf.load_variable(path, "w"), np.ones(3))
    cf.update_checkpoint_state(tmp_path, str(path))
    # Like TF's readers, a directory stands for its latest checkpoint.
    assert cf.list_variables(tmp_path) == [("w", [3])]
    assert cf.latest_checkpoint(tmp_path) == str(path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(errors.NotFoundError, match="No checkpoint found in directory"):
        cf.read_checkpoint(tmp_path / "empty")


def test_write_errors(tmp_path):
    with pytest.raises(errors.NotFoundError, match="Parent directory of .* doesn't exist"):
        cf.write_checkpoint(tmp_path / "missing" / "model.ckpt", {"w": 1.0})
    with pytest.raises(ValueError, match="share the checkpoint key 'w'"):
        cf.write_checkpoint(tmp_path / "x", {"w": 1.0, "w:0": 2.0})
    with pytest.raises(TypeError, match="cannot store variable 'o'"):
        cf.write_checkpoint(tmp_path / "x", {"a": 1.0, "o": np.array([object()])})
    assert os.listdir(tmp_path) == []  # the failed write left no temp file


def test_read_errors(tmp_path):
    with pytest.raises(errors.NotFoundError, match="Failed to find any matching files"):
        cf.read_checkpoint(tmp_path / "model.ckpt-9")
    (tmp_path / "text").write_text("hello")
    with pytest.raises(errors.NotFoundError, match="not a kflow checkpoint"):
        cf.list_variables(tmp_path / "text")
    with h5py.File(tmp_path / "weights.h5", "w") as f:
        f["x"] = 1
    with pytest.raises(errors.NotFoundError, match="HDF5 file but not a kflow checkpoint"):
        cf.load_variable(tmp_path / "weights.h5", "x")
    cf.write_checkpoint(tmp_path / "cut", {"w": np.ones(10000)})
    data = (tmp_path / "cut.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 3])
    with pytest.raises(errors.DataLossError, match="corrupt checkpoint"):
        cf.read_checkpoint(tmp_path / "cut")


def test_exists_and_remove(tmp_path):
    path = tmp_path / "m"
    assert not cf.checkpoint_exists(path)
    cf.write_checkpoint(path, {"w": 1})
    assert cf.checkpoint_exists(path) and not cf.checkpoint_exists(tmp_path)
    cf.remove_checkpoint(path)
    cf.remove_checkpoint(path)  # already gone: fine
    assert not cf.checkpoint_exists(path)


def test_latest_checkpoint_ignores_missing_file(tmp_path):
    assert cf.latest_checkpoint(tmp_path) is None
    cf.update_checkpoint_state(tmp_path, str(tmp_path / "model.ckpt-5"))
    assert cf.latest_checkpoint(tmp_path) is None  # the state names a file that is gone


# The child saves step 1, then starts overwriting the same file with a value
# whose conversion blocks: the kill lands while the new file is half written.
_CHILD = textwrap.dedent("""
    import os, sys, time
    import numpy as np
    from kflow.train import checkpoint_file as cf

    directory = sys.argv[1]
    path = os.path.join(directory, "model.ckpt-1")
    cf.write_checkpoint(path, {"w": np.full((256, 256), 1.0, np.float32)}, global_step=1)
    cf.update_checkpoint_state(directory, path, [path])
    print("saved", flush=True)

    class Blocking:
        def __array__(self, dtype=None, copy=None):
            print("writing", flush=True)
            time.sleep(60)

    values = {f"layer{i}/w": np.full((256, 256), 2.0, np.float32) for i in range(8)}
    values["zz/last"] = Blocking()
    cf.write_checkpoint(path, values, global_step=2)
""")


def _run_child(tmp_path, script):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE,
                            env=env, text=True)


def test_sigkill_mid_write_keeps_previous_checkpoint(tmp_path):
    child = _run_child(tmp_path, _CHILD)
    try:
        assert child.stdout.readline().strip() == "saved"
        assert child.stdout.readline().strip() == "writing"
        temps = [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]
        assert len(temps) == 1 and os.path.getsize(tmp_path / temps[0]) > 0  # really mid-write
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()
    assert child.returncode == -signal.SIGKILL
    latest = cf.latest_checkpoint(tmp_path)
    assert latest == str(tmp_path / "model.ckpt-1")
    assert cf.list_variables(latest) == [("w", [256, 256])]
    np.testing.assert_array_equal(cf.load_variable(latest, "w"), np.ones((256, 256), np.float32))
    assert cf.load_global_step(latest) == 1


# Saves as fast as it can, TF style: data file, then the state file.
_LOOP_CHILD = textwrap.dedent("""
    import os, sys
    import numpy as np
    from kflow.train import checkpoint_file as cf

    directory = sys.argv[1]
    kept = []
    for step in range(1, 10 ** 6):
        path = os.path.join(directory, f"model.ckpt-{step}")
        cf.write_checkpoint(path, {f"v{i}": np.full(50000, step, np.int64) for i in range(20)},
                            global_step=step)
        kept = (kept + [path])[-3:]
        cf.update_checkpoint_state(directory, path, kept)
        for old in sorted(set(os.listdir(directory))):
            if old.startswith("model.ckpt-") and os.path.join(directory, old[:-len(".h5")]) not in kept:
                cf.remove_checkpoint(os.path.join(directory, old))
        print(step, flush=True)
""")


def test_sigkill_at_a_random_moment_leaves_a_consistent_state(tmp_path):
    child = _run_child(tmp_path, _LOOP_CHILD)
    try:
        for _ in range(3):  # let a few saves complete, then kill at once
            child.stdout.readline()
        time.sleep(0.013)
        child.send_signal(signal.SIGKILL)
    finally:
        child.kill()
        child.wait(timeout=10)
        child.stdout.close()
    state = cf.get_checkpoint_state(tmp_path)
    assert state is not None
    latest = cf.latest_checkpoint(tmp_path)
    assert latest == state.model_checkpoint_path
    step = int(latest.rsplit("-", 1)[1])
    assert step >= 3 and cf.load_global_step(latest) == step
    assert all(cf.checkpoint_exists(p) for p in state.all_model_checkpoint_paths)
    values = cf.read_checkpoint(latest)
    assert len(values) == 20 and all((v == step).all() for v in values.values())
