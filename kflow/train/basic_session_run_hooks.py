"""The standard hooks: LoggingTensorHook, StopAtStepHook, CheckpointSaverHook, SummarySaverHook, NanTensorHook.

Example:
    >>> hooks = [LoggingTensorHook({"loss": loss}, every_n_iter=100), StopAtStepHook(last_step=1000)]
    >>> estimator.train(input_fn, hooks=hooks)
"""
import logging
import os
import time

import numpy as np

from kflow.summary.event_file_writer import FileWriterCache
from kflow.train.global_step import get_global_step
from kflow.train.saver import Saver
from kflow.train.session_run_hook import SessionRunArgs, SessionRunHook

log = logging.getLogger("kflow.estimator")  # the Estimator's progress log (loss, step, checkpoints): one name


def _require_global_step(hook):
    step = get_global_step()
    if step is None:
        raise RuntimeError("Global step should be created to use %s (kf.train.get_or_create_global_step())."
                           % type(hook).__name__)
    return step


class _EveryN:
    """Fires every ``n`` steps or every ``secs`` seconds (one of them), and on the first call."""

    def __init__(self, every_steps=None, every_secs=None):
        if (every_steps is None) == (every_secs is None):
            raise ValueError("Exactly one of every_n_steps (every_n_iter) and every_n_secs must be given.")
        self.steps, self.secs = every_steps, every_secs
        self.last_step = self.last_time = None

    def due(self, step):
        if self.last_step is None:
            return True
        if self.steps is not None:
            return step >= self.last_step + self.steps
        return time.time() >= self.last_time + self.secs

    def mark(self, step):
        self.last_step, self.last_time = step, time.time()


class LoggingTensorHook(SessionRunHook):
    """Logs the values of ``tensors`` (dict name -> tensor, or list) every N steps/seconds (and at the end)."""

    def __init__(self, tensors, every_n_iter=None, every_n_secs=None, at_end=False, formatter=None):
        if not isinstance(tensors, dict):
            tensors = {getattr(t, "name", str(t)): t for t in tensors}
        self.tensors = tensors
        self.at_end = at_end
        self.formatter = formatter
        self._timer = _EveryN(every_n_iter, every_n_secs) if (every_n_iter or every_n_secs) else None
        self.logged = []  # (step, values) of each line, for tests and programmatic use

    def begin(self):
        self._iter = 0

    def before_run(self, run_context):
        self._due = self._timer is not None and self._timer.due(self._iter)
        return SessionRunArgs(self.tensors) if self._due else None

    def after_run(self, run_context, run_values):
        if self._due:
            self._log(run_values.results)
            self._timer.mark(self._iter)
        self._iter += 1

    def _log(self, values):
        self.logged.append((self._iter, values))
        if self.formatter is not None:
            log.info(self.formatter(values))
        else:
            log.info(", ".join("%s = %s" % (k, values[k]) for k in self.tensors))

    def end(self, session):
        if self.at_end:
            self._log(session.run(self.tensors))


class StopAtStepHook(SessionRunHook):
    """Requests a stop after ``num_steps`` more steps, or once the global step reaches ``last_step``."""

    def __init__(self, num_steps=None, last_step=None):
        if (num_steps is None) == (last_step is None):
            raise ValueError("Exactly one of num_steps or last_step should be provided.")
        self.num_steps, self.last_step = num_steps, last_step

    def begin(self):
        self._step = _require_global_step(self)

    def after_create_session(self, session, coord):
        if self.last_step is None:
            self.last_step = int(session.run(self._step)) + self.num_steps

    def after_run(self, run_context, run_values):
        # Read after the run: whether a value fetched in the same run saw the increment is not defined.
        if int(run_context.session.run(self._step)) >= self.last_step:
            run_context.request_stop()


class CheckpointSaverHook(SessionRunHook):
    """Saves a checkpoint every ``save_steps`` steps or ``save_secs`` seconds, and at the end.

    Args:
        checkpoint_dir: the model directory.
        saver: a ``kf.train.Saver`` (default: a new one over all global variables).
        checkpoint_basename: file prefix, "model.ckpt" -> "model.ckpt-STEP".
        listeners: objects with optional ``before_save(session, step)`` / ``after_save(session, step)``.
    """

    def __init__(self, checkpoint_dir, save_secs=None, save_steps=None, saver=None, checkpoint_basename="model.ckpt",
                 scaffold=None, listeners=None):
        self.checkpoint_dir = checkpoint_dir
        self._timer = _EveryN(save_steps, save_secs)
        self._saver = saver
        self._path = os.path.join(checkpoint_dir, checkpoint_basename)
        self._listeners = list(listeners or [])
        self._scaffold = scaffold  # its saver (known once the scaffold is finalized) is used when saver is None
        self.saved_steps = []

    def begin(self):
        self._step = _require_global_step(self)
        if self._saver is None and self._scaffold is None:
            self._saver = Saver()
        os.makedirs(self.checkpoint_dir, exist_ok=True)

    def after_create_session(self, session, coord):
        self._timer.mark(int(session.run(self._step)))  # no checkpoint for the step just restored

    def after_run(self, run_context, run_values):
        step = int(run_context.session.run(self._step))
        if self._timer.due(step):
            self._timer.mark(step)
            self._save(run_context.session, step)

    def end(self, session):
        step = int(session.run(self._step))
        if step != self._timer.last_step:
            self._save(session, step)

    def _save(self, session, step):
        for listener in self._listeners:
            getattr(listener, "before_save", lambda s, n: None)(session, step)
        saver = self._saver if self._saver is not None else self._scaffold.saver
        path = saver.save(session, self._path, global_step=step)
        self.saved_steps.append(step)
        log.info("Saving checkpoints for %d into %s.", step, path)
        for listener in self._listeners:
            getattr(listener, "after_save", lambda s, n: None)(session, step)


class SummarySaverHook(SessionRunHook):
    """Runs ``summary_op`` every ``save_steps`` steps (or ``save_secs``) and writes it with ``summary_writer``."""

    def __init__(self, save_steps=None, save_secs=None, output_dir=None, summary_writer=None, scaffold=None,
                 summary_op=None):
        self._timer = _EveryN(save_steps, save_secs)
        self._writer = summary_writer
        self._output_dir = output_dir
        self._summary_op = summary_op
        self._scaffold = scaffold  # its summary_op (known once the scaffold is finalized) is used by default

    def begin(self):
        if self._writer is None and self._output_dir:
            self._writer = FileWriterCache.get(self._output_dir)
        self._step = _require_global_step(self)

    def after_create_session(self, session, coord):
        self._next_step = int(session.run(self._step))  # the step the coming run performs

    def before_run(self, run_context):
        op = self._summary_op
        if op is None and self._scaffold is not None:
            op = self._scaffold.summary_op
        self._due = op is not None and self._writer is not None and self._timer.due(self._next_step)
        return SessionRunArgs(op) if self._due else None

    def after_run(self, run_context, run_values):
        if self._due:
            self._writer.add_summary(run_values.results, self._next_step)
            self._timer.mark(self._next_step)
        self._next_step = int(run_context.session.run(self._step))

    def end(self, session):
        if self._writer is not None:
            self._writer.flush()


class NanLossDuringTrainingError(RuntimeError):
    def __str__(self):
        return "NaN loss during training."


class NanTensorHook(SessionRunHook):
    """Stops (or raises NanLossDuringTrainingError) when the loss becomes NaN."""

    def __init__(self, loss_tensor, fail_on_nan_loss=True):
        self.loss_tensor = loss_tensor
        self.fail_on_nan_loss = fail_on_nan_loss

    def before_run(self, run_context):
        return SessionRunArgs(self.loss_tensor)

    def after_run(self, run_context, run_values):
        if np.isnan(run_values.results):
            if self.fail_on_nan_loss:
                raise NanLossDuringTrainingError
            log.warning("Model diverged with loss = NaN.")
            run_context.request_stop()
