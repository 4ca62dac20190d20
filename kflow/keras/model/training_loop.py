"""The loops behind fit / evaluate / predict: batches in, callbacks around, averaged logs out.

``fit_loop`` times each epoch's wait for input batches against the step computation
and leaves the split on ``model.last_epoch_timing`` (shown by the progress line), so
the Keras log keys stay clean. ``on_train_end`` runs in ``finally``.

Example:
    >>> history = fit_loop(model, step, batches, epochs=2, callbacks=callback_list)
"""
import time

import numpy as np

_perf = time.perf_counter


class MeanTracker:
    """Batch-size-weighted running means of named values; ``stateful`` names (metric objects, which
    accumulate themselves) keep their last value."""

    def __init__(self, names, stateful=()):
        self.names = names
        self.sums = [0.0] * len(names)
        self.count = 0
        self._last = [i for i, n in enumerate(names) if n in stateful]
        self._values = None

    def add(self, values, size):
        self.count += size
        sums = self.sums
        for i, v in enumerate(values):
            sums[i] += v * size
        self._values = values

    def result(self, prefix=""):
        if not self.count:
            return {}
        out = {prefix + n: s / self.count for n, s in zip(self.names, self.sums)}
        for i in self._last:
            out[prefix + self.names[i]] = self._values[i]
        return out


def fit_loop(model, step, names, batches, epochs, initial_epoch, callbacks, validate=None, stateful=(), finish=None):
    """Runs epochs ``initial_epoch .. epochs-1``; returns nothing (History is a callback).

    Args:
        step: ``step(arrays) -> values`` matching ``names`` (one Session.run).
        names: log names of the step's values ("loss", metrics...).
        batches: an ArrayBatches / IterableBatches.
        validate: optional ``f() -> dict`` of "val_*" logs run at each epoch's end.
        stateful: names of values from metric objects: reset at each epoch's start, logged as their last value.
        finish: optional ``f()`` run after the last epoch, before ``on_train_end`` (Keras's
            ``finalize_variable_values``: an EMA optimizer's averages become the weights).
    """
    model.stop_training = False
    timings = []
    callbacks.on_train_begin()
    # a callback that restored a backup (BackupAndRestore) says where training resumes, as Keras 3
    resumed = getattr(model, "_initial_epoch", None)
    if resumed is not None:
        initial_epoch, model._initial_epoch = resumed, None
    try:
        for epoch in range(initial_epoch, epochs):
            callbacks.on_epoch_begin(epoch, {})
            if stateful:
                model.reset_metrics()
            tracker = MeanTracker(names, stateful)
            wait = compute = 0.0
            started = before = _perf()
            for index, (arrays, size) in enumerate(batches.epoch(epoch)):
                got = _perf()
                wait += got - before
                logs = {"batch": index, "size": size}
                callbacks.on_train_batch_begin(index, logs)
                t0 = _perf()
                values = step(arrays)
                compute += _perf() - t0
                values = [float(v) for v in values]
                tracker.add(values, size)
                logs.update(zip(names, values))
                callbacks.on_train_batch_end(index, logs)
                if model.stop_training:
                    break
                before = _perf()
            epoch_logs = tracker.result()
            busy = wait + compute
            timing = {"input_seconds": wait, "compute_seconds": compute,
                      "input_fraction": wait / busy if busy > 0 else 0.0, "seconds": _perf() - started}
            model.last_epoch_timing = timing
            timings.append(timing)
            if validate is not None:  # Keras runs its evaluation, with the test hooks of fit's callbacks
                callbacks.on_test_begin()
                val_logs = validate()
                callbacks.on_test_end(val_logs)
                epoch_logs.update(val_logs)
            callbacks.on_epoch_end(epoch, epoch_logs)
            if model.stop_training:
                break
        if finish is not None and epochs > initial_epoch:
            finish()
    finally:
        model.epoch_timings = timings
        callbacks.on_train_end()


def test_loop(step, names, batches, callbacks=None, stateful=()):
    """Averages ``step``'s values over all batches; returns ``{name: mean}`` (``stateful``: last value; the
    caller resets those metrics first)."""
    tracker = MeanTracker(names, stateful)
    if callbacks is not None:
        callbacks.on_test_begin()
    for index, (arrays, size) in enumerate(batches.epoch(0)):
        if callbacks is not None:
            callbacks.on_test_batch_begin(index, {"batch": index, "size": size})
        values = [float(v) for v in step(arrays)]
        tracker.add(values, size)
        if callbacks is not None:
            callbacks.on_test_batch_end(index, dict(zip(names, values), batch=index, size=size))
    result = tracker.result()
    if callbacks is not None:
        callbacks.on_test_end(result)
    return result


def predict_loop(step, batches, n_outputs, callbacks=None):
    """Runs ``step`` on every batch; returns one concatenated array per output."""
    chunks = [[] for _ in range(n_outputs)]
    if callbacks is not None:
        callbacks.on_predict_begin()
    for index, (arrays, size) in enumerate(batches.epoch(0)):
        if callbacks is not None:
            callbacks.on_predict_batch_begin(index, {"batch": index, "size": size})
        outs = step(arrays)
        for c, o in zip(chunks, outs):
            c.append(o)
        if callbacks is not None:
            callbacks.on_predict_batch_end(index, {"batch": index, "size": size, "outputs": outs})
    if callbacks is not None:
        callbacks.on_predict_end()
    return [np.concatenate(c) if c else np.zeros((0,)) for c in chunks]
