"""``kflow.distribute``: data-parallel training over MPI (mpi4py; NCCL through CuPy on GPUs), Horovod-style.

Launch with ``mpiexec -n N python train.py`` (``pip install 'kflow[mpi]'``); in the script::

    import kflow as kf
    import kflow.distribute as kd
    kd.init()
    opt = kd.DistributedOptimizer(kf.train.AdamOptimizer(1e-3 * kd.size()))
    train_op = opt.minimize(loss)
    bcast = kd.broadcast_global_variables(0)   # run once after initialization

Keras: compile with ``kd.DistributedOptimizer(...)``, add ``kd.BroadcastGlobalVariablesCallback(0)``;
``fit`` then shards its input by rank, averages validation metrics and writes files on rank 0 only.
"""
from kflow.distribute.world import (init, shutdown, is_initialized, rank, size, local_rank, local_size)
from kflow.distribute.collective_ops import allreduce, allgather, broadcast, grouped_allreduce
from kflow.distribute.optimizer import DistributedOptimizer, average_gradients
from kflow.distribute.variable_broadcast import (broadcast_variables, broadcast_global_variables,
                                        BroadcastGlobalVariablesHook)
from kflow.distribute.keras_callbacks import (BroadcastGlobalVariablesCallback, MetricAverageCallback,
                                              LearningRateWarmupCallback)
from kflow.distribute.cluster import Server
