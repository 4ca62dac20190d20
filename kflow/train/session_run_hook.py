"""Session-run hooks: code that runs around every training/evaluation step (``tf.train.SessionRunHook``).

A hook may ask for extra fetches and feeds in ``before_run`` (merged into the same
``Session.run`` as the step), read them in ``after_run``, and stop the loop with
``run_context.request_stop()``. :class:`HookedSession` runs a session with a list of hooks.

Example:
    >>> class CountSteps(SessionRunHook):
    ...     def begin(self):
    ...         self.steps = 0
    ...     def after_run(self, run_context, run_values):
    ...         self.steps += 1
    >>> estimator.train(input_fn, steps=10, hooks=[CountSteps()])
"""
import collections


class SessionRunHook:
    """Base class; every method is an optional no-op."""

    def begin(self):
        """Called once before the session is created; the graph may still be changed here."""

    def after_create_session(self, session, coord):
        """Called once the session exists and variables are initialized or restored."""

    def before_run(self, run_context):
        """Returns None or ``SessionRunArgs(fetches, feed_dict)`` to add to the coming run."""
        return None

    def after_run(self, run_context, run_values):
        """``run_values.results`` holds the values of what ``before_run`` asked for."""

    def end(self, session):
        """Called once at the end (also when the loop stops on request or runs out of input)."""


class SessionRunArgs(collections.namedtuple("SessionRunArgs", ["fetches", "feed_dict", "options"])):
    """Extra fetches (any Session.run structure) and feeds a hook adds to a run."""

    def __new__(cls, fetches, feed_dict=None, options=None):
        return super().__new__(cls, fetches, feed_dict, options)


SessionRunValues = collections.namedtuple("SessionRunValues", ["results", "options", "run_metadata"])


class SessionRunContext:
    """What a hook sees of a run: the original arguments, the session, and a way to stop."""

    def __init__(self, original_args, session):
        self.original_args = original_args
        self.session = session
        self._stop_requested = False

    def request_stop(self):
        self._stop_requested = True

    @property
    def stop_requested(self):
        return self._stop_requested


class HookedSession:
    """Runs ``session`` with ``hooks``: their fetches and feeds ride along with each run.

    Example:
        >>> hooked = HookedSession(sess, [StopAtStepHook(last_step=100)])
        >>> while not hooked.should_stop():
        ...     hooked.run(train_op, feed_dict)
    """

    def __init__(self, session, hooks):
        self.session = session
        self.hooks = list(hooks)
        self._should_stop = False

    def should_stop(self):
        return self._should_stop

    def run(self, fetches, feed_dict=None):
        context = SessionRunContext(SessionRunArgs(fetches, feed_dict), self.session)
        extra, feeds = [], dict(feed_dict or {})
        for hook in self.hooks:
            args = hook.before_run(context)
            extra.append(args.fetches if args is not None else None)
            if args is not None and args.feed_dict:
                clash = set(args.feed_dict) & set(feeds)
                if clash:
                    raise RuntimeError("Same tensor is fed by a SessionRunHook and user: %s" % sorted(
                        getattr(t, "name", str(t)) for t in clash))
                feeds.update(args.feed_dict)
        wanted = [i for i, e in enumerate(extra) if e is not None]
        results = self.session.run((fetches, tuple(extra[i] for i in wanted)), feeds)
        hook_results = dict(zip(wanted, results[1]))
        for i, hook in enumerate(self.hooks):
            hook.after_run(context, SessionRunValues(hook_results.get(i), None, None))
        self._should_stop = self._should_stop or context.stop_requested
        return results[0]
