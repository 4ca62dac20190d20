"""Damaged checkpoints fail fast with DataLossError naming the file (and the variable); failed writes raise
FileWriteError and keep the previous checkpoint; killed saves' temporary files are cleaned (issue 14)."""
import os
import time

import h5py
import numpy as np
import pytest

import kflow as kf
from kflow import errors
from kflow.train import checkpoint_file as cf

VALUES = {"dense/kernel": np.linspace(-1, 1, 100, dtype=np.float32).reshape(10, 10), "global_step": np.int64(7),
          "names": np.array([b"ab", b"\x00c", b""], object)}


def _same(got):
    return sorted(got) == sorted(VALUES) and all(
        got[k].dtype == VALUES[k].dtype and got[k].shape == VALUES[k].shape and
        all(a == b for a, b in zip(got[k].reshape(-1), np.asarray(VALUES[k]).reshape(-1))) for k in VALUES)


def test_every_single_bit_flip_restores_the_same_values_or_raises_data_loss(ram_tmp_path, bit_flips):
    path = str(ram_tmp_path / "model.ckpt-7")
    cf.write_checkpoint(path, VALUES, global_step=7)
    data = open(path + cf.SUFFIX, "rb").read()  # the file written for the prefix
    damaged_path = str(ram_tmp_path / "damaged")
    rng = np.random.default_rng(14)
    outcomes = {"same": 0, "DataLossError": 0, "not HDF5": 0}
    for bit, damaged in bit_flips(data, 1200, rng):  # as many as the adversarial pass that found 500 undetected
        with open(damaged_path, "wb") as f:
            f.write(damaged)
        started = time.monotonic()
        try:
            got = cf.read_checkpoint(damaged_path)
        except errors.DataLossError as e:
            assert damaged_path in str(e)
            outcomes["DataLossError"] += 1
        except errors.NotFoundError as e:  # the HDF5 signature itself was hit
            assert bit < 64 and "not an HDF5 file" in str(e), (bit, e)
            outcomes["not HDF5"] += 1
        else:
            assert _same(got), "bit %d flipped restored other values: %r" % (bit, got)
            outcomes["same"] += 1
        assert time.monotonic() - started < 5, "bit %d: the read took too long" % bit
    assert sum(outcomes.values()) == 1200 and outcomes["DataLossError"] > 100, outcomes


def test_crc_mismatch_names_file_and_variable(tmp_path):
    path = str(tmp_path / "model.ckpt-1")
    cf.write_checkpoint(path, VALUES)
    with h5py.File(path + cf.SUFFIX, "r+") as f:  # w[10] == 10.000001-style damage: valid HDF5, other value
        f["variables/dense%2Fkernel"][1, 0] = np.nextafter(np.float32(VALUES["dense/kernel"][1, 0]), np.float32(9))
    with pytest.raises(errors.DataLossError, match=r"model\.ckpt-1.*'dense/kernel'.*CRC-32C mismatch"):
        cf.read_checkpoint(path)
    with pytest.raises(errors.DataLossError, match="'dense/kernel'"):
        cf.load_variable(path, "dense/kernel")
    assert cf.load_variable(path, "global_step") == 7  # the other variables still read
    w = kf.Variable(np.zeros((10, 10), np.float32), name="dense/kernel")
    with kf.Session() as sess:
        with pytest.raises(errors.DataLossError, match=r"model\.ckpt-1.*dense/kernel"):
            kf.train.Saver([w]).restore(sess, path)


def test_string_variables_are_length_prefixed_bytes_and_bounded(tmp_path):
    path = str(tmp_path / "strings")
    cf.write_checkpoint(path, VALUES)
    with h5py.File(path + cf.SUFFIX, "r") as f:
        stored = f["variables/names"]
        assert stored.dtype == np.uint8 and stored.ndim == 1 and list(stored.attrs["shape"]) == [3]
        assert bytes(stored[...]) == b"".join(len(s).to_bytes(8, "little") + s for s in VALUES["names"])
    assert cf.list_variables(path) == [("dense/kernel", [10, 10]), ("global_step", []), ("names", [3])]
    # a forged length or shape (with a CRC to match) fails at once instead of reading or looping for long
    for forged_shape, forged_data in [([3], b"\xff" * 8 + b"x"), ([10 ** 15], b"")]:
        with h5py.File(path + cf.SUFFIX, "r+") as f:
            del f["variables/names"]
            data = np.frombuffer(forged_data, np.uint8)
            d = f["variables"].create_dataset("names", data=data)
            d.attrs["kflow_string"] = True
            d.attrs["shape"] = np.array(forged_shape, np.int64)
            d.attrs["crc32c"] = cf._checksum("names:string(%s,)" % forged_shape[0], data)
        started = time.monotonic()
        with pytest.raises(errors.DataLossError, match="'names'"):
            cf.read_checkpoint(path)
        assert time.monotonic() - started < 1


def test_truncated_and_damaged_files_raise_data_loss_naming_the_file(ram_tmp_path):
    path = str(ram_tmp_path / "model.ckpt-3")
    cf.write_checkpoint(path, VALUES)
    data = open(path + cf.SUFFIX, "rb").read()  # the file written for the prefix
    cut_path = str(ram_tmp_path / "cut")
    rng = np.random.default_rng(3)
    cuts = sorted(set(int(c) for c in rng.integers(1, len(data), 400)))
    for cut in cuts:
        with open(cut_path, "wb") as f:
            f.write(data[:cut])
        try:
            cf.read_checkpoint(cut_path)
        except errors.DataLossError as e:
            assert cut_path in str(e)
        except errors.NotFoundError as e:  # fewer bytes than the HDF5 signature
            assert cut < 8 and "not an HDF5 file" in str(e)
        else:  # only the unused end of the file was cut
            assert cut > len(data) - 1024
    v = kf.Variable(np.zeros(3, np.float32), name="v")
    with kf.Session() as sess:
        with open(cut_path, "wb") as f:
            f.write(b"\x00" + data[1:])  # the signature hit: not HDF5 any more
        with pytest.raises(errors.DataLossError, match="cut: not an HDF5 file"):
            kf.train.Saver([v]).restore(sess, cut_path)


def test_full_disk_during_save_raises_write_error_and_keeps_the_previous_checkpoint(tmp_path, full_disk):
    w = kf.Variable(np.arange(200000, dtype=np.float32), name="w")
    saver = kf.train.Saver([w])
    prefix = str(tmp_path / "model.ckpt")
    with kf.Session() as sess:
        sess.run(w.initializer)
        first = saver.save(sess, prefix, global_step=1)
        sess.run(w.assign_add(np.ones(200000, np.float32)))
        full_disk(100000)
        with pytest.raises(errors.FileWriteError, match=r"model\.ckpt-2.*File too large") as info:
            saver.save(sess, prefix, global_step=2)
        assert isinstance(info.value, OSError) and info.value.filename.endswith("model.ckpt-2.h5")
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-1.h5", "model.ckpt-1.meta"]  # no temp file
        assert kf.train.latest_checkpoint(str(tmp_path)) == first
        saver.restore(sess, first)
        np.testing.assert_array_equal(sess.run(w), np.arange(200000, dtype=np.float32))


def test_next_save_removes_temporary_files_of_killed_saves(tmp_path):
    dead_pid = 2 ** 22 + 12345  # above pid_max's default: no such process
    stale = [".model.ckpt-5.%d.0123456789ab.tmp" % dead_pid, ".model.ckpt-6.abcd_123.tmp"]  # ours, older kflow
    kept = [".model.ckpt-7.%d.0123456789ab.tmp" % os.getppid(),  # a live writer's save in progress
            ".other.ckpt-1.%d.0123456789ab.tmp" % dead_pid]  # another prefix
    for name in stale + kept:
        (tmp_path / name).write_bytes(b"\x00" * 1024)
    v = kf.Variable(1.0, name="v")
    with kf.Session() as sess:
        sess.run(v.initializer)
        kf.train.Saver([v]).save(sess, str(tmp_path / "model.ckpt"), global_step=8)
    assert sorted(os.listdir(tmp_path)) == sorted(["checkpoint", "model.ckpt-8.h5", "model.ckpt-8.meta"] + kept)
