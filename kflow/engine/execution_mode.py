"""Which mode builds ops: graph mode (ops join a graph, a Session runs them) or eager mode (ops run at once).

The bottom of the engine's eager machinery: one per-thread flag, read by ``make_op`` on every op it builds
(one attribute read, so graph building pays nothing noticeable). The process default is graph mode, as in
TF 1.x; ``kf.enable_eager_execution()`` switches the default; ``eager_mode()`` / ``graph_mode()`` switch it
for a ``with`` block (tests, and ``kf.function`` tracing, which builds a graph while eager is on).

Example:
    >>> with eager_mode():
    ...     executing_eagerly()
    True
"""
import contextlib
import threading

from kflow.engine import blas_threads

_process_default = [False]  # what a thread starts with (kf.enable_eager_execution sets it)


class _ModeState(threading.local):
    def __init__(self):
        self.eager = _process_default[0]


mode = _ModeState()


class _TapeStack(threading.local):
    """The GradientTapes of this thread, outermost first (eager ops and variable reads report to them)."""

    def __init__(self):
        self.tapes = []


tape_stack = _TapeStack()


def executing_eagerly():
    """True when ops built now run at once (``kf.executing_eagerly()``)."""
    return mode.eager


# Eager code runs numpy's BLAS single-threaded (large 2-D products then split over kflow's threads, see
# blas_threads): between eager ops Python runs, and OpenBLAS's idle workers spin meanwhile, fighting the main
# thread for the cores. The eager MNIST MLP step measured 8 ms so, 26-104 ms with BLAS threads (2 busy cores).
_eager_blas = []  # the entered single_threaded() context while eager execution is the process default


def set_process_default(eager):
    """Sets the mode of this thread and of threads started later (``kf.enable_eager_execution``)."""
    _process_default[0] = bool(eager)
    mode.eager = bool(eager)
    if eager and not _eager_blas:
        context = blas_threads.single_threaded()
        context.__enter__()
        _eager_blas.append(context)
    elif not eager and _eager_blas:
        _eager_blas.pop().__exit__(None, None, None)


@contextlib.contextmanager
def _scoped(eager):
    saved = mode.eager
    mode.eager = eager
    try:
        if eager and not saved:
            with blas_threads.single_threaded():
                yield
        else:
            yield
    finally:
        mode.eager = saved


def eager_mode():
    """A ``with`` block in which ops run eagerly (``kf.eager_mode()``)."""
    return _scoped(True)


def graph_mode():
    """A ``with`` block in which ops join the default graph (``kf.graph_mode()``)."""
    return _scoped(False)
