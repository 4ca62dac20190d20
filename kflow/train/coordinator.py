"""``kf.train.Coordinator``: lets threads (queue runners, user threads) stop together and report errors.

Example:
    >>> coord = kf.train.Coordinator()
    >>> threads = kf.train.start_queue_runners(sess, coord)
    >>> try:
    ...     while not coord.should_stop():
    ...         sess.run(train_op)
    ... except kf.errors.OutOfRangeError:
    ...     print("done: the epochs ran out")
    ... finally:
    ...     coord.request_stop()
    >>> coord.join(threads)
"""
import contextlib
import sys
import threading
import time

from kflow import errors
from kflow.platform import tf_logging


class Coordinator:
    """Stop flag, first error, and thread joining for a group of threads.

    Args:
        clean_stop_exception_types: exceptions that stop the threads without being re-raised by ``join``
            (default: ``OutOfRangeError``, the normal end of input).
    """

    def __init__(self, clean_stop_exception_types=None):
        self._clean_stop = tuple(clean_stop_exception_types if clean_stop_exception_types is not None
                                 else (errors.OutOfRangeError,))
        self._lock = threading.Lock()
        self._stop_event = threading.Event()
        self._exc_info_to_raise = None
        self._joined = False
        self._registered_threads = set()

    def request_stop(self, ex=None):
        """Asks every thread to stop; ``ex`` (an exception or ``sys.exc_info()``) is re-raised by ``join``
        unless it is a clean-stop type. Only the first error is kept."""
        with self._lock:
            if ex is not None and self._exc_info_to_raise is None and not self._joined:
                exc_info = ex if isinstance(ex, tuple) else (type(ex), ex, ex.__traceback__)
                if not issubclass(exc_info[0], self._clean_stop):
                    self._exc_info_to_raise = exc_info
                    tf_logging.error("Coordinator stopping threads after %s: %s", exc_info[0].__name__, exc_info[1])
            self._stop_event.set()

    def clear_stop(self):
        """Makes ``should_stop`` false again and forgets the recorded error."""
        with self._lock:
            self._joined = False
            self._exc_info_to_raise = None
            self._stop_event.clear()

    def should_stop(self):
        return self._stop_event.is_set()

    @contextlib.contextmanager
    def stop_on_exception(self):
        """Inside the block, an exception requests a stop (recording it) instead of propagating."""
        try:
            yield
        except:  # noqa: E722 - as TF: any exception, SystemExit included, stops the group
            self.request_stop(ex=sys.exc_info())

    def wait_for_stop(self, timeout=None):
        """Waits until a stop is requested; returns whether it was (False on timeout)."""
        return self._stop_event.wait(timeout)

    def register_thread(self, thread):
        with self._lock:
            self._registered_threads.add(thread)

    def join(self, threads=None, stop_grace_period_secs=120, ignore_live_threads=False):
        """Waits for ``threads`` (and the registered ones) after a stop is requested, then re-raises the
        recorded error, if any.

        Raises:
            RuntimeError: threads still run ``stop_grace_period_secs`` after the stop (unless
                ``ignore_live_threads``).
            the first error passed to ``request_stop`` (other than the clean-stop types).
        """
        with self._lock:
            threads = set(threads or ()) | self._registered_threads
        while any(t.is_alive() for t in threads) and not self.wait_for_stop(0.1):
            pass
        deadline = time.monotonic() + stop_grace_period_secs
        for t in threads:
            t.join(max(deadline - time.monotonic(), 0))
        stragglers = [t.name for t in threads if t.is_alive()]
        with self._lock:
            self._joined = True
            self._registered_threads = set()
            exc_info = self._exc_info_to_raise
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])
        if stragglers and not ignore_live_threads:
            raise RuntimeError("Coordinator stopped with threads still running: %s" % " ".join(stragglers))

    @property
    def joined(self):
        return self._joined

    def raise_requested_exception(self):
        """Re-raises the recorded error, if any (without joining)."""
        with self._lock:
            exc_info = self._exc_info_to_raise
        if exc_info is not None:
            raise exc_info[1].with_traceback(exc_info[2])


class LooperThread(threading.Thread):
    """A thread calling ``target(*args)`` every ``timer_interval_secs`` (or back to back) until the coordinator
    stops."""

    def __init__(self, coord, timer_interval_secs, target=None, args=None, kwargs=None):
        super().__init__(daemon=True)
        self._coord = coord
        self._interval = timer_interval_secs
        self._target_fn = target
        self._args = args or ()
        self._kwargs = kwargs or {}
        coord.register_thread(self)

    def run(self):
        with self._coord.stop_on_exception():
            while not self._coord.should_stop():
                self._target_fn(*self._args, **self._kwargs)
                if self._interval and self._coord.wait_for_stop(self._interval):
                    break
