"""Shared logic of callbacks that watch a metric: which direction is better, and by how much.

Example:
    >>> m = Monitor("val_acc", mode="auto", min_delta=0.01)
    >>> m.improved(0.90, best=0.85)
    True
"""
import warnings

import numpy as np


class Monitor:
    """Compares values of ``monitor`` ("val_loss", "acc", ...).

    ``mode`` "min" or "max"; "auto" picks "max" for accuracy-like names and "min" otherwise.
    """

    def __init__(self, monitor, mode="auto", min_delta=0.0, owner="callback"):
        if mode not in ("auto", "min", "max"):
            warnings.warn("%s mode %r is unknown, fallback to auto mode." % (owner, mode), RuntimeWarning)
            mode = "auto"
        if mode == "auto":
            mode = "max" if ("acc" in monitor or monitor.startswith("fmeasure") or "auc" in monitor) else "min"
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.owner = owner

    @property
    def worst(self):
        return np.inf if self.mode == "min" else -np.inf

    def improved(self, current, best):
        if self.mode == "min":
            return current < best - self.min_delta
        return current > best + self.min_delta

    def value(self, logs):
        """The monitored value in ``logs``, or None (with a warning naming the available keys)."""
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:  # tf.keras 1.x logs metrics=["accuracy"] as "acc", kflow keeps the name given
            current = logs.get(accuracy_alias(self.monitor))
        if current is None:
            warnings.warn("%s is conditioned on metric `%s` which is not available. Available metrics are: %s"
                          % (self.owner, self.monitor, ",".join(sorted(logs or {}))), RuntimeWarning)
        return current


def accuracy_alias(name):
    """The other spelling of an accuracy log key: "val_acc" <-> "val_accuracy" (else ``name`` itself).

    A TF 1.x program compiled with ``metrics=["accuracy"]`` monitors "val_acc"; a TF 2 one compiled
    with ``["acc"]`` may monitor "val_accuracy". Either finds the value kflow logged.
    """
    if name.endswith("_accuracy") or name == "accuracy":
        return name[:-len("accuracy")] + "acc"
    if name.endswith("_acc") or name == "acc":
        return name + "uracy"
    return name
