"""Estimator: train / evaluate / predict a ``model_fn`` with checkpoints in ``model_dir``.

``train`` builds a fresh graph, restores the latest checkpoint of ``model_dir`` (so a
second ``train`` call, or a new process, resumes where the last one stopped), runs the
train op with hooks for stopping, checkpoints (``kf.train.Saver``), summaries and loss
logging, and saves a final checkpoint. ``evaluate`` restores the latest checkpoint and
averages ``eval_metric_ops``. ``predict`` keeps a warm session per checkpoint, so
repeated calls do not rebuild the graph or reload the weights.

Example:
    >>> est = Estimator(model_fn, model_dir="runs/mnist", config=RunConfig(save_checkpoints_steps=200))
    >>> est.train(numpy_input_fn({"x": x}, y, batch_size=128, num_epochs=None, shuffle=True), steps=1000)
    >>> est.evaluate(numpy_input_fn({"x": x_test}, y_test, shuffle=False))
    {'accuracy': 0.97, 'loss': 0.09, 'global_step': 1000}
    >>> next(est.predict(numpy_input_fn({"x": x_test[:1]}, shuffle=False)))
    {'class': 7, ...}
"""
import logging
import os
import tempfile

import numpy as np

from kflow import summary, train
from kflow.engine.graph import Graph
from kflow.engine.session import Session
from kflow.engine.variables import (global_variables_initializer, local_variables_initializer,
                                    report_uninitialized_variables)
from kflow.estimator.feeding import InputFeed, call_with_supported
from kflow.estimator.model_fn import EstimatorSpec, ModeKeys
from kflow.estimator.run_config import RunConfig
from kflow.train import basic_session_run_hooks as basic_hooks
from kflow.train.checkpoint_file import checkpoint_mtime, load_global_step
from kflow.train.session_run_hook import HookedSession

log = logging.getLogger("kflow.estimator")


class Estimator:
    """Args:
        model_fn: ``model_fn(features, labels, mode, params, config) -> EstimatorSpec`` (it may take any
            subset of these arguments).
        model_dir: checkpoints and summaries (default: ``config.model_dir`` or a new temporary directory).
        config: a :class:`RunConfig`.
        params: dict passed to ``model_fn`` and ``input_fn``.
        warm_start_from: a checkpoint path (or directory) to initialize from when ``model_dir`` has none.
    """

    def __init__(self, model_fn, model_dir=None, config=None, params=None, warm_start_from=None):
        if not callable(model_fn):
            raise ValueError("model_fn must be callable; got %r" % (model_fn,))
        self._model_fn = model_fn
        self._config = config or RunConfig()
        model_dir = model_dir or self._config.model_dir
        if model_dir is None:
            model_dir = tempfile.mkdtemp(prefix="kflow_estimator_")
            log.warning("Using temporary folder as model directory: %s", model_dir)
        self._model_dir = os.fspath(model_dir)
        self._config = self._config.replace(model_dir=self._model_dir)
        self.params = dict(params or {})
        self._warm_start_from = warm_start_from
        self._predictor = None  # (key, graph, session, predictions, features placeholders)

    model_dir = property(lambda self: self._model_dir)
    config = property(lambda self: self._config)
    model_fn = property(lambda self: self._model_fn)

    # ---- checkpoints -------------------------------------------------------------------
    def latest_checkpoint(self):
        return train.latest_checkpoint(self._model_dir)

    def get_variable_names(self):
        return [name for name, _ in train.list_variables(self._require_checkpoint())]

    def get_variable_value(self, name):
        return train.load_variable(self._require_checkpoint(), name)

    def _require_checkpoint(self, path=None):
        path = path or self.latest_checkpoint()
        if path is None:
            raise ValueError("Could not find trained model in model_dir: %s." % self._model_dir)
        return path

    def _current_step(self):
        path = self.latest_checkpoint()
        if path is None:
            return 0
        step = load_global_step(path)
        return int(step) if step is not None else int(train.load_variable(path, "global_step"))

    # ---- graph building --------------------------------------------------------------
    def _build(self, input_fn, mode):
        """A new graph with the global step, placeholders for ``input_fn``'s data and the model_fn's spec."""
        feed = InputFeed(input_fn, mode, self.params, self._config)
        graph = Graph()
        with graph.as_default():
            graph.seed = self._config.tf_random_seed
            global_step = train.get_or_create_global_step()
            features, labels = feed.placeholders(graph)
            spec = call_with_supported(self._model_fn, features=features, labels=labels, mode=mode,
                                       params=self.params, config=self._config)
            if not isinstance(spec, EstimatorSpec):
                raise ValueError("model_fn should return an EstimatorSpec; got %r." % type(spec).__name__)
            saver = train.Saver(max_to_keep=self._config.keep_checkpoint_max,
                                keep_checkpoint_every_n_hours=self._config.keep_checkpoint_every_n_hours)
        return feed, graph, global_step, (features, labels), spec, saver

    def _session(self, graph, saver, checkpoint_path=None, restore_required=False):
        sess = Session(graph=graph, config=self._config.session_config)
        path = checkpoint_path or self.latest_checkpoint()
        with graph.as_default():
            init = (global_variables_initializer(), local_variables_initializer(), report_uninitialized_variables())
        if path is None and self._warm_start_from is not None and not restore_required:
            path = self._warm_start_from
            if os.path.isdir(path):
                path = train.latest_checkpoint(path)
        if path is None:
            if restore_required:
                raise ValueError("Could not find trained model in model_dir: %s." % self._model_dir)
            sess.run(init)
        else:
            sess.run(init[1])
            saver.restore(sess, path)
            step = sess.run(train.get_global_step(graph))
            log.info("Restored parameters from %s (global step %d).", path, step)
            state = train.get_checkpoint_state(self._model_dir)
            if state is not None:  # so keep_checkpoint_max counts the checkpoints of earlier train calls
                saver.recover_last_checkpoints(state.all_model_checkpoint_paths)
            if len(sess.run(init[2])):
                sess.run(init[0])  # should not happen: every saved graph variable is restored
        return sess

    # ---- train -------------------------------------------------------------------------
    def train(self, input_fn, hooks=None, steps=None, max_steps=None, saving_listeners=None):
        """Trains until ``input_fn`` is exhausted, ``steps`` more steps, or global step ``max_steps``."""
        if steps is not None and max_steps is not None:
            raise ValueError("Can not provide both steps and max_steps.")
        if steps is not None and steps <= 0 or max_steps is not None and max_steps <= 0:
            raise ValueError("steps and max_steps must be positive.")
        if max_steps is not None and self._current_step() >= max_steps:
            log.info("Skipping training since max_steps has already saved.")
            return self
        feed, graph, global_step, (features, labels), spec, saver = self._build(input_fn, ModeKeys.TRAIN)
        cfg = self._config
        with graph.as_default():
            summary.scalar("loss", spec.loss)
            summary_op = summary.merge_all()
            all_hooks = [basic_hooks.NanTensorHook(spec.loss)]
            if steps is not None or max_steps is not None:
                all_hooks.append(basic_hooks.StopAtStepHook(num_steps=steps, last_step=max_steps))
            if cfg.log_step_count_steps:
                all_hooks.append(basic_hooks.LoggingTensorHook({"loss": spec.loss, "step": global_step},
                                                               every_n_iter=cfg.log_step_count_steps))
            all_hooks += list(hooks or []) + list(spec.training_hooks)
            if cfg.is_chief:  # only the chief writes model_dir (the other ranks of an MPI job read it)
                all_hooks += list(spec.training_chief_hooks)
                all_hooks += self._chief_saving_hooks(summary_op, saver, saving_listeners)
            for h in all_hooks:
                h.begin()
        self._run_loop(feed, graph, saver, all_hooks, (spec.train_op, spec.loss), features, labels)
        return self

    def _chief_saving_hooks(self, summary_op, saver, saving_listeners):
        cfg = self._config
        hooks = []
        if cfg.save_summary_steps:
            hooks.append(basic_hooks.SummarySaverHook(save_steps=cfg.save_summary_steps,
                                                      output_dir=self._model_dir, summary_op=summary_op))
        hooks.append(basic_hooks.CheckpointSaverHook(
            self._model_dir, save_secs=cfg.save_checkpoints_secs, save_steps=cfg.save_checkpoints_steps,
            saver=saver, listeners=saving_listeners))
        return hooks

    def _run_loop(self, feed, graph, saver, hooks, fetches, features, labels, checkpoint_path=None,
                  restore_required=False, limit=None, on_values=None, final=None):
        """Runs ``fetches`` once per input batch with ``hooks``; returns the value of ``final`` at the end."""
        sess = self._session(graph, saver, checkpoint_path, restore_required)
        try:
            with graph.as_default():  # hooks may look up graph elements while running, as under TF
                for h in hooks:
                    h.after_create_session(sess, None)
                hooked = HookedSession(sess, hooks)
                for feed_dict in feed.feed_dicts(features, labels, limit):
                    values = hooked.run(fetches, feed_dict)
                    if on_values is not None:
                        on_values(values)
                    if hooked.should_stop():
                        break
                return sess.run(final) if final is not None else None
        finally:
            try:
                with graph.as_default():
                    for h in hooks:
                        h.end(sess)
            finally:
                sess.close()

    # ---- evaluate ------------------------------------------------------------------------
    def evaluate(self, input_fn, steps=None, hooks=None, checkpoint_path=None, name=None):
        """Returns ``{metric: value, "loss": mean batch loss, "global_step": step}`` over the eval data."""
        checkpoint_path = self._require_checkpoint(checkpoint_path)
        feed, graph, global_step, (features, labels), spec, saver = self._build(input_fn, ModeKeys.EVAL)
        updates = tuple(update for _, update in spec.eval_metric_ops.values())
        all_hooks = list(hooks or []) + list(spec.evaluation_hooks)
        with graph.as_default():
            for h in all_hooks:
                h.begin()
        losses = []
        final = ({k: v for k, (v, _) in spec.eval_metric_ops.items()}, global_step)
        metrics, step = self._run_loop(feed, graph, saver, all_hooks, (spec.loss, updates), features, labels,
                                       checkpoint_path, True, steps, lambda v: losses.append(float(v[0])), final)
        results = {k: _python_value(v) for k, v in metrics.items()}
        results["loss"] = float(np.mean(losses)) if losses else float("nan")
        results["global_step"] = int(step)
        if self._config.is_chief:
            self._write_eval_summary(results, int(step), name)
        log.info("Saving dict for global step %d: %s", step, results)
        return results

    def _write_eval_summary(self, results, step, name):
        directory = os.path.join(self._model_dir, "eval" if not name else "eval_" + name)
        writer = summary.FileWriterCache.get(directory)
        values = [summary.Summary.Value(tag=k, simple_value=float(v)) for k, v in results.items()
                  if k != "global_step" and np.ndim(v) == 0]
        writer.add_summary(summary.Summary(value=values), step)
        writer.flush()

    # ---- predict ------------------------------------------------------------------------
    def predict(self, input_fn, predict_keys=None, hooks=None, checkpoint_path=None, yield_single_examples=True):
        """Yields predictions (dicts, or arrays when ``predictions`` is a tensor) one example at a time."""
        feed = InputFeed(input_fn, ModeKeys.PREDICT, self.params, self._config)
        path = self._require_checkpoint(checkpoint_path)
        sess, predictions, (features, labels) = self._warm_predictor(feed, path)
        fetches = predictions
        if predict_keys is not None:
            if not isinstance(predictions, dict):
                raise ValueError("predict_keys needs model_fn's predictions to be a dict.")
            keys = [predict_keys] if isinstance(predict_keys, str) else list(predict_keys)
            missing = set(keys) - set(predictions)
            if missing:
                raise ValueError("Expected to run at least one output from %s, provided %s." % (
                    sorted(predictions), sorted(missing)))
            fetches = {k: predictions[k] for k in keys}
        hooked = HookedSession(sess, list(hooks or []))
        for feed_dict in feed.feed_dicts(features, labels):
            out = hooked.run(fetches, feed_dict)
            if not yield_single_examples:
                yield out
                continue
            if isinstance(out, dict):
                n = len(next(iter(out.values())))
                for i in range(n):
                    yield {k: v[i] for k, v in out.items()}
            else:
                yield from out
            if hooked.should_stop():
                return

    def _warm_predictor(self, feed, path):
        """The cached (session, predictions, placeholders) for this checkpoint and input signature."""
        key = (path, checkpoint_mtime(path), feed.signature)
        if self._predictor is not None and self._predictor[0] == key:
            return self._predictor[1:]
        if self._predictor is not None:
            self._predictor[1].close()
        graph = Graph()
        with graph.as_default():
            graph.seed = self._config.tf_random_seed
            train.get_or_create_global_step()
            features, labels = feed.placeholders(graph)
            spec = call_with_supported(self._model_fn, features=features, labels=None, mode=ModeKeys.PREDICT,
                                       params=self.params, config=self._config)
            saver = train.Saver()
        sess = self._session(graph, saver, path, restore_required=True)
        self._predictor = (key, sess, spec.predictions, (features, labels))
        return self._predictor[1:]


def _python_value(v):
    v = np.asarray(v)
    return v.item() if v.ndim == 0 else v
