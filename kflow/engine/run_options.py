"""``RunOptions`` / ``RunMetadata`` for ``Session.run``, and the deadline that blocking kernels honour.

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


class RunOptions:
    """Options of one ``Session.run`` call; kflow reads ``timeout_in_ms`` (0: no deadline)."""

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3

    def __init__(self, timeout_in_ms=0, trace_level=0, inter_op_thread_pool=0, output_partition_graphs=False,
                 report_tensor_allocations_upon_oom=False, **kwargs):
        self.timeout_in_ms = timeout_in_ms
        self.trace_level = trace_level
        self.inter_op_thread_pool = inter_op_thread_pool
        self.output_partition_graphs = output_partition_graphs
        self.report_tensor_allocations_upon_oom = report_tensor_allocations_upon_oom


class RunMetadata:
    """Filled by TF with traces; kflow records none (the fields exist so TF1 code runs)."""

    def __init__(self):
        self.step_stats = None
        self.cost_graph = None
        self.partition_graphs = []


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
