"""The process world: which process of a multi-process (MPI) job this one is, for every tier to read.

``kflow.distribute.init()`` installs its world here; the packages below ``distribute`` (Keras ``fit``,
the Estimator) read it to write files only on the chief, to shard their input and to average logged
metrics over processes, without importing ``distribute`` (which stands above them). With nothing
installed this is a world of one process: rank 0 of 1, the chief.

Example:
    >>> rank(), size(), is_chief()
    (0, 1, True)
"""
import numpy as np

_installed = []  # the world object of kflow.distribute (rank, size, allreduce_sum), when initialized


def install(world):
    """Makes ``world`` (an object with ``rank``, ``size`` and ``allreduce_sum(array)``) this process's world."""
    del _installed[:]
    if world is not None:
        _installed.append(world)


def current():
    """The installed world, or None in a single-process run."""
    return _installed[0] if _installed else None


def rank():
    return _installed[0].rank if _installed else 0


def size():
    return _installed[0].size if _installed else 1


def is_chief():
    """True on rank 0 (the only process that writes checkpoints, summaries and progress)."""
    return rank() == 0


def all_ranks(flag):
    """True when ``flag`` is true on every process. A collective: every process must call it, as often."""
    if size() == 1:
        return bool(flag)
    return int(_installed[0].allreduce_sum(np.array([1.0 if flag else 0.0]))[0]) == size()


def average_logs(logs, count=1, names=None):
    """``logs`` (name -> float) averaged over the processes, each weighted by its ``count``.

    A collective: every process must call it, with the same ``names`` (default: the keys of ``logs``); a
    process with no samples passes ``count=0`` and its missing values weigh nothing.
    """
    names = sorted(logs) if names is None else sorted(names)
    if size() == 1 or not names:
        return dict(logs)
    if not logs:
        count = 0
    local = np.array([logs.get(n, 0.0) * count for n in names] + [count], dtype=np.float64)
    total = _installed[0].allreduce_sum(local)
    if total[-1] == 0:
        return dict(logs)
    return {n: float(v / total[-1]) for n, v in zip(names, total[:-1])}
