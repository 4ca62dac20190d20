"""EarlyStopping: stops training when a monitored metric stops improving.

With ``restore_best_weights=True`` the weights of the best epoch are put back when
training stops early *and* when it runs to the end, so the model always ends at its best.

Example:
    >>> stop = EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    >>> model.fit(x, y, validation_split=0.1, epochs=100, callbacks=[stop])
    >>> stop.stopped_epoch   # 0-based epoch at which training stopped (0 if it did not)
"""
from kflow.keras.callbacks.base import Callback
from kflow.keras.callbacks.monitor import Monitor


class EarlyStopping(Callback):
    """Args: monitor, min_delta, patience (epochs without improvement), verbose, mode, baseline
    (training stops if the metric does not beat it within ``patience``), restore_best_weights."""

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto", baseline=None,
                 restore_best_weights=False):
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self._monitor = Monitor(monitor, mode, min_delta, owner="EarlyStopping")
        self.min_delta = self._monitor.min_delta
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self._monitor.worst
        self.best_epoch = None
        self.best_weights = None

    def on_train_begin(self, logs=None):
        self.wait = 0
        self.stopped_epoch = 0
        self.best = self.baseline if self.baseline is not None else self._monitor.worst
        self.best_epoch = None
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        current = self._monitor.value(logs)
        if current is None:
            return
        if self._monitor.improved(current, self.best):
            self.best = current
            self.best_epoch = epoch
            self.wait = 0
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print("Epoch %05d: early stopping" % (self.stopped_epoch + 1))
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch (%d)." % (self.best_epoch + 1))
            self.model.set_weights(self.best_weights)
