"""``kf.train.replica_device_setter``: variables on the parameter-server tasks, the other ops on the worker.

It returns a device function for ``kf.device``: each new op gets ``ps_device/task:i`` when it is a variable
(round-robin over the ``ps`` tasks, in creation order) and ``worker_device`` otherwise, as in TF.

Example:
    >>> with kf.device(kf.train.replica_device_setter(cluster=cluster, worker_device="/job:worker/task:0")):
    ...     w = kf.Variable(kf.zeros([10]))        # "/job:ps/task:0"
    ...     y = w * 2.0                             # "/job:worker/task:0"
"""
PS_OPS = ("Variable", "VariableV2", "VarHandleOp")


def replica_device_setter(ps_tasks=0, ps_device="/job:ps", worker_device="/job:worker", merge_devices=True,
                          cluster=None, ps_ops=None, ps_strategy=None):
    """A device function placing variables on ``ps`` tasks and everything else on ``worker_device``.

    Args:
        ps_tasks: the number of ps tasks (default: the ``ps`` job of ``cluster``).
        cluster: a ``ClusterSpec`` or dict (to count the ps tasks).
        ps_ops: op types placed on the ps tasks (default: variables).
        ps_strategy: ``f(op) -> task index`` (default: round-robin).

    Returns None when there is no ps task (then ``kf.device(None)`` places nothing), as TF does.
    """
    if cluster is not None:
        jobs = cluster.as_dict() if hasattr(cluster, "as_dict") else dict(cluster)
        ps_tasks = len(jobs.get(ps_device.split("/job:")[-1].split("/")[0], ()))
    if not ps_tasks:
        return None
    ps_ops = tuple(ps_ops) if ps_ops is not None else PS_OPS
    counter = [0]

    def round_robin(op):
        task = counter[0] % ps_tasks
        counter[0] += 1
        return task

    strategy = ps_strategy or round_robin

    def device_function(op):
        if op.type in ps_ops:
            return "%s/task:%d" % (ps_device, strategy(op))
        return worker_device or ""

    return device_function
