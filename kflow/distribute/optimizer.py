"""``DistributedOptimizer``: any kflow or Keras optimizer, with gradients averaged over all ranks.

Gradients are averaged (allreduce, then divide by ``size()``) between ``compute_gradients`` and
``apply_gradients``, so every rank applies the same update and the weights stay identical (start them
equal with ``broadcast_global_variables``). Averaging per-rank means of equal-size batches gives the
gradient of the mean over the global batch: ``mpiexec -n 2`` with per-rank batch B trains like one
process with batch 2B on the same samples.

Fusion: gradients are packed, by dtype and in order, into buckets of at most ``fusion_threshold_bytes``
(64 MiB by default, Horovod's) and each bucket is ONE ``MPIAllreduce`` op: one collective per bucket
instead of one per small tensor. Overlap: none. A plan runs its kernels one after the other in one thread,
and MPICH progresses a non-blocking collective only inside MPI calls, so a reduction could not proceed
behind the backward kernels anyway; each bucket's allreduce runs once its gradients exist.

Example:
    >>> kd.init()
    >>> opt = kd.DistributedOptimizer(kf.train.AdamOptimizer(1e-3 * kd.size()))
    >>> train_op = opt.minimize(loss)
    >>> model.compile(kd.DistributedOptimizer(kf.keras.optimizers.SGD(0.1)), "mse")   # Keras
"""
from kflow import train
from kflow.distribute.collective_ops import grouped_allreduce
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.keras import optimizers as keras_optimizers

FUSION_THRESHOLD_BYTES = 64 * 1024 * 1024


def DistributedOptimizer(optimizer, fusion_threshold_bytes=FUSION_THRESHOLD_BYTES):  # noqa: N802 - Horovod's name
    """Wraps ``optimizer`` (a ``kf.train`` optimizer, a ``kf.keras.optimizers`` one, or a Keras optimizer
    name such as "adam") so that its gradients are averaged over all ranks before each update.

    Raises:
        TypeError: ``optimizer`` is none of those.
    """
    if isinstance(optimizer, str):
        optimizer = keras_optimizers.get(optimizer)
    if isinstance(optimizer, train.Optimizer):
        return _AveragingOptimizer(optimizer, fusion_threshold_bytes)
    if isinstance(optimizer, keras_optimizers.TFOptimizer):
        optimizer.optimizer = _AveragingOptimizer(optimizer.optimizer, fusion_threshold_bytes)
        return optimizer
    if isinstance(optimizer, keras_optimizers.Optimizer):
        return _distributed_keras(optimizer, fusion_threshold_bytes)
    raise TypeError("DistributedOptimizer wraps a kf.train or kf.keras optimizer; got %r." % (optimizer,))


def average_gradients(grads_and_vars, fusion_threshold_bytes=FUSION_THRESHOLD_BYTES):
    """``[(grad, var)]`` with each gradient averaged over the ranks, fused into few collectives."""
    pairs = [(None if g is None else convert_to_tensor(g), v) for g, v in grads_and_vars]
    reduced = {}
    for bucket in _buckets([(i, g) for i, (g, _) in enumerate(pairs) if g is not None], fusion_threshold_bytes):
        outs = grouped_allreduce([g for _, g in bucket], average=True, name="DistributedAllreduce")
        reduced.update((i, out) for (i, _), out in zip(bucket, outs))
    return [(reduced.get(i), v) for i, (_, v) in enumerate(pairs)]


def _buckets(indexed, limit):
    """Consecutive gradients of one dtype grouped up to ``limit`` bytes (unknown sizes go alone)."""
    open_buckets = {}  # dtype -> (bucket, bytes)
    for i, g in indexed:
        n = g.shape.num_elements() if g.shape.is_fully_defined() else None
        nbytes = None if n is None else n * g.dtype.size
        bucket, used = open_buckets.get(g.dtype, ([], 0))
        if bucket and (nbytes is None or used + nbytes > limit):
            yield bucket
            bucket, used = [], 0
        bucket.append((i, g))
        if nbytes is None:
            yield bucket
            bucket, used = [], 0
        open_buckets[g.dtype] = (bucket, used + (nbytes or 0))
    for bucket, _ in open_buckets.values():
        if bucket:
            yield bucket


class _AveragingOptimizer(train.Optimizer):
    """A ``kf.train`` optimizer whose ``compute_gradients`` averages over the ranks; the rest is ``inner``'s."""

    def __init__(self, inner, fusion_threshold_bytes):
        super().__init__(inner._use_locking, "Distributed" + inner.get_name())
        self._inner = inner
        self._fusion_threshold_bytes = fusion_threshold_bytes

    def compute_gradients(self, *args, **kwargs):
        return average_gradients(self._inner.compute_gradients(*args, **kwargs), self._fusion_threshold_bytes)

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        return self._inner.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def get_slot(self, var, name):
        return self._inner.get_slot(var, name)

    def get_slot_names(self):
        return self._inner.get_slot_names()

    def variables(self):
        return self._inner.variables()


def _distributed_keras(optimizer, fusion_threshold_bytes):
    # A subclass of the optimizer's own class that keeps its name (so saved models load back as the plain
    # optimizer, as Horovod does) and wraps the kf.train optimizer it builds.
    base = type(optimizer)
    if getattr(base, "_kflow_distributed", False):
        return optimizer

    def _make(self, lr):
        return _AveragingOptimizer(base._make(self, lr), fusion_threshold_bytes)

    optimizer.__class__ = type(base.__name__, (base,), {"_make": _make, "_kflow_distributed": True,
                                                         "__module__": base.__module__})
    return optimizer
