"""CSVLogger: writes one row of epoch logs per epoch to a CSV file.

Example:
    >>> model.fit(x, y, epochs=3, callbacks=[CSVLogger("training.csv")])
    # training.csv:  epoch,acc,loss
    #                0,0.91,0.30 ...
"""
import collections
import csv
import os

import numpy as np

from kflow.keras.callbacks.base import Callback


class CSVLogger(Callback):
    """Args: filename; separator; append (continue an existing file, e.g. when resuming)."""

    writes_files = True  # in a multi-process run, fit keeps it on rank 0 only

    def __init__(self, filename, separator=",", append=False):
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys = None
        self.writer = None
        self.csv_file = None

    def on_train_begin(self, logs=None):
        has_header = self.append and os.path.exists(self.filename) and os.path.getsize(self.filename) > 0
        self.csv_file = open(self.filename, "a" if self.append else "w", newline="")
        self._has_header = has_header

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self.keys is None:
            self.keys = sorted(logs)
        if self.writer is None:
            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch"] + self.keys, delimiter=self.sep)
            if not self._has_header:
                self.writer.writeheader()
        row = collections.OrderedDict(epoch=epoch)
        row.update((k, _format(logs.get(k, "NA"))) for k in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs=None):
        if self.csv_file is not None:
            self.csv_file.close()
        self.csv_file = None
        self.writer = None


def _format(v):
    if isinstance(v, np.ndarray) and v.ndim > 0:
        return "[%s]" % ", ".join(map(str, v.tolist()))
    return v
