"""``kf.train.ClusterSpec``: the jobs of a TF1 cluster and the addresses of their tasks, with TF's semantics.

kflow runs a cluster as one MPI job (``kflow.distribute.Server``): the tasks, flattened in job-name order and
then task-index order (:meth:`ClusterSpec.task_rank`), are the ranks of ``mpiexec``; the addresses are kept
for TF compatibility but no sockets are opened.

Example:
    >>> cluster = ClusterSpec({"ps": ["ps0:2222"], "worker": ["w0:2222", "w1:2222"]})
    >>> cluster.jobs, cluster.num_tasks("worker"), cluster.task_address("worker", 1)
    (['ps', 'worker'], 2, 'w1:2222')
    >>> cluster.task_rank("worker", 0)
    1
"""


class ClusterSpec:
    """Args:
        cluster: ``{job_name: [address, ...]}`` or ``{job_name: {task_index: address}}`` (sparse), or a
            ClusterSpec.

    Raises:
        TypeError: ``cluster`` is none of those, or a task index is not an int.
    """

    def __init__(self, cluster):
        if isinstance(cluster, ClusterSpec):
            cluster = cluster.as_dict()
        if not isinstance(cluster, dict):
            raise TypeError("ClusterSpec takes a dict {job_name: [addresses] or {task_index: address}} or a "
                            "ClusterSpec; got %r." % type(cluster).__name__)
        self._jobs = {}
        for job, tasks in cluster.items():
            if isinstance(tasks, (list, tuple)):
                tasks = dict(enumerate(tasks))
            elif not isinstance(tasks, dict):
                raise TypeError("The tasks of job %r must be a list of addresses or a dict {task_index: "
                                "address}; got %r." % (job, type(tasks).__name__))
            for index in tasks:
                if not isinstance(index, int):
                    raise TypeError("Task index %r of job %r is not an int." % (index, job))
            self._jobs[str(job)] = dict(sorted(tasks.items()))

    def __bool__(self):
        return bool(self._jobs)

    def __eq__(self, other):
        return isinstance(other, ClusterSpec) and self._jobs == other._jobs

    def __ne__(self, other):
        return not self == other

    def __repr__(self):
        return "ClusterSpec(%r)" % self.as_dict()

    def as_dict(self):
        """``{job: [addresses]}``, or ``{job: {index: address}}`` for a job whose indices are not 0..n-1."""
        out = {}
        for job, tasks in self._jobs.items():
            dense = list(tasks) == list(range(len(tasks)))
            out[job] = list(tasks.values()) if dense else dict(tasks)
        return out

    @property
    def jobs(self):
        """The job names, sorted."""
        return sorted(self._jobs)

    def _tasks(self, job_name):
        try:
            return self._jobs[job_name]
        except KeyError:
            raise ValueError("No such job in cluster: %r" % (job_name,)) from None

    def num_tasks(self, job_name):
        """The number of tasks of ``job_name``."""
        return len(self._tasks(job_name))

    def task_indices(self, job_name):
        """The task indices of ``job_name``, sorted."""
        return list(self._tasks(job_name))

    def task_address(self, job_name, task_index):
        """The address of task ``task_index`` of ``job_name``.

        Raises:
            ValueError: no such job or task.
        """
        tasks = self._tasks(job_name)
        try:
            return tasks[task_index]
        except KeyError:
            raise ValueError("No task with index %r in job %r" % (task_index, job_name)) from None

    def job_tasks(self, job_name):
        """The addresses of ``job_name``'s tasks by index (None where a sparse job has no task)."""
        tasks = self._tasks(job_name)
        out = [None] * (max(tasks) + 1 if tasks else 0)
        for index, address in tasks.items():
            out[index] = address
        return out

    # ---- kflow: the MPI mapping ----------------------------------------------------------------
    def num_all_tasks(self):
        """The number of tasks of all jobs: the number of MPI ranks the cluster runs on."""
        return sum(len(t) for t in self._jobs.values())

    def task_rank(self, job_name, task_index):
        """The MPI rank of a task: tasks flattened in job-name order, then task-index order.

        Raises:
            ValueError: no such job or task.
        """
        self.task_address(job_name, task_index)
        rank = 0
        for job in self.jobs:
            if job == job_name:
                return rank + self.task_indices(job).index(task_index)
            rank += len(self._jobs[job])

    def rank_task(self, rank):
        """``(job_name, task_index)`` of MPI rank ``rank`` (the inverse of :meth:`task_rank`)."""
        for job in self.jobs:
            indices = self.task_indices(job)
            if rank < len(indices):
                return job, indices[rank]
            rank -= len(indices)
        raise ValueError("Rank is beyond the %d tasks of %r" % (self.num_all_tasks(), self))
