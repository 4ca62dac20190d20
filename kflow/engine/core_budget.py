"""How many cores this process can use now: its cores minus those other processes keep busy.

kflow's kernels split a batch over one thread per core, and numpy's BLAS runs one thread per core. On cores
shared with other work that backfires: a part whose core is taken finishes late and every other part waits for
it, and OpenBLAS's idle threads spin while they wait. With one busy process beside it on 2 cores, the MLP epoch
took 2.8x its idle time. So kernels size their splits, and plans their BLAS threads, to the cores actually free.

Linux reports the number of runnable threads of the whole machine (``/proc/loadavg``, 4th field); this
process's own runnable threads (``/proc/self/task/*/stat``) are subtracted, leaving other processes' demand.
A sample costs ~50 us, so it is taken at most every ``SAMPLE_SECONDS``; the estimate is the least demand of the
last ``WINDOW`` samples, so only load that persists (a second or more) makes kflow back off, and a free core
is taken back within a second. Elsewhere (or without /proc) every core counts as free.

Example:
    >>> parts = min(n, core_budget.free_cores())
"""
import os
import threading
import time

SAMPLE_SECONDS = 0.2
WINDOW = 5
_state = {"next": 0.0, "samples": [], "free": None, "contended": False}
_lock = threading.Lock()


def cores():
    """Cores this process may run on (its CPU affinity), capped like BLAS by ``OPENBLAS_NUM_THREADS`` /
    ``OMP_NUM_THREADS`` when set; at least 1."""
    try:
        count = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - platforms without sched_getaffinity
        count = os.cpu_count() or 1
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
        if os.environ.get(var, "").strip().isdigit() and int(os.environ[var]) > 0:
            count = min(count, int(os.environ[var]))
            break
    return max(1, count)


def _machine_runnable():
    with open("/proc/loadavg") as f:
        return int(f.read().split()[3].split("/")[0])


def _own_runnable():
    count = 0
    for task in os.listdir("/proc/self/task"):
        try:
            with open("/proc/self/task/%s/stat" % task) as f:
                # the state follows the command name, which is in parentheses and may hold spaces
                count += f.read().rpartition(")")[2].split()[0] == "R"
        except OSError:  # the thread ended meanwhile
            pass
    return count


def other_demand():
    """Runnable threads of other processes now (a fresh sample; 0 where the system does not say)."""
    try:
        # sample ours last: reading /proc/loadavg counts this (running) thread, which _own_runnable counts too
        machine = _machine_runnable()
        return max(0, machine - max(_own_runnable(), 1))
    except (OSError, ValueError, IndexError):
        return 0


def free_cores():
    """Cores not kept busy by other processes (at least 1, at most ``cores()``), from recent samples."""
    now = time.monotonic()
    if now < _state["next"] and _state["free"] is not None:
        return _state["free"]
    with _lock:
        if now >= _state["next"] or _state["free"] is None:
            samples = _state["samples"]
            samples.append(other_demand())
            del samples[:-WINDOW]
            total = cores()
            _state["free"] = max(1, total - min(samples))
            _state["contended"] = _state["free"] < total
            _state["next"] = now + SAMPLE_SECONDS
    return _state["free"]


def contended():
    """True when other processes keep some of this process's cores busy."""
    free_cores()
    return _state["contended"]
