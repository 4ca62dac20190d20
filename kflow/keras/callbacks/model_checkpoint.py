"""ModelCheckpoint: saves the model (or its weights) after every ``period`` epochs.

Example:
    >>> cb = ModelCheckpoint("ckpt/w.{epoch:02d}-{val_loss:.2f}.h5", monitor="val_loss",
    ...                      save_best_only=True, save_weights_only=True)
    >>> model.fit(x, y, validation_split=0.1, epochs=5, callbacks=[cb])
"""
import os

from kflow.keras.callbacks.base import Callback
from kflow.keras.callbacks.monitor import Monitor, accuracy_alias


class ModelCheckpoint(Callback):
    """Saves to ``filepath`` (a ``str.format`` template over ``epoch`` (1-based) and the epoch logs).

    Args:
        filepath: e.g. "weights.{epoch:02d}-{val_loss:.2f}.h5".
        monitor: the metric compared when ``save_best_only``.
        verbose: 1 prints a line per save.
        save_best_only: save only when ``monitor`` improves (the latest best is never overwritten by a worse one).
        save_weights_only: ``model.save_weights`` instead of ``model.save`` (which adds config + optimizer state).
        mode: "auto", "min" or "max".
        period: epochs between saves.
    """

    writes_files = True  # in a multi-process run, fit keeps it on rank 0 only

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False, save_weights_only=False,
                 mode="auto", period=1, save_freq="epoch"):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        if save_freq != "epoch":
            raise NotImplementedError("ModelCheckpoint(save_freq=...) other than 'epoch' is not supported; use "
                                      "period (epochs between saves).")
        self.period = period
        self._monitor = Monitor(monitor, mode, owner="ModelCheckpoint")
        self.monitor = monitor
        self.best = self._monitor.worst
        self.epochs_since_last_save = 0

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        self.epochs_since_last_save += 1
        if self.epochs_since_last_save < self.period:
            return
        self.epochs_since_last_save = 0
        # both accuracy spellings fill the template: "{val_acc:.2f}" (TF 1.x) after metrics=["accuracy"]
        names = dict({accuracy_alias(k): v for k, v in logs.items()}, **logs)
        filepath = self.filepath.format(epoch=epoch + 1, **names)
        if self.save_best_only:
            current = self._monitor.value(logs)
            if current is None:
                return
            if not self._monitor.improved(current, self.best):
                if self.verbose:
                    print("\nEpoch %05d: %s did not improve from %0.5f" % (epoch + 1, self.monitor, self.best))
                return
            if self.verbose:
                print("\nEpoch %05d: %s improved from %0.5f to %0.5f, saving model to %s"
                      % (epoch + 1, self.monitor, self.best, current, filepath))
            self.best = current
        elif self.verbose:
            print("\nEpoch %05d: saving model to %s" % (epoch + 1, filepath))
        self._save(filepath)

    def _save(self, filepath):
        directory = os.path.dirname(filepath)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
