"""The per-session contents of a queue: elements, capacity, closing, and the waits of enqueue and dequeue.

One :class:`QueueState` lives in ``session.resources`` for each queue a session uses. Kernels of the queue's
ops (run by ``Session.run`` in any thread) call it; waits honour the run's deadline (``RunOptions``) and end
when the queue is closed or the session closes, so a dequeue never hangs on a queue nobody will fill:

- closed and too few elements left: ``OutOfRangeError``;
- fed by queue runners that were never started in this session: ``FailedPreconditionError`` at once;
- the runners feeding it all died of an error: that error;
- the session closed: ``CancelledError``.

Example:
    >>> state = QueueState("q", capacity=10, rng=None)
    >>> state.put([(np.float32(1),)])
    >>> state.take(1, allow_smaller=False)
    [(1.0,)]
"""
import threading

from kflow import errors
from kflow.engine import run_options


class QueueState:
    """Elements (tuples of arrays) of one queue in one session.

    Args:
        name: the queue's name, for messages.
        capacity: most elements held; ``put`` waits for room.
        rng: a ``numpy.random.Generator`` for a random shuffle queue (dequeues take random elements), else None.
        min_after_dequeue: a shuffle queue keeps this many elements after a dequeue until it is closed.
        runner_check: ``callable() -> str or None``: why a wait on the empty queue would never end
            (queue runners that exist but were not started), or None.
    """

    def __init__(self, name, capacity, rng=None, min_after_dequeue=0, runner_check=None):
        self.name = name
        self.capacity = capacity
        self.rng = rng
        self.min_after_dequeue = min_after_dequeue if rng is not None else 0
        self.runner_check = runner_check
        self.items = []
        self.closed = False
        self.cancelled = False  # the session closed
        self.enqueues_cancelled = False  # close(cancel_pending_enqueues=True)
        self.feeders = 0  # queue-runner threads started on this queue in this session
        self.feeder_error = None  # the error that ended the last running feeder, if any
        self._started_feeders = False
        self._cond = threading.Condition()

    # ---- enqueue ---------------------------------------------------------
    def put(self, rows, op=None):
        """Appends ``rows`` (tuples of component arrays) one by one, waiting for room.

        Raises:
            CancelledError: the queue is closed, or is closed with ``cancel_pending_enqueues`` while waiting.
        """
        with self._cond:
            if self.closed:
                raise errors.CancelledError(None, op, "Queue '%s' is closed (enqueue of %d element(s) refused)"
                                            % (self.name, len(rows)))
            for row in rows:
                while True:
                    if self.cancelled or self.enqueues_cancelled:  # a plain close lets pending enqueues finish
                        raise errors.CancelledError(
                            None, op, "Queue '%s' was closed with its pending enqueues cancelled" % self.name)
                    if len(self.items) < self.capacity:
                        break
                    run_options.wait(self._cond, "enqueue into the full queue '%s' (capacity %d)"
                                     % (self.name, self.capacity), op)
                self.items.append(row)
                self._cond.notify_all()

    # ---- dequeue ---------------------------------------------------------
    def take(self, n, allow_smaller, op=None):
        """Removes ``n`` elements (fewer, at least one, when ``allow_smaller`` and the queue is closed).

        Raises:
            OutOfRangeError: the queue is closed and holds fewer elements than required.
        """
        with self._cond:
            while True:
                available = len(self.items) - (0 if self.closed else self.min_after_dequeue)
                if available >= n:
                    return self._pop(n)
                if self.closed:
                    if allow_smaller and self.items:
                        return self._pop(len(self.items))
                    raise errors.OutOfRangeError(
                        None, op, "Queue '%s' is closed and has insufficient elements (requested %d, current "
                        "size %d)" % (self.name, n, len(self.items)))
                self._check_can_fill(op)
                run_options.wait(self._cond, "dequeue %d element(s) from queue '%s' (size %d)"
                                 % (n, self.name, len(self.items)), op)

    def _pop(self, n):
        items = self.items
        if self.rng is None:
            out = items[:n]
            del items[:n]
        else:
            out = []
            for _ in range(n):
                i = int(self.rng.integers(len(items)))
                items[i], items[-1] = items[-1], items[i]
                out.append(items.pop())
        self._cond.notify_all()
        return out

    def _check_can_fill(self, op):
        if self.cancelled:
            raise errors.CancelledError(None, op, "Queue '%s': the session was closed" % self.name)
        if self.feeder_error is not None and self.feeders == 0:
            # the feeder's error class (an InvalidArgumentError stays one), never the OutOfRangeError that loops
            # take for the normal end of input
            error = self.feeder_error
            cls = type(error) if isinstance(error, errors.OpError) else errors.UnknownError
            raise cls(None, op, "Queue '%s' will get no more elements: the queue runner feeding it failed with "
                      "%s: %s" % (self.name, type(error).__name__, error))
        if not self._started_feeders and self.runner_check is not None:
            why = self.runner_check()
            if why:
                raise errors.FailedPreconditionError(None, op, why)

    # ---- feeders and closing -------------------------------------------------
    def feeder_started(self):
        with self._cond:
            self.feeders += 1
            self._started_feeders = True

    def feeder_ended(self, error=None):
        with self._cond:
            self.feeders -= 1
            if error is not None:
                self.feeder_error = error
            self._cond.notify_all()

    def size(self):
        with self._cond:
            return len(self.items)

    def close_queue(self, cancel_pending_enqueues=False):
        """No more enqueues; waiting and later dequeues drain what is left, then raise ``OutOfRangeError``."""
        with self._cond:
            self.closed = True
            if cancel_pending_enqueues:
                self.enqueues_cancelled = True
            self._cond.notify_all()

    def close(self):
        """The session closed: every wait ends with ``CancelledError``."""
        with self._cond:
            self.cancelled = True
            self._cond.notify_all()
