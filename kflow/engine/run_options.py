"""The deadline of a ``Session.run`` call (``kf.RunOptions(timeout_in_ms=...)``) that blocking kernels honour.

(``RunOptions`` and ``RunMetadata`` themselves are TF's messages, in ``run_metadata``.)

``Session.run(..., options=kf.RunOptions(timeout_in_ms=500))`` sets a deadline for the calling thread; a kernel
that waits (a queue's dequeue or enqueue, a reader waiting for a file name) calls :func:`wait` instead of
waiting forever, so the run raises ``DeadlineExceededError`` instead of hanging.
``ConfigProto(operation_timeout_in_ms=...)`` sets the same deadline for every run of a session.

Example:
    >>> try:
    ...     sess.run(queue.dequeue(), options=kf.RunOptions(timeout_in_ms=100))
    ... except kf.errors.DeadlineExceededError:
    ...     print("nothing arrived in 100 ms")
"""
import contextlib
import threading
import time

from kflow import errors

_local = threading.local()
POLL_SECONDS = 0.5  # waits wake this often, so a deadline or a cancellation is noticed without a notify


@contextlib.contextmanager
def deadline_after(timeout_in_ms):
    """Kernels run in this thread inside the block must finish within ``timeout_in_ms``."""
    saved = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + timeout_in_ms / 1000.0
    try:
        yield
    finally:
        _local.deadline = saved


def wait(condition, what, op=None):
    """Waits once on ``condition`` (held by the caller), at most until this thread's deadline.

    Callers loop: ``while not ready: run_options.wait(cond, "dequeue from 'q'")``.

    Raises:
        DeadlineExceededError: the deadline passed; the message says what was waited for.
    """
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        condition.wait(POLL_SECONDS)
        return
    left = deadline - time.monotonic()
    if left <= 0:
        raise errors.DeadlineExceededError(None, op, "Timed out waiting to %s (RunOptions.timeout_in_ms passed)"
                                           % what)
    condition.wait(min(left, POLL_SECONDS))
