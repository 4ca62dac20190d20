"""``kf.test.Benchmark``: TF1's base class for op benchmarks (``run_op_benchmark``, ``report_benchmark``).

Results are logged through ``kf.logging`` (INFO) in TF's words and kept in ``self.reported`` so a script can read
them; TF's protobuf report files (``TEST_REPORT_FILE_PREFIX``) are not written.

Example:
    >>> class MatMulBenchmark(kf.test.Benchmark):
    ...     def benchmark_matmul(self):
    ...         with kf.Session() as sess:
    ...             a = kf.random_normal([512, 512])
    ...             result = self.run_op_benchmark(sess, kf.matmul(a, a), min_iters=20)
    ...         print(result["wall_time"])
"""
import inspect
import time

import numpy as np

from kflow.engine.default_session import get_default_session
from kflow.platform import tf_logging


class Benchmark:
    """Times ops (``run_op_benchmark``) and reports figures (``report_benchmark``), as ``tf.test.Benchmark``."""

    def __init__(self):
        self.reported = []  # the entries reported so far, as dicts

    def _default_name(self):
        for frame in inspect.stack()[2:]:
            if frame.function.startswith("benchmark"):
                return "%s.%s" % (type(self).__name__, frame.function)
        return type(self).__name__

    def report_benchmark(self, iters=None, cpu_time=None, wall_time=None, throughput=None, extras=None, name=None,
                         metrics=None):
        """Records one result (times in seconds) and logs it; ``name`` defaults to ``Class.benchmark_method``."""
        entry = {"name": name or self._default_name(), "iters": iters, "cpu_time": cpu_time, "wall_time": wall_time,
                 "throughput": throughput, "extras": dict(extras or {}), "metrics": list(metrics or [])}
        self.reported.append(entry)
        figures = ", ".join("%s: %s" % (k, entry[k]) for k in ("iters", "cpu_time", "wall_time", "throughput")
                            if entry[k] is not None)
        tf_logging.info("Benchmark [%s] %s%s", entry["name"], figures,
                        (" extras: %s" % entry["extras"]) if entry["extras"] else "")
        return entry

    def run_op_benchmark(self, sess, op_or_tensor, feed_dict=None, burn_iters=2, min_iters=10, store_trace=False,
                         store_memory_usage=True, name=None, extras=None, mbs=0):
        """Runs ``op_or_tensor`` ``burn_iters`` times untimed, then ``min_iters`` timed runs; reports and returns
        ``{"name", "iters", "wall_time" (median seconds per run), "extras"}`` (plus ``throughput`` in MB/s when
        ``mbs`` megabytes move per run)."""
        if min_iters < 1:
            raise ValueError("run_op_benchmark: min_iters must be >= 1, got %d" % min_iters)
        for _ in range(burn_iters):
            sess.run(op_or_tensor, feed_dict=feed_dict)
        deltas = []
        for _ in range(min_iters):
            start = time.perf_counter()
            sess.run(op_or_tensor, feed_dict=feed_dict)
            deltas.append(time.perf_counter() - start)
        wall_time = float(np.median(deltas))
        throughput = mbs / wall_time if mbs and wall_time > 0 else None
        entry = self.report_benchmark(iters=min_iters, wall_time=wall_time, throughput=throughput, extras=extras,
                                      name=name or self._default_name())
        out = {"name": entry["name"], "iters": min_iters, "wall_time": wall_time, "extras": entry["extras"]}
        if throughput is not None:
            out["throughput"] = throughput
        return out

    def evaluate(self, tensors):
        """The values of ``tensors`` in the default session."""
        sess = get_default_session()
        if sess is None:
            raise ValueError("Benchmark.evaluate needs a default session (`with sess.as_default():`)")
        return sess.run(tensors)
