"""History: records the epoch logs; ``fit`` adds it to every run and returns it.

Example:
    >>> history = model.fit(x, y, epochs=3, validation_split=0.1)
    >>> history.history["val_loss"]      # one value per epoch
    [0.41, 0.33, 0.30]
"""
from kflow.keras.callbacks.base import Callback
from kflow.keras.callbacks.monitor import accuracy_alias


class MetricHistory(dict):
    """``history.history``: a dict of the names logged, where the other accuracy spelling also finds its list.

    kflow logs ``metrics=["accuracy"]`` as "accuracy"; tf.keras 1.x logged "acc", so TF1-era code reading
    ``history.history["val_acc"]`` gets the "val_accuracy" values (and the reverse).
    """

    def __missing__(self, key):
        alias = accuracy_alias(key) if isinstance(key, str) else key
        if alias != key and dict.__contains__(self, alias):
            return dict.__getitem__(self, alias)
        raise KeyError("%r was not logged; the history has %s" % (key, sorted(self)))

    def __contains__(self, key):
        return dict.__contains__(self, key) or isinstance(key, str) and dict.__contains__(self, accuracy_alias(key))

    def get(self, key, default=None):
        return self[key] if key in self else default


class History(Callback):
    """``history.epoch``: epoch indices; ``history.history``: metric name -> list of epoch values."""

    def __init__(self):
        super().__init__()
        self.epoch = []
        self.history = MetricHistory()

    def on_train_begin(self, logs=None):
        self.epoch = []
        self.history = MetricHistory()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for k, v in (logs or {}).items():
            self.history.setdefault(k, []).append(v)
