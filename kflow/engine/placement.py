"""Device placement: which backend (CPU numpy / GPU CuPy) runs each op.

Rules, as in TF1 with soft placement:
  * an op's ``kf.device(...)`` request wins when that device exists;
  * a GPU request without a GPU falls back to the CPU (``allow_soft_placement``) or raises;
  * ops declared ``host_only`` (strings, Python iterators, file I/O) and string outputs run on the CPU;
  * variable updates run where their variable lives;
  * unrequested ops go to the GPU when one is available, else the CPU.
Values cross devices only at feeds, fetches and edges between differently placed ops.

Example:
    >>> parse_device("/gpu:0")
    ('GPU', 0)
"""
from kflow import errors
from kflow.engine import devices
from kflow.engine.device_spec import parse_fields

def parse_device(spec):
    """Returns ``(kind, index)`` for a device string, or None when it requests no device: "" or a task alone
    ("/job:worker/task:1", whose task kflow.distribute runs the op on; a device function's "/job:ps/task:0").

    Raises:
        ValueError: for a string that names no CPU or GPU device.
    """
    if not spec:
        return None
    device = parse_fields(spec).get("device")
    if device is None:
        return None
    kind, _, index = device.partition(":")
    if kind not in ("CPU", "GPU") or not (index or "0").isdigit():
        raise ValueError("Unknown device specification %r; use '/cpu:0' or '/gpu:0' (or '/device:GPU:0')" % spec)
    return kind, int(index or 0)


def parse_task(spec):
    """``(job, task_index)`` named by a device string ("/job:worker/task:1/cpu:0" -> ("worker", 1)); the task
    index is None when only the job is named, and the result None when no job is."""
    fields = parse_fields(spec)
    if "job" not in fields:
        return None
    return fields["job"], int(fields["task"]) if "task" in fields else None


def device_name(kind, index=0):
    return "/job:localhost/replica:0/task:0/device:%s:%d" % (kind, index)


class Placer:
    """Assigns a device to each op of a session's graph, memoized per op."""

    def __init__(self, allow_soft_placement=True, gpu=None):
        self.gpu = gpu if gpu is not None else devices.gpu_backend()
        self.allow_soft_placement = allow_soft_placement
        self._memo = {}

    def place(self, op):
        """Returns ``(kind, index)`` for ``op``."""
        placed = self._memo.get(op)
        if placed is None:
            placed = self._memo[op] = self._decide(op)
        return placed

    def _decide(self, op):
        var = op.attrs.get("var") if op.attrs else None
        if var is not None:
            return self.place(var)  # updates are colocated with their variable
        requested = parse_device(op.device)
        host_only = op.op_def.host_only or any(t.dtype.name == "string" for t in op.outputs)
        if requested is not None and requested[0] == "GPU":
            if self.gpu is None or host_only:
                if not self.allow_soft_placement:
                    raise errors.InvalidArgumentError(
                        None, op, "Cannot assign a device for operation '%s' (%s): it requests %s but %s. Set "
                        "ConfigProto(allow_soft_placement=True) to fall back to the CPU." % (
                            op.name, op.type, op.device,
                            "no GPU is available" if self.gpu is None else "it has no GPU kernel"))
                return ("CPU", 0)
            return requested
        if requested is not None:
            return requested
        if self.gpu is not None and not host_only:
            return ("GPU", 0)
        return ("CPU", 0)

    def backend_for(self, placed):
        return self.gpu if placed[0] == "GPU" else devices.CPU
