"""MonitoredTrainingSession, MonitoredSession, SingularMonitoredSession, ChiefSessionCreator and Scaffold (TF1).

A monitored session owns a session and a list of hooks. It calls the hooks' ``begin``, finalizes the
:class:`Scaffold` (default init/ready/summary ops and a Saver) and the graph, creates the session (restoring
the latest checkpoint of ``checkpoint_dir`` when there is one, else running the init op), then runs every
``run`` through the hooks (:class:`~kflow.train.session_run_hook.HookedSession`). It stops when a hook asks
(``should_stop()``); an ``OutOfRangeError`` (input exhausted) ends a ``with`` block quietly, as in TF1, and the
hooks' ``end`` runs on close (CheckpointSaverHook saves the last step there).

Single process only: there is no master to connect to (``master`` must be ''), so there are no worker
session creators, and queue runners are not started by the session.

Example:
    >>> global_step = kf.train.get_or_create_global_step()
    >>> train_op = kf.train.AdamOptimizer().minimize(loss, global_step=global_step)
    >>> with kf.train.MonitoredTrainingSession(checkpoint_dir="/tmp/model", save_checkpoint_steps=100,
    ...                                        hooks=[kf.train.StopAtStepHook(last_step=1000)]) as sess:
    ...     while not sess.should_stop():
    ...         sess.run(train_op)
"""
import logging

from kflow import errors
from kflow.engine import graph as graph_mod
from kflow.engine.ops.identity_ops import group
from kflow.engine.session import Session
from kflow.engine.variables import (global_variables, global_variables_initializer, local_variables_initializer,
                                    report_uninitialized_variables)
from kflow.summary.summary_ops import merge_all
from kflow.train.basic_session_run_hooks import CheckpointSaverHook, SummarySaverHook
from kflow.train.checkpoint_file import latest_checkpoint
from kflow.train.saver import Saver
from kflow.train.session_run_hook import HookedSession

log = logging.getLogger("kflow.estimator")
USE_DEFAULT = object()  # MonitoredTrainingSession's "argument not given" (None means "off")
_COLLECTIONS = {"init_op": "init_op", "ready_op": "ready_op", "local_init_op": "local_init_op",
                "summary_op": "summary_op", "saver": "savers"}


class Scaffold:
    """The ops a monitored session needs to create a usable session; defaults are filled by ``finalize``.

    Args:
        init_op: initializes the variables (default ``global_variables_initializer()``), run with
            ``init_feed_dict``, then ``init_fn(scaffold, session)`` if given, when no checkpoint is restored.
        ready_op: lists the uninitialized variables (default ``report_uninitialized_variables()``): must be
            empty once the session is created.
        local_init_op: run after init or restore (default: initializes the local variables).
        summary_op: the summaries SummarySaverHook writes (default ``kf.summary.merge_all()``).
        saver: saves and restores checkpoints (default a Saver over the global variables).

    Each default is created once per graph and kept in a collection ("init_op", "ready_op",
    "local_init_op", "summary_op", "savers"), so two scaffolds of one graph share them, as in TF1.
    """

    def __init__(self, init_op=None, init_feed_dict=None, init_fn=None, ready_op=None, ready_for_local_init_op=None,
                 local_init_op=None, summary_op=None, saver=None, copy_from_scaffold=None):
        if copy_from_scaffold is not None:
            if not isinstance(copy_from_scaffold, Scaffold):
                raise TypeError("copy_from_scaffold must be a Scaffold, got %r" % (copy_from_scaffold,))
            init_op = init_op or copy_from_scaffold.init_op
            init_feed_dict = init_feed_dict or copy_from_scaffold.init_feed_dict
            init_fn = init_fn or copy_from_scaffold.init_fn
            ready_op = ready_op or copy_from_scaffold.ready_op
            local_init_op = local_init_op or copy_from_scaffold.local_init_op
            summary_op = summary_op or copy_from_scaffold.summary_op
            saver = saver or copy_from_scaffold.saver
        self.init_op, self.init_feed_dict, self.init_fn = init_op, init_feed_dict, init_fn
        self.ready_op, self.ready_for_local_init_op = ready_op, ready_for_local_init_op
        self.local_init_op, self.summary_op, self.saver = local_init_op, summary_op, saver
        self._finalized = False

    @property
    def finalized(self):
        return self._finalized

    def finalize(self):
        """Creates the missing ops, then finalizes the default graph (no op may be added afterwards)."""
        if self._finalized:
            return self
        self.init_op = self.init_op or _shared("init_op", global_variables_initializer)
        self.ready_op = self.ready_op if self.ready_op is not None else _shared("ready_op",
                                                                                report_uninitialized_variables)
        self.local_init_op = self.local_init_op or _shared("local_init_op",
                                                           lambda: group(local_variables_initializer()))
        self.summary_op = self.summary_op if self.summary_op is not None else _shared("summary_op", merge_all)
        if self.saver is None and global_variables():
            self.saver = _shared("saver", Saver)
        graph_mod.get_default_graph().finalize()
        self._finalized = True
        return self

    @staticmethod
    def default_local_init_op():
        """The default ``local_init_op``: initializes the local variables."""
        return group(local_variables_initializer())


def _shared(key, make):
    """The op kept in the graph collection for ``key``, made (and kept) on first use; None stays uncached."""
    found = graph_mod.get_collection(_COLLECTIONS[key])
    if found:
        return found[0]
    value = make()
    if value is not None:
        graph_mod.add_to_collection(_COLLECTIONS[key], value)
    return value


class ChiefSessionCreator:
    """Creates a session: restores ``checkpoint_filename_with_path`` or the latest checkpoint of
    ``checkpoint_dir``, else runs the scaffold's init op (and ``init_fn``); then its local init op, and checks
    its ready op."""

    def __init__(self, scaffold=None, master="", config=None, checkpoint_dir=None, checkpoint_filename_with_path=None):
        if master:
            raise ValueError("ChiefSessionCreator: kflow runs in-process; master must be '' (got %r)" % (master,))
        self._scaffold = scaffold or Scaffold()
        self._config = config
        self._checkpoint_dir = checkpoint_dir
        self._checkpoint_path = checkpoint_filename_with_path

    @property
    def scaffold(self):
        return self._scaffold

    def create_session(self):
        scaffold = self._scaffold.finalize()
        sess = Session(graph=graph_mod.get_default_graph(), config=self._config)
        path = self._checkpoint_path or (latest_checkpoint(self._checkpoint_dir) if self._checkpoint_dir else None)
        if path is not None and scaffold.saver is not None:
            scaffold.saver.restore(sess, path)
            log.info("Restored model from %s", path)
        else:
            sess.run(scaffold.init_op, feed_dict=scaffold.init_feed_dict)
            if scaffold.init_fn is not None:
                scaffold.init_fn(scaffold, sess)
        if scaffold.local_init_op is not None:
            sess.run(scaffold.local_init_op)
        if scaffold.ready_op is not None:
            missing = sess.run(scaffold.ready_op)
            if len(missing):
                sess.close()
                raise RuntimeError("Init operations did not make model ready: uninitialized variables %s"
                                   % [m.decode() if isinstance(m, bytes) else m for m in missing])
        return sess


class _MonitoredSession:
    """The shared body of MonitoredSession and SingularMonitoredSession."""

    def __init__(self, session_creator, hooks):
        self._hooks = list(hooks or [])
        self._graph = graph_mod.get_default_graph()
        for hook in self._hooks:
            hook.begin()
        self._sess = session_creator.create_session()
        try:
            for hook in self._hooks:
                hook.after_create_session(self._sess, None)
        except BaseException:
            self._sess.close()
            raise
        self._hooked = HookedSession(self._sess, self._hooks)
        self._closed = False

    @property
    def graph(self):
        return self._graph

    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Runs ``fetches`` with the hooks' extra fetches and feeds (see SessionRunHook)."""
        if self._closed:
            raise RuntimeError("Run called on a closed monitored session.")
        return self._hooked.run(fetches, feed_dict)

    def run_step_fn(self, step_fn):
        """Calls ``step_fn(step_context)``; ``step_context.run_with_hooks`` runs with the hooks,
        ``step_context.session`` is the raw session, ``request_stop()`` stops the loop."""
        return step_fn(_StepContext(self))

    def should_stop(self):
        return self._closed or self._hooked.should_stop()

    def close(self):
        self._close(run_end_hooks=True)

    def _close(self, run_end_hooks):
        if self._closed:
            return
        self._closed = True
        try:
            if run_end_hooks:
                with self._graph.as_default():
                    for hook in self._hooks:
                        hook.end(self._sess)
        finally:
            self._sess.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc_value, traceback):
        # running out of input is how a TF1 input loop ends: hooks finish normally and the error is swallowed
        ends_normally = exc_type is None or issubclass(exc_type, (errors.OutOfRangeError, StopIteration))
        self._close(run_end_hooks=ends_normally)
        return exc_type is not None and ends_normally


class _StepContext:
    def __init__(self, monitored):
        self._monitored = monitored

    @property
    def session(self):
        return self._monitored._sess

    def run_with_hooks(self, *args, **kwargs):
        return self._monitored.run(*args, **kwargs)

    def request_stop(self):
        self._monitored._hooked._should_stop = True


class MonitoredSession(_MonitoredSession):
    """A session with hooks, created by ``session_creator`` (default a :class:`ChiefSessionCreator`).

    Example:
        >>> with kf.train.MonitoredSession(hooks=[kf.train.StopAtStepHook(num_steps=10)]) as sess:
        ...     while not sess.should_stop():
        ...         sess.run(train_op)
    """

    def __init__(self, session_creator=None, hooks=None, stop_grace_period_secs=120):
        super().__init__(session_creator or ChiefSessionCreator(), hooks)


class SingularMonitoredSession(_MonitoredSession):
    """A monitored session for one process, built from a scaffold and a checkpoint directory; ``raw_session()``
    gives the underlying Session."""

    def __init__(self, hooks=None, scaffold=None, master="", config=None, checkpoint_dir=None,
                 stop_grace_period_secs=120, checkpoint_filename_with_path=None):
        super().__init__(ChiefSessionCreator(scaffold, master, config, checkpoint_dir,
                                             checkpoint_filename_with_path), hooks)

    def raw_session(self):
        return self._sess


def MonitoredTrainingSession(master="", is_chief=True, checkpoint_dir=None, scaffold=None, hooks=None,  # noqa: N802
                             chief_only_hooks=None, save_checkpoint_secs=USE_DEFAULT,
                             save_summaries_steps=USE_DEFAULT, save_summaries_secs=USE_DEFAULT, config=None,
                             stop_grace_period_secs=120, log_step_count_steps=100, max_wait_secs=7200,
                             save_checkpoint_steps=USE_DEFAULT, summary_dir=None):
    """A MonitoredSession for training, as TF1's function: with a ``checkpoint_dir`` it restores the latest
    checkpoint and saves every ``save_checkpoint_steps`` steps or ``save_checkpoint_secs`` seconds (default 600
    s) and at the end; summaries (``scaffold.summary_op``, default merge_all) go to ``summary_dir`` (default
    ``checkpoint_dir``) every ``save_summaries_steps`` steps (default 100) or ``save_summaries_secs``.
    Saving hooks need a global step (``kf.train.get_or_create_global_step()``).

    Example:
        >>> with kf.train.MonitoredTrainingSession(checkpoint_dir=d, save_checkpoint_steps=50) as sess:
        ...     while not sess.should_stop():
        ...         sess.run(train_op)
    """
    if not is_chief:
        raise ValueError("MonitoredTrainingSession: kflow runs one in-process chief; is_chief must be True")
    scaffold = scaffold or Scaffold()
    all_hooks = list(chief_only_hooks or []) + list(hooks or [])
    if save_checkpoint_steps is USE_DEFAULT and save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_steps, save_checkpoint_secs = None, 600
    elif save_checkpoint_steps is USE_DEFAULT:
        save_checkpoint_steps = None
    elif save_checkpoint_secs is USE_DEFAULT:
        save_checkpoint_secs = None
    if save_summaries_steps is USE_DEFAULT and save_summaries_secs is USE_DEFAULT:
        save_summaries_steps, save_summaries_secs = 100, None
    elif save_summaries_steps is USE_DEFAULT:
        save_summaries_steps = None
    elif save_summaries_secs is USE_DEFAULT:
        save_summaries_secs = None
    summary_dir = summary_dir or checkpoint_dir
    if summary_dir and (save_summaries_steps or save_summaries_secs):
        all_hooks.append(SummarySaverHook(save_steps=save_summaries_steps or None,
                                          save_secs=None if save_summaries_steps else save_summaries_secs,
                                          output_dir=summary_dir, scaffold=scaffold))
    if checkpoint_dir and (save_checkpoint_steps or save_checkpoint_secs):
        all_hooks.append(CheckpointSaverHook(checkpoint_dir, save_steps=save_checkpoint_steps or None,
                                             save_secs=None if save_checkpoint_steps else save_checkpoint_secs,
                                             scaffold=scaffold))
    creator = ChiefSessionCreator(scaffold, master, config, checkpoint_dir)
    return MonitoredSession(session_creator=creator, hooks=all_hooks, stop_grace_period_secs=stop_grace_period_secs)

