"""NCCL collectives on GPU buffers through CuPy (``cupy.cuda.nccl``), for ranks that hold CuPy arrays.

One NCCL communicator per world, built on first use: rank 0 makes the unique id and MPI broadcasts it
(as a plain int8 buffer) to the others; after that, reductions go GPU to GPU with no host copy. Each
process drives one GPU, chosen by ``local_rank()`` in ``init()``. Without CuPy this module is inert.

Example:
    >>> nccl.allreduce_sum(world, cupy_array)   # in place, summed over all ranks
"""
import numpy as np

_NCCL_TYPES = {"float16": "NCCL_FLOAT16", "float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64",
               "int32": "NCCL_INT32", "int64": "NCCL_INT64", "uint8": "NCCL_UINT8", "int8": "NCCL_INT8"}

_UID_BYTES = 128  # NCCL_UNIQUE_ID_BYTES: the same on every rank, so rank 0 alone calls get_unique_id


def usable(world):
    """True when every rank on this host has a GPU of its own (NCCL cannot put two ranks on one GPU)."""
    if world.nccl_usable is None:
        try:
            import cupy  # optional: only asked about device arrays
            world.nccl_usable = cupy.cuda.runtime.getDeviceCount() >= world.local_size
        except Exception:  # no CuPy (a test's fake device) or no driver: the host path serves
            world.nccl_usable = False
    return world.nccl_usable


def _communicator(world):
    if world.nccl is None:
        from cupy.cuda import nccl  # optional: only with CuPy arrays
        uid = np.array(nccl.get_unique_id() if world.rank == 0 else [0] * _UID_BYTES, np.int8)
        world.comm.Bcast(uid, root=0)
        world.nccl = (nccl, nccl.NcclCommunicator(world.size, tuple(int(v) for v in uid), world.rank))
    return world.nccl


def _dtype(nccl, array):
    name = _NCCL_TYPES.get(array.dtype.name)
    if name is None:
        raise TypeError("NCCL cannot reduce dtype %s (supported: %s)" % (array.dtype.name, sorted(_NCCL_TYPES)))
    return getattr(nccl, name)


def allreduce_sum(world, flat):
    """Sums the contiguous CuPy array ``flat`` over all ranks, in place."""
    import cupy  # the caller holds a CuPy array
    nccl, comm = _communicator(world)
    stream = cupy.cuda.get_current_stream().ptr
    comm.allReduce(flat.data.ptr, flat.data.ptr, flat.size, _dtype(nccl, flat), nccl.NCCL_SUM, stream)


def broadcast(world, array, root):
    """Overwrites the contiguous CuPy ``array`` with rank ``root``'s, in place."""
    import cupy
    nccl, comm = _communicator(world)
    stream = cupy.cuda.get_current_stream().ptr
    comm.bcast(array.data.ptr, array.size, _dtype(nccl, array), root, stream)
