"""``kf.train.QueueRunner``: threads that run a queue's enqueue ops until its input is exhausted.

Each enqueue op gets a thread calling ``sess.run(enqueue_op)`` in a loop. When its input ends
(``OutOfRangeError``: the epochs ran out) or the queue closes (``CancelledError``), the thread exits, and the
last one to exit closes the queue, so consumers drain it and then get ``OutOfRangeError``. Any other error is
handed to the coordinator (which stops every thread and re-raises it from ``join``), and is recorded on the
queue, so a dequeue waiting on it raises instead of hanging. With a coordinator, one more thread closes the
queue (cancelling pending enqueues) as soon as a stop is requested.

Example:
    >>> qr = kf.train.QueueRunner(queue, [enqueue_op] * 4)
    >>> kf.train.add_queue_runner(qr)
    >>> threads = kf.train.start_queue_runners(sess, coord)
"""
import threading
import weakref

from kflow import errors
from kflow.engine import graph as graph_mod
from kflow.engine.default_session import get_default_session
from kflow.engine.graph import GraphKeys
from kflow.platform import tf_logging


class QueueRunner:
    """Runs ``enqueue_ops`` of ``queue`` in threads (one per op; repeat an op for more threads).

    Args:
        queue: the queue the ops fill.
        enqueue_ops: ops (or tensors) to run repeatedly.
        close_op: run when the last thread ends (default: ``queue.close()``).
        cancel_op: run when the coordinator stops (default: ``queue.close(cancel_pending_enqueues=True)``).
        queue_closed_exception_types: errors that end a thread normally (default: OutOfRangeError,
            CancelledError).
    """

    def __init__(self, queue=None, enqueue_ops=None, close_op=None, cancel_op=None,
                 queue_closed_exception_types=None, queue_runner_def=None, import_scope=None):
        if queue is None or not enqueue_ops:
            raise ValueError("QueueRunner needs a queue and a non-empty list of enqueue ops")
        self._queue = queue
        self._enqueue_ops = list(enqueue_ops)
        self._close_op = close_op if close_op is not None else queue.close()
        self._cancel_op = cancel_op if cancel_op is not None else queue.close(cancel_pending_enqueues=True)
        self._closed_types = tuple(queue_closed_exception_types or (errors.OutOfRangeError, errors.CancelledError))
        self._lock = threading.Lock()
        self._runs_per_session = weakref.WeakKeyDictionary()
        self._exceptions_raised = []

    queue = property(lambda self: self._queue)
    enqueue_ops = property(lambda self: list(self._enqueue_ops))
    close_op = property(lambda self: self._close_op)
    cancel_op = property(lambda self: self._cancel_op)
    queue_closed_exception_types = property(lambda self: self._closed_types)

    @property
    def name(self):
        return self._queue.name

    @property
    def exceptions_raised(self):
        """Errors that ended threads, when no coordinator was given."""
        return list(self._exceptions_raised)

    def create_threads(self, sess, coord=None, daemon=False, start=False):
        """Threads running the enqueue ops in ``sess`` (plus one closing the queue when ``coord`` stops).

        Returns no threads when this runner's threads still run in ``sess``.
        """
        with self._lock:
            if self._runs_per_session.get(sess, 0) > 0:
                return []
            self._runs_per_session[sess] = len(self._enqueue_ops)
            self._exceptions_raised = []
        state = self._queue.session_state(sess)
        threads = []
        for op in self._enqueue_ops:
            state.feeder_started()
            threads.append(threading.Thread(target=self._run, args=(sess, op, coord, state), daemon=daemon,
                                            name="QueueRunnerThread-%s" % self.name))
        if coord is not None:
            threads.append(threading.Thread(target=self._close_on_stop, args=(sess, coord), daemon=daemon,
                                            name="QueueRunnerCloser-%s" % self.name))
        for t in threads:
            if coord is not None:
                coord.register_thread(t)
            if start:
                t.start()
        return threads

    def _run(self, sess, enqueue_op, coord, state):
        error = None
        try:
            while not (coord is not None and coord.should_stop()):
                sess.run(enqueue_op)
        except self._closed_types:
            pass  # the input ran out or the queue closed: a normal end
        except Exception as e:  # noqa: BLE001 - every other error is reported, never lost
            if getattr(sess, "_closed", False):
                return  # the session ended under the thread: nothing left to report to
            error = e
            if coord is not None:
                coord.request_stop(e)
            else:
                tf_logging.error("Exception in QueueRunner for queue '%s': %s: %s", self.name, type(e).__name__, e)
                with self._lock:
                    self._exceptions_raised.append(e)
        finally:
            with self._lock:
                self._runs_per_session[sess] = left = self._runs_per_session.get(sess, 1) - 1
            state.feeder_ended(error)
            if left == 0 and error is None:
                self._run_quietly(sess, self._close_op)

    def _close_on_stop(self, sess, coord):
        coord.wait_for_stop()
        self._run_quietly(sess, self._cancel_op)

    @staticmethod
    def _run_quietly(sess, op):
        try:
            if not getattr(sess, "_closed", False):
                sess.run(op)
        except (errors.OpError, RuntimeError):
            pass  # the session closed meanwhile


def add_queue_runner(qr, collection=GraphKeys.QUEUE_RUNNERS):
    """Adds ``qr`` to the graph's queue runners, which ``start_queue_runners`` starts."""
    graph_mod.get_default_graph().add_to_collection(collection, qr)


def start_queue_runners(sess=None, coord=None, daemon=True, start=True, collection=GraphKeys.QUEUE_RUNNERS):
    """Starts the threads of every queue runner in the graph of ``sess`` (default: the default session).

    Returns:
        The list of started threads (give it to ``coord.join``).

    Raises:
        ValueError: no session is given and there is no default session.
    """
    if sess is None:
        sess = get_default_session()
        if sess is None:
            raise ValueError("start_queue_runners: no session given and no default session; pass the session "
                             "(kf.train.start_queue_runners(sess, coord)) or call it inside `with sess:`")
    threads = []
    for qr in sess.graph.get_collection(collection):
        threads.extend(qr.create_threads(sess, coord=coord, daemon=daemon, start=start))
    return threads
