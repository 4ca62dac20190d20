"""``kf.train.replica_device_setter``: a device function placing variables on parameter-server tasks.

Use it as ``with kf.device(kf.train.replica_device_setter(ps_tasks=2)):``: variable ops go to ``/job:ps/task:K``
(round robin over the tasks), every other op to ``worker_device``. kflow runs one process per MPI rank and
places ops on its own CPU/GPU, so the job/task part records the intent (GraphDef, ``op.device``); a device
type in it (``/device:GPU:0``) is honoured.

Example:
    >>> with kf.device(kf.train.replica_device_setter(ps_tasks=2, worker_device="/job:worker/task:0")):
    ...     w = kf.Variable(kf.zeros([10]))   # w.op.device == "/job:ps/task:0"
    ...     y = w * 2.0                       # y.op.device == "/job:worker/task:0"
"""
from kflow.engine.device_spec import merge_device

STANDARD_PS_OPS = ("Variable", "VariableV2", "AutoReloadVariable", "MutableHashTable", "MutableHashTableV2",
                   "MutableHashTableOfTensors", "MutableHashTableOfTensorsV2", "MutableDenseHashTable",
                   "MutableDenseHashTableV2", "VarHandleOp")


class _RoundRobinStrategy:
    def __init__(self, num_tasks):
        self._num_tasks = num_tasks
        self._next = 0

    def __call__(self, op):
        task = self._next
        self._next = (self._next + 1) % self._num_tasks
        return task


class _ReplicaDeviceChooser:
    def __init__(self, ps_tasks, ps_device, worker_device, merge_devices, ps_ops, ps_strategy):
        self._ps_tasks = ps_tasks
        self._ps_device = ps_device
        self._worker_device = worker_device
        self._merge_devices = merge_devices
        self._ps_ops = ps_ops
        self._ps_strategy = ps_strategy

    def device_function(self, op):
        """The device of ``op``: its own (from inner scopes) completed by the ps or worker device."""
        current = op.device or ""
        if not self._merge_devices and current:
            return current
        if op.type in self._ps_ops:
            ps = self._ps_device
            if self._ps_tasks:
                ps = merge_device("/task:%d" % self._ps_strategy(op), ps)
            return merge_device(current, ps)
        return merge_device(current, self._worker_device or "")


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker", merge_devices=True,
                          cluster=None, ps_ops=None, ps_strategy=None):
    """A device function for ``kf.device``: variables on ps tasks (round robin), other ops on the worker.

    Args:
        ps_tasks: the number of parameter-server tasks (default: the "ps" job's size in ``cluster``).
        cluster: a ``ClusterSpec`` or dict ``{"ps": [...], "worker": [...]}``.
        ps_ops: op types placed on the ps tasks (default: variable ops).
        ps_strategy: ``fn(op) -> task index`` (default: round robin).

    Returns:
        The device function, or None when there are no ps tasks (``kf.device(None)`` changes nothing).
    """
    if cluster is not None:
        jobs = cluster.as_dict() if hasattr(cluster, "as_dict") else dict(cluster)
        ps_job = jobs.get("ps", [])
        ps_tasks = len(ps_job) if not isinstance(ps_job, dict) else len(ps_job)
    if ps_tasks == 0:
        return None
    if ps_strategy is None:
        ps_strategy = _RoundRobinStrategy(ps_tasks)
    chooser = _ReplicaDeviceChooser(ps_tasks, ps_device, worker_device, merge_devices,
                                    tuple(ps_ops) if ps_ops is not None else STANDARD_PS_OPS, ps_strategy)
    return chooser.device_function
