"""Callbacks that change the optimizer's learning rate: LearningRateScheduler and ReduceLROnPlateau.

The learning rate of a Keras optimizer is a variable of the model's graph, so changing it
writes a value into the session and adds nothing to the graph.

Example:
    >>> sched = LearningRateScheduler(lambda epoch, lr: lr * 0.5 if epoch >= 2 else lr)
    >>> plateau = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=3, min_lr=1e-5)
"""
import numpy as np

from kflow.keras import backend as K
from kflow.keras.callbacks.base import Callback
from kflow.keras.callbacks.monitor import Monitor


def get_lr(model):
    """The current learning rate of ``model.optimizer`` as a float."""
    opt = _optimizer(model)
    return float(K.get_value(opt.lr))


def set_lr(model, value):
    """Sets ``model.optimizer``'s learning rate (a session write when it is already a graph variable)."""
    opt = _optimizer(model)
    if hasattr(opt.lr, "_variable"):
        K.set_value(opt.lr, value)
    else:
        opt.lr = float(value)


def _optimizer(model):
    opt = getattr(model, "optimizer", None)
    if opt is None or not hasattr(opt, "lr"):
        raise ValueError('Optimizer must have a "lr" attribute (use a kf.keras.optimizers optimizer or a name '
                         'such as "adam" in compile; a raw kf.train optimizer has a fixed learning rate).')
    return opt


class LearningRateScheduler(Callback):
    """Sets the learning rate at each epoch's start to ``schedule(epoch)`` or ``schedule(epoch, lr)``."""

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        try:  # Keras 2.2 accepts both signatures
            lr = self.schedule(epoch, get_lr(self.model))
        except TypeError:
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, int, np.floating, np.integer)):
            raise ValueError('The output of the "schedule" function should be a float, got %r.' % (lr,))
        set_lr(self.model, float(lr))
        if self.verbose > 0:
            print("\nEpoch %05d: LearningRateScheduler setting learning rate to %s." % (epoch + 1, lr))

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = get_lr(self.model)


class ReduceLROnPlateau(Callback):
    """Multiplies the learning rate by ``factor`` after ``patience`` epochs without improvement.

    Args: monitor, factor (< 1), patience, verbose, mode, min_delta, cooldown (epochs to wait after a
    reduction before counting again), min_lr.
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto", min_delta=1e-4,
                 cooldown=0, min_lr=0, **kwargs):
        super().__init__()
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0.")
        if "epsilon" in kwargs:  # the Keras 2.0 name of min_delta
            min_delta = kwargs.pop("epsilon")
        self.monitor = monitor
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self._monitor = Monitor(monitor, mode, min_delta, owner="ReduceLROnPlateau")
        self._reset()

    def _reset(self):
        self.best = self._monitor.worst
        self.wait = 0
        self.cooldown_counter = 0

    def on_train_begin(self, logs=None):
        self._reset()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        logs["lr"] = get_lr(self.model)
        current = self._monitor.value(logs)
        if current is None:
            return
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.wait = 0
        if self._monitor.improved(current, self.best):
            self.best = current
            self.wait = 0
        elif self.cooldown_counter <= 0:
            self.wait += 1
            if self.wait >= self.patience:
                old = get_lr(self.model)
                if old > self.min_lr:
                    new = max(old * self.factor, self.min_lr)
                    set_lr(self.model, new)
                    if self.verbose > 0:
                        print("\nEpoch %05d: ReduceLROnPlateau reducing learning rate to %s." % (epoch + 1, new))
                    self.cooldown_counter = self.cooldown
                    self.wait = 0
