"""``kf.RunOptions`` and ``kf.RunMetadata``: TF1's per-run options and the step stats a traced run records.

The messages follow tensorflow/core/protobuf/config.proto and framework/step_stats.proto field for field,
so ``FileWriter.add_run_metadata`` writes what TensorBoard's graph plugin reads (per-node compute time).

Tracing a run (``trace_level`` other than NO_TRACE) runs the plan's traced twin: the same generated code
with each kernel wrapped by a timer (:func:`timed_kernels`), so the untraced path is untouched.

Example:
    >>> opts = kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE)
    >>> meta = kf.RunMetadata()
    >>> sess.run(train_op, options=opts, run_metadata=meta)
    >>> [n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats]
"""
import threading
import time

from kflow.proto.message import Field, Message

_TRACE_LEVELS = {0: "NO_TRACE", 1: "SOFTWARE_TRACE", 2: "HARDWARE_TRACE", 3: "FULL_TRACE"}


class RunOptions(Message):
    """``tf.RunOptions``: ``trace_level`` (NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE) and
    ``timeout_in_ms``."""

    NO_TRACE, SOFTWARE_TRACE, HARDWARE_TRACE, FULL_TRACE = 0, 1, 2, 3
    TraceLevel = type("TraceLevel", (), {name: number for number, name in _TRACE_LEVELS.items()})
    FIELDS = (
        Field(1, "trace_level", "enum", enum=_TRACE_LEVELS),
        Field(2, "timeout_in_ms", "int64"),
        Field(3, "inter_op_thread_pool", "int32"),
        Field(5, "output_partition_graphs", "bool"),
        Field(7, "report_tensor_allocations_upon_oom", "bool"),
    )


class NodeExecStats(Message):
    """One op's execution in a step: start (absolute, microseconds since the epoch) and duration."""

    FIELDS = (
        Field(1, "node_name", "string"), Field(2, "all_start_micros", "int64"),
        Field(3, "op_start_rel_micros", "int64"), Field(4, "op_end_rel_micros", "int64"),
        Field(5, "all_end_rel_micros", "int64"), Field(8, "timeline_label", "string"),
        Field(9, "scheduled_micros", "int64"), Field(10, "thread_id", "uint64"),
        Field(13, "all_start_nanos", "int64"), Field(14, "op_start_rel_nanos", "int64"),
        Field(15, "op_end_rel_nanos", "int64"), Field(16, "all_end_rel_nanos", "int64"),
        Field(17, "scheduled_nanos", "int64"),
    )


class DeviceStepStats(Message):
    """The ops one device ran in a step."""

    FIELDS = (Field(1, "device", "string"), Field(2, "node_stats", "message", repeated=True, message=NodeExecStats))


class StepStats(Message):
    FIELDS = (Field(1, "dev_stats", "message", repeated=True, message=DeviceStepStats),)


class RunMetadata(Message):
    """``tf.RunMetadata``: filled by ``Session.run(..., options=traced, run_metadata=meta)``."""

    FIELDS = (Field(1, "step_stats", "message", message=StepStats),)


def trace_level(options):
    """The trace level ``options`` asks for (``options`` may be None or any object with ``trace_level``)."""
    level = getattr(options, "trace_level", 0) if options is not None else 0
    if isinstance(level, str):
        names = {v: k for k, v in _TRACE_LEVELS.items()}
        if level not in names:
            raise ValueError("RunOptions: unknown trace_level %r (one of %s)" % (level, sorted(names)))
        level = names[level]
    return int(level)


def timed_kernels(kernels, ops, device_names, records):
    """``kernels`` (plan-slot name -> callable) with each op kernel wrapped to append
    ``(op, device, start_ns, end_ns, thread)`` to ``records``; transfers between devices stay as they are."""
    timed = dict(kernels)
    for slot, op in ops.items():
        timed[slot] = _timer(kernels[slot], op, device_names[op], records)
    return timed


def _timer(kernel, op, device, records):
    clock = time.time_ns

    def run(*args):
        start = clock()
        try:
            return kernel(*args)
        finally:
            records.append((op, device, start, clock(), threading.get_ident()))

    return run


def fill_step_stats(run_metadata, records):
    """Adds ``records`` (from :func:`timed_kernels`) to ``run_metadata.step_stats``, one entry per device."""
    by_device = {}
    for d in run_metadata.step_stats.dev_stats:
        by_device[d.device] = d
    for op, device, start, end, thread in records:
        dev = by_device.get(device)
        if dev is None:
            dev = by_device[device] = run_metadata.step_stats.dev_stats.add(device=device)
        ns = end - start
        dev.node_stats.add(
            node_name=op.name, timeline_label="%s = %s(%s)" % (op.name, op.type,
                                                               ", ".join(t.op.name for t in op.inputs)),
            all_start_micros=start // 1000, op_start_rel_micros=0, op_end_rel_micros=ns // 1000,
            all_end_rel_micros=ns // 1000, scheduled_micros=start // 1000, thread_id=thread & 0xFFFFFFFF,
            all_start_nanos=start, op_start_rel_nanos=0, op_end_rel_nanos=ns, all_end_rel_nanos=ns,
            scheduled_nanos=start)
    return run_metadata
