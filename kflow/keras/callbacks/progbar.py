"""ProgbarLogger: the progress display of ``fit`` (tqdm bar per batch on a TTY, one line per epoch otherwise).

At each epoch's end the line also shows where the time went: waiting for input
batches versus computing the step (``model.last_epoch_timing``).

The epoch result is never lost: on a terminal the bar is closed and the whole epoch line printed
below it (a long line wraps; the bar's own postfix is cut to the terminal width), also on a
pseudo-terminal that reports no size; elsewhere one line per epoch. ``verbose=2`` prints as Keras:
"Epoch 1/2" then "STEPS/STEPS - 2.1s - loss: ...".

Example output (not a TTY)::

    Epoch 1/2 - 2.1s - loss: 0.3012 - acc: 0.9120 - val_loss: 0.1650 - val_acc: 0.9510 - input 3% / compute 97%
"""
import sys
import time

from kflow.keras.callbacks.base import Callback

# Logs that describe the batch rather than measure the model.
_NOT_METRICS = ("batch", "size")


class ProgbarLogger(Callback):
    """Prints progress. ``verbose=1``: a live bar on a TTY, otherwise one line per epoch; ``verbose=2``: one line.

    Args:
        count_mode: "steps" or "samples": the unit of the bar.
        stateful_metrics: metric names shown as their last value instead of the epoch average.
        file: stream to write to (default ``sys.stdout``).
        verbose: 1 or 2 as above; default: the ``verbose`` given to ``fit``.
    """

    def __init__(self, count_mode="steps", stateful_metrics=None, file=None, verbose=None):
        super().__init__()
        self.count_mode = count_mode
        self.stateful_metrics = set(stateful_metrics or ())
        self.file = file
        self._verbose = verbose
        self.verbose = verbose if verbose is not None else 1
        self._bar = None

    @property
    def _stream(self):
        return self.file if self.file is not None else sys.stdout

    def _live(self):
        stream = self._stream
        return self.verbose == 1 and hasattr(stream, "isatty") and stream.isatty()

    def on_train_begin(self, logs=None):
        self.epochs = self.params.get("epochs", 1)
        if self._verbose is None:
            self.verbose = self.params.get("verbose", 1)

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._start = time.perf_counter()
        self._sums, self._count = {}, 0
        self._postfix_time = 0.0
        if self._live():
            from tqdm import tqdm

            total = self.params.get("steps") if self.count_mode == "steps" else self.params.get("samples")
            self._bar = tqdm(total=total, file=self._stream, desc="Epoch %d/%d" % (epoch + 1, self.epochs),
                             unit="step" if self.count_mode == "steps" else "sample", leave=True,
                             dynamic_ncols=True)
        else:
            self._bar = None
            if self.verbose == 2:
                print("Epoch %d/%d" % (epoch + 1, self.epochs), file=self._stream, flush=True)

    # The running averages are only needed for the live bar; without one the batch hook is skipped entirely.
    def on_train_batch_end(self, batch, logs=None):
        bar = self._bar
        if bar is None:
            return
        logs = logs or {}
        size = logs.get("size", 1)
        self._count += size
        for k, v in logs.items():
            if k in _NOT_METRICS:
                continue
            if k in self.stateful_metrics:
                self._sums[k] = v * size
            else:
                self._sums[k] = self._sums.get(k, 0.0) + v * size
        bar.update(1 if self.count_mode == "steps" else size)
        # tqdm redraws at most every `mininterval` seconds: format the averages only that often, not per batch.
        now = time.perf_counter()
        if now - self._postfix_time >= bar.mininterval:
            self._postfix_time = now
            bar.set_postfix_str(" - ".join("%s: %.4f" % (k, s / self._count) for k, s in self._sums.items()),
                                refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        line = format_epoch_line(logs or {}, time.perf_counter() - self._start,
                                 getattr(self.model, "last_epoch_timing", None))
        if self._bar is not None:
            self._bar.close()
            self._bar = None
        if self.verbose == 2:
            steps = self.params.get("steps")
            prefix = "%s/%s - " % (steps, steps) if steps else ""
            print(prefix + line, file=self._stream, flush=True)
        elif self.verbose:
            print("Epoch %d/%d - %s" % (epoch + 1, self.epochs, line), file=self._stream, flush=True)

    def on_train_end(self, logs=None):
        if self._bar is not None:  # training stopped mid-epoch (error or stop_training)
            self._bar.close()
            self._bar = None


def format_epoch_line(logs, seconds, timing=None):
    """ "2.1s - loss: 0.3012 - acc: 0.9120 - input 3% / compute 97%" from an epoch's logs and timing."""
    parts = ["%.1fs" % seconds]
    parts += ["%s: %.4f" % (k, v) for k, v in logs.items() if k not in _NOT_METRICS and _is_number(v)]
    if timing:
        parts.append(format_timing(timing))
    return " - ".join(parts)


def format_timing(timing):
    """ "input 3% / compute 97%" from ``{'input_fraction': 0.03, ...}``."""
    f = timing.get("input_fraction", 0.0)
    return "input %d%% / compute %d%%" % (round(100 * f), round(100 * (1 - f)))


def _is_number(v):
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False
