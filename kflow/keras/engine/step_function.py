"""StepFunction: one ``Session.run`` with fixed feeds and fetches - the compiled train/test/predict step.

The fetch tuple and feed keys never change, so the session compiles the plan on the
first call and every later call reuses it (no graph walk, no new ops).

Example:
    >>> step = StepFunction(sess, [x, y], [loss, acc], updates=[train_op], fixed_feeds={phase: True})
    >>> loss_value, acc_value = step([x_batch, y_batch])
"""
from kflow.engine.ops.control_flow_ops import group


class StepFunction:
    """Args:
        session: the model's session.
        feeds: placeholders, in the order of the arrays passed to ``__call__`` (a None array leaves its
            placeholder unfed, e.g. sample weights that default to ones).
        fetches: tensors whose values are returned.
        updates: ops run with the step (optimizer update, moving averages); grouped into one op.
        fixed_feeds: extra feeds given on every call (the learning-phase flag).
    """

    def __init__(self, session, feeds, fetches, updates=None, fixed_feeds=None):
        self.session = session
        self.feeds = tuple(feeds)
        self.fetches = tuple(fetches)
        self._n = len(self.fetches)
        if updates:
            with session.graph.as_default():
                self.fetches += (group(*updates, name="updates"),)
        self.fixed_feeds = dict(fixed_feeds or {})

    def __call__(self, arrays):
        feed = {k: v for k, v in zip(self.feeds, arrays) if v is not None}
        if self.fixed_feeds:
            feed.update(self.fixed_feeds)
        out = self.session.run(self.fetches, feed)
        return out[:self._n]
