"""The MPI world of a data-parallel job: ``init``, ``rank``, ``size``, ``local_rank``, ``local_size``.

Processes are launched by ``mpiexec`` (``pip install kflow[mpi]`` brings mpi4py and the MPICH wheel,
whose ``mpiexec`` starts them); kflow writes no launcher and no transport of its own. Run without
``mpiexec``, ``init()`` gives a world of one process. ``init`` also makes an uncaught exception on any
rank abort the whole job (``MPI_Abort``), so the other ranks exit with an error instead of waiting
forever in a collective; and, when CuPy sees several GPUs, it selects GPU ``local_rank()``.

Example:
    >>> import kflow.distribute as kd
    >>> kd.init()
    >>> kd.rank(), kd.size()          # under `mpiexec -n 2 python script.py`: (0, 2) and (1, 2)
    (0, 1)
"""
import sys
import threading
import time
import traceback

import numpy as np

from kflow.engine import devices, process_world

ABORT_GRACE_SECONDS = 0.5  # for the failure message to leave before MPI_Abort ends the job

_state = {}  # "world": the initialized _World (one per process)


class _World:
    """The communicators of this process: the whole job and the ranks on this host."""

    def __init__(self, mpi, comm):
        self.mpi = mpi
        self.comm = comm
        self.rank = comm.Get_rank()
        self.size = comm.Get_size()
        self.local_comm = comm.Split_type(mpi.COMM_TYPE_SHARED, key=self.rank)
        self.local_rank = self.local_comm.Get_rank()
        self.local_size = self.local_comm.Get_size()
        self.nccl = None  # built on the first collective over GPU arrays (see nccl.py)
        self.nccl_usable = None

    def allreduce_sum(self, array):
        out = np.empty_like(array)
        self.comm.Allreduce(np.ascontiguousarray(array), out, op=self.mpi.SUM)
        return out

    def abort(self, message):
        sys.stderr.write("kflow.distribute: rank %d of %d failed; aborting all ranks.\n%s\n"
                         % (self.rank, self.size, message))
        sys.stderr.flush()
        # mpiexec relays a rank's output through its process manager, which MPI_Abort tears down: without a
        # moment to pass the message on, the job could end with empty stderr (seen once in a full CI run)
        time.sleep(ABORT_GRACE_SECONDS)
        self.comm.Abort(1)


def init(comm=None):
    """Joins the MPI world (``comm``: an mpi4py communicator, default ``MPI.COMM_WORLD``); idempotent.

    Raises:
        ImportError: mpi4py is missing (install the ``mpi`` extra: ``pip install kflow[mpi]``).
    """
    if "world" in _state:
        return
    try:
        from mpi4py import MPI  # optional dependency: imported by init() only
    except ImportError as e:
        raise ImportError("kflow.distribute needs mpi4py and an MPI library: pip install 'kflow[mpi]' "
                          "(mpi4py + the mpich wheel, which provides mpiexec). (%s)" % e) from e
    world = _World(MPI, comm if comm is not None else MPI.COMM_WORLD)
    _state["world"] = world
    process_world.install(world)
    if world.size > 1:
        _abort_on_uncaught_exceptions(world)
    if devices.cupy_available():
        _select_local_gpu(world)


def _abort_on_uncaught_exceptions(world):
    # A rank that dies while the others sit in a collective would leave them blocked forever.
    def hook(exc_type, exc, tb):
        world.abort("".join(traceback.format_exception(exc_type, exc, tb)))

    def thread_hook(args):
        world.abort("".join(traceback.format_exception(args.exc_type, args.exc_value, args.exc_traceback)))

    sys.excepthook = hook
    threading.excepthook = thread_hook


def _select_local_gpu(world):
    import cupy  # present: cupy_available() said so
    count = cupy.cuda.runtime.getDeviceCount()
    if count > 1:
        cupy.cuda.Device(world.local_rank % count).use()


def shutdown():
    """Leaves the world: later calls need ``init()`` again. (MPI itself finalizes at interpreter exit.)"""
    _state.pop("world", None)
    process_world.install(None)


def is_initialized():
    return "world" in _state


def world():
    """The initialized world.

    Raises:
        ValueError: ``init()`` was not called.
    """
    w = _state.get("world")
    if w is None:
        raise ValueError("kflow.distribute is not initialized: call kflow.distribute.init() first "
                         "(and launch the script with `mpiexec -n N python script.py`).")
    return w


def rank():
    """This process's rank in the job (0 .. size()-1)."""
    return world().rank


def size():
    """The number of processes in the job."""
    return world().size


def local_rank():
    """This process's rank among the processes on its host (selects its GPU)."""
    return world().local_rank


def local_size():
    """The number of processes on this host."""
    return world().local_size
