"""History: records the epoch logs; ``fit`` adds it to every run and returns it.

Example:
    >>> history = model.fit(x, y, epochs=3, validation_split=0.1)
    >>> history.history["val_loss"]      # one value per epoch
    [0.41, 0.33, 0.30]
"""
from kflow.keras.callbacks.base import Callback


class History(Callback):
    """``history.epoch``: epoch indices; ``history.history``: metric name -> list of epoch values."""

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = {}

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = {}

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
