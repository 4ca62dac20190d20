"""BackupAndRestore: fault-tolerant ``fit``, as Keras 3's callback.

At each epoch's end (or every ``save_freq`` batches) the model's weights, its optimizer state and the number
of finished epochs go to one file in ``backup_dir``, written atomically and named by that number, so a crash
mid-write leaves the previous backup intact. A ``fit`` that starts with a backup present restores it and
resumes at the first unfinished epoch (a partly done epoch is run again from its start, with the weights of
its last backup). When ``fit`` ends without an error, the backup directory is deleted.

Example:
    >>> backup = kf.keras.callbacks.BackupAndRestore("/tmp/backup")
    >>> model.fit(x, y, epochs=10, callbacks=[backup])   # interrupted at epoch 4? run the same line again
"""
import os
import re
import shutil
import sys

from kflow import errors
from kflow.keras.callbacks.base import Callback
from kflow.keras.model.saving import load_optimizer_state

_BACKUP_NAME = re.compile(r"^backup-epoch(\d+)\.h5$")


class BackupAndRestore(Callback):
    """Backs up training state to ``backup_dir`` and resumes from it (see the module docstring).

    Args:
        backup_dir: the directory of the backup (created when needed; one per training job).
        save_freq: "epoch", or a number of batches between backups.
        double_checkpoint: keep the previous backup too (used if the newest cannot be read).
        delete_checkpoint: delete ``backup_dir`` when training ends without an error.
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore: backup_dir must be a directory path, got %r" % (backup_dir,))
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError("BackupAndRestore: save_freq must be 'epoch' or a positive number of batches, got %r"
                             % (save_freq,))
        self.backup_dir, self.save_freq = os.fspath(backup_dir), save_freq
        self.double_checkpoint, self.delete_checkpoint = double_checkpoint, delete_checkpoint
        self._finished_epochs = 0
        self._batches_since_save = 0

    def _backups(self):
        """Backup files, newest first."""
        if not os.path.isdir(self.backup_dir):
            return []
        found = [(int(m.group(1)), name) for name in os.listdir(self.backup_dir)
                 for m in [_BACKUP_NAME.match(name)] if m]
        return [os.path.join(self.backup_dir, name) for _, name in sorted(found, reverse=True)]

    @staticmethod
    def _epoch_of(path):
        return int(_BACKUP_NAME.match(os.path.basename(path)).group(1))

    def on_train_begin(self, logs=None):
        self._batches_since_save = 0
        backups = self._backups()
        if not backups:
            self._finished_epochs = 0
            return
        for i, path in enumerate(backups):
            try:
                self._restore(path)
                break
            except errors.DataLossError:
                if i + 1 == len(backups):
                    raise
        self._finished_epochs = self._epoch_of(path)
        self.model._initial_epoch = self._finished_epochs

    def _restore(self, path):
        self.model.load_weights(path)
        if self.model.optimizer is not None:
            load_optimizer_state(self.model, path)

    def on_epoch_end(self, epoch, logs=None):
        self._finished_epochs = epoch + 1
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        self._batches_since_save += 1
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save()

    def _save(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        path = os.path.join(self.backup_dir, "backup-epoch%d.h5" % self._finished_epochs)
        self.model.save(path)  # atomic: a crash mid-write leaves the older backup
        keep = 2 if self.double_checkpoint else 1
        for old in [p for p in self._backups() if p != path][keep - 1:]:
            os.remove(old)

    def on_train_end(self, logs=None):
        # fit calls this in a `finally`: an error on its way out means the run did not finish
        if self.delete_checkpoint and sys.exc_info()[0] is None and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
