"""BackupAndRestore (issue 15, round 2): a fit that crashes and is run again resumes at the right epoch with the
model and optimizer state of its backup, and ends exactly as an uninterrupted run; the backup is deleted
only when training ends without an error."""
import os

import numpy as np
import pytest

import kflow as kf

from keras_testlib import mlp

CB = kf.keras.callbacks


class Crash(CB.Callback):
    """Raises at the end of epoch ``at`` (or at batch ``batch`` of that epoch)."""

    def __init__(self, at, batch=None):
        super().__init__()
        self.at, self.batch, self.epoch = at, batch, None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.batch is not None and self.epoch == self.at and batch == self.batch:
            raise RuntimeError("simulated crash")

    def on_epoch_end(self, epoch, logs=None):
        if self.batch is None and epoch == self.at:
            raise RuntimeError("simulated crash")


def _fit(model, x, y, callbacks, epochs=5):
    np.random.seed(7)  # fit's shuffling then depends on (seed, epoch) only
    return model.fit(x, y, epochs=epochs, batch_size=32, verbose=0, callbacks=callbacks)


def test_crash_then_rerun_resumes_and_matches_an_uninterrupted_run(blobs, tmp_path):
    (x, y), _ = blobs
    backup_dir = str(tmp_path / "backup")
    crashed = mlp()
    start = crashed.get_weights()
    with pytest.raises(RuntimeError, match="simulated crash"):
        _fit(crashed, x, y, [CB.BackupAndRestore(backup_dir), Crash(at=2)])
    assert os.listdir(backup_dir) == ["backup-epoch3.h5"]  # epochs 0, 1, 2 done; the backup survives the crash

    rerun = mlp()  # a new process would build the model afresh: other weights, a new optimizer
    history = _fit(rerun, x, y, [CB.BackupAndRestore(backup_dir)])
    assert history.epoch == [3, 4]
    assert not os.path.exists(backup_dir)  # deleted after the successful end

    full = mlp()
    full.set_weights(start)
    full_history = _fit(full, x, y, [])
    np.testing.assert_allclose(history.history["loss"], full_history.history["loss"][3:], rtol=1e-6)
    for a, b in zip(rerun.get_weights(), full.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    for a, b in zip(rerun.optimizer.get_weights(), full.optimizer.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)  # Adam's moments and step count came back too


def test_batch_frequency_backups_restart_the_unfinished_epoch(blobs, tmp_path):
    (x, y), _ = blobs
    backup_dir = str(tmp_path / "backup")
    model = mlp()
    with pytest.raises(RuntimeError):
        _fit(model, x, y, [CB.BackupAndRestore(backup_dir, save_freq=4), Crash(at=1, batch=5)])
    # 10 batches per epoch: backups after batches 3 and 7 of epoch 0, and 1 of epoch 1 (epoch 0 finished)
    assert os.listdir(backup_dir) == ["backup-epoch1.h5"]
    saved = kf.keras.models.load_model(os.path.join(backup_dir, "backup-epoch1.h5"))
    rerun = mlp()
    history = _fit(rerun, x, y, [CB.BackupAndRestore(backup_dir, save_freq=4, delete_checkpoint=False)], epochs=2)
    assert history.epoch == [1]
    assert os.path.isdir(backup_dir)  # delete_checkpoint=False keeps it
    assert not np.allclose(rerun.get_weights()[0], saved.get_weights()[0])  # trained on from the backup


def test_double_checkpoint_keeps_the_previous_backup_and_falls_back_to_it(blobs, tmp_path):
    (x, y), _ = blobs
    backup_dir = str(tmp_path / "backup")
    with pytest.raises(RuntimeError):
        _fit(mlp(), x, y, [CB.BackupAndRestore(backup_dir, double_checkpoint=True), Crash(at=2)])
    assert sorted(os.listdir(backup_dir)) == ["backup-epoch2.h5", "backup-epoch3.h5"]
    with open(os.path.join(backup_dir, "backup-epoch3.h5"), "wb") as f:
        f.write(b"torn write")  # the newest backup is damaged
    history = _fit(mlp(), x, y, [CB.BackupAndRestore(backup_dir, double_checkpoint=True)])
    assert history.epoch == [2, 3, 4]


def test_arguments_are_checked():
    with pytest.raises(ValueError, match="backup_dir"):
        CB.BackupAndRestore("")
    with pytest.raises(ValueError, match="save_freq"):
        CB.BackupAndRestore("/tmp/x", save_freq="batch")
