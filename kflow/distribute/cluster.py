"""``kf.train.Server`` over MPI: each task of a ``ClusterSpec`` is one rank of an ``mpiexec`` job.

TF1 starts one gRPC server per task, each launched by hand with its own address; kflow launches all tasks
at once with ``mpiexec -n <number of tasks>`` and maps them to ranks in job-name order, then task order
(``ClusterSpec.task_rank``). The addresses of the ClusterSpec are kept but never opened. What differs
from TF:

* the number of MPI ranks must equal the number of tasks, and a task's ``Server`` must be made on its rank;
* ``Session(server.target)`` runs on the client's own rank, which is the master: it splits the graph by
  task and sends each task its piece (JSON data, never pickle); tensors cross tasks at the cut edges by
  MPI point-to-point messages (host arrays: GPU values are copied to the host to travel);
* ``Server.join()`` serves pieces until a client's process ends (its exit sends "stop" to every other
  rank), then returns, so ``mpiexec`` can finish; an error on any rank aborts the whole job;
* variables live in the session of the task that holds them, for the client session's lifetime;
  there is no shared state between client sessions (TF's resource containers) and no queue runners.

Example (``mpiexec -n 2 python lecture.py``)::

    cluster = kf.train.ClusterSpec({"local": ["localhost:2222", "localhost:2223"]})
    server = kf.train.Server(cluster, job_name="local", task_index=kd.rank())
    if kd.rank() == 1:
        server.join()
    else:
        with kf.device("/job:local/task:0"):
            a = kf.constant(5); b = a * 10
        with kf.device("/job:local/task:1"):
            c = b + a
        with kf.Session(server.target) as sess:
            print(sess.run(c))      # 55
"""
import atexit

from kflow.distribute import cluster_plan, world as world_mod
from kflow.engine import session as session_mod
from kflow.train.cluster_spec import ClusterSpec

SCHEME = "mpi"
_stopped = []  # this process already told the other ranks to stop serving
session_mod.register_target(SCHEME, cluster_plan.ClusterPlan)


class Server:
    """The task ``(job_name, task_index)`` of ``cluster`` on this MPI rank.

    Args:
        server_or_cluster_def: a ``ClusterSpec`` or its dict.
        job_name / task_index: this process's task (default: the task of this rank).
        protocol, config: accepted for TF compatibility (MPI is the protocol).
        start: accepted for TF compatibility (the server is ready at once).

    Raises:
        ValueError: the cluster's task count differs from the number of ranks, or the task is another rank's.
    """

    def __init__(self, server_or_cluster_def, job_name=None, task_index=None, protocol=None, config=None,
                 start=True):
        world_mod.init()
        self.cluster = ClusterSpec(server_or_cluster_def)
        w = world_mod.world()
        if self.cluster.num_all_tasks() != w.size:
            raise ValueError("The cluster has %d tasks but the MPI job has %d ranks: launch it with `mpiexec -n "
                             "%d` (one rank per task; %r)." % (self.cluster.num_all_tasks(), w.size,
                                                              self.cluster.num_all_tasks(), self.cluster.as_dict()))
        if job_name is None:
            job_name, default_index = self.cluster.rank_task(w.rank)
            task_index = default_index if task_index is None else task_index
        task_index = 0 if task_index is None else task_index
        self.rank = self.cluster.task_rank(job_name, task_index)
        if self.rank != w.rank:
            raise ValueError("Task /job:%s/task:%d is MPI rank %d (tasks are ranked in job-name order, then task "
                             "order), but this process is rank %d." % (job_name, task_index, self.rank, w.rank))
        self.job_name, self.task_index = job_name, task_index
        self._joined = False
        self._was_client = False
        cluster_plan.register_server(self)
        atexit.register(self._stop_others)

    @property
    def target(self):
        """The ``Session`` target running graphs over this cluster from this task."""
        return "%s://job:%s/task:%d" % (SCHEME, self.job_name, self.task_index)

    @property
    def server_def(self):
        return {"cluster": self.cluster.as_dict(), "job_name": self.job_name, "task_index": self.task_index,
                "protocol": SCHEME}

    def start(self):
        """A no-op: the server serves from ``join()``."""

    def join(self):
        """Serves the graph pieces clients send, until a client's process exits."""
        self._joined = True
        cluster_plan.serve()

    def note_client(self):
        self._was_client = True

    def _stop_others(self):
        # A client's exit releases the servers blocked in join(), so mpiexec can end (once per process).
        if self._joined or not self._was_client or not world_mod.is_initialized() or _stopped:
            return
        _stopped.append(True)
        for rank in range(world_mod.size()):
            if rank != self.rank:
                cluster_plan.send_message(rank, {"cmd": "stop"})

    @staticmethod
    def create_local_server(config=None, start=True):
        """A one-task cluster on this process (rank 0 of a one-process run)."""
        return Server({"localhost": ["localhost:0"]}, job_name="localhost", task_index=0)
