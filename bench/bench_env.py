"""What the training benchmarks share: running under both BLAS settings, and peak memory of a run.

``in_both_blas_settings()`` makes a benchmark run twice, each time in a child process: once with
``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` unset (OpenBLAS picks its kernel, as on a user's machine) and once
with the machine's values, printing the kernel OpenBLAS reports under each (and whether kflow's optimizer
updates run as compiled loops). These variables must reach
OpenBLAS before numpy loads it, hence the child processes. ``PeakRSS`` samples the process's resident memory
during a run, so each implementation's peak above its starting point can be printed beside its time.

Peak memory is compared in fresh processes (``fresh_process_peak``): measured one run after another in one
process, the figures depend on the order, since memory an earlier run freed stays with the process (glibc
keeps it) and a later run reuses it without raising the RSS. PyTorch's fit_mnist CNN read +51 MB after its
MLP and +147-166 MB in a fresh process.

Example:
    >>> in_both_blas_settings()        # first thing in main(): returns only inside the children
    >>> name = peak_child()            # in a child started by fresh_process_peak: what to measure
    >>> if name:
    ...     return report_peak_of(runners[name])
    >>> fresh_process_peak("kflow", ["--batch", "32"])    # in the parent: MB, or None if the child failed
"""
import os
import subprocess
import sys
import threading
import time

CHILD_VARIABLE = "KFLOW_BENCH_BLAS_SETTING"
PEAK_VARIABLE = "KFLOW_BENCH_PEAK_OF"
BLAS_VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def blas_settings():
    """``[(label, environment), ...]`` for the two settings: the BLAS variables unset (as on a user's machine),
    then this machine's environment as it is."""
    machine = ", ".join("%s=%s" % (v, os.environ[v]) for v in BLAS_VARIABLES if v in os.environ) or "none set"
    unset = {k: v for k, v in os.environ.items() if k not in BLAS_VARIABLES}
    return [("BLAS env unset (user machine)", unset), ("machine BLAS env (%s)" % machine, dict(os.environ))]


def in_both_blas_settings():
    """In the parent: reruns this script (same arguments) in both settings, then exits. In a child: returns."""
    if os.environ.get(CHILD_VARIABLE):
        # kflow is imported only here, in a child that runs kflow: the helpers above also serve scripts whose
        # other children run under an interpreter without kflow (TensorFlow's, for tf1_deep_mnist.py)
        from kflow.engine import blas_threads
        from kflow.train import compiled_updates
        updates = "compiled loops" if compiled_updates.is_enabled() else "numpy passes (C extension %s)" % (
            "switched off" if compiled_updates.kernels else "not built")
        print("[%s] OpenBLAS kernel: %s; optimizer updates: %s" % (os.environ[CHILD_VARIABLE],
                                                                 blas_threads.core_name(), updates), flush=True)
        return
    for label, env in blas_settings():
        print("=== %s" % label, flush=True)
        subprocess.run([sys.executable] + sys.argv, env=dict(env, **{CHILD_VARIABLE: label}))
    sys.exit(0)


def _rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


class PeakRSS:
    """Peak resident memory above the value at entry, sampled every ``interval`` seconds (Linux; else 0)."""

    def __init__(self, interval=0.002):
        self.interval = interval
        self.peak_mb = 0.0

    def __enter__(self):
        try:
            self._start = _rss_bytes()
        except OSError:
            self._start = None
            return self
        self._peak = self._start
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while not self._done.is_set():
            self._peak = max(self._peak, _rss_bytes())
            time.sleep(self.interval)

    def __exit__(self, *exc):
        if self._start is None:
            return
        self._done.set()
        self._thread.join()
        self._peak = max(self._peak, _rss_bytes())
        self.peak_mb = (self._peak - self._start) / 2 ** 20


def fresh_process_peak(name, extra_args=()):
    """Peak resident memory (MB) of one run of ``name`` in a new process: this script again, with ``extra_args``
    after its own arguments and ``peak_child()`` returning ``name`` there; None (and a line saying why) if the
    child fails. The child's baseline is taken after its imports and data loading."""
    out = subprocess.run([sys.executable] + sys.argv + list(extra_args), capture_output=True, text=True,
                         env=dict(os.environ, **{PEAK_VARIABLE: name}))
    lines = [line for line in out.stdout.splitlines() if line.startswith("peak ")]
    if out.returncode or not lines:
        print("  (peak memory of %s: child failed: %s)" % (name, (out.stderr.strip().splitlines() or
                                                                  ["no output"])[-1]))
        return None
    return float(lines[-1].split()[1])


def peak_text(peak_mb):
    """How the benches print a ``fresh_process_peak`` result: "  peak RSS +N MB (fresh process)", or "" for None."""
    return "  peak RSS +%.0f MB (fresh process)" % peak_mb if peak_mb is not None else ""


def peak_child():
    """In a child started by ``fresh_process_peak``: the name of what to run once and measure; else None."""
    return os.environ.get(PEAK_VARIABLE) or None


def report_peak_of(run):
    """In the child: calls ``run()`` and prints its peak RSS above the start, the answer ``fresh_process_peak``
    reads."""
    with PeakRSS() as mem:
        run()
    print("peak %.1f" % mem.peak_mb, flush=True)
