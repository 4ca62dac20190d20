"""Keras callbacks for data-parallel ``fit`` (Horovod's): same start, averaged metrics, learning-rate warmup.

Example:
    >>> callbacks = [kd.BroadcastGlobalVariablesCallback(0), kd.MetricAverageCallback(),
    ...              kd.LearningRateWarmupCallback(warmup_epochs=2)]
    >>> model.fit(x, y, batch_size=64, epochs=5, callbacks=callbacks)
"""
from kflow.distribute.variable_broadcast import broadcast_variables
from kflow.engine import graph as graph_mod
from kflow.engine import process_world
from kflow.engine.graph_session import get_session
from kflow.keras.callbacks.base import Callback
from kflow.keras.callbacks.learning_rate import get_lr, set_lr


class BroadcastGlobalVariablesCallback(Callback):
    """At the start of training, gives every variable of the model's graph (weights, optimizer state) its
    value on rank ``root_rank``, so all ranks start from the same weights."""

    def __init__(self, root_rank=0):
        super().__init__()
        self.root_rank = root_rank
        self._op = None

    def on_train_begin(self, logs=None):
        graph = self.model.weights[0].graph
        if self._op is None:
            with graph.as_default():
                self._op = broadcast_variables(graph.get_collection(graph_mod.GraphKeys.GLOBAL_VARIABLES),
                                               self.root_rank)
        get_session(graph).run(self._op)


class MetricAverageCallback(Callback):
    """At each epoch's end, replaces the logged metrics by their mean over the ranks (before callbacks
    listed after it, History included, read them), so every rank logs and decides on the same numbers."""

    def on_epoch_end(self, epoch, logs=None):
        if logs:
            logs.update(process_world.average_logs(logs))


class LearningRateWarmupCallback(Callback):
    """Ramps the learning rate from ``initial_lr / size`` up to ``initial_lr`` over ``warmup_epochs``
    epochs, batch by batch (Goyal et al., 2017: large global batches need a gentle start).

    Args:
        warmup_epochs: epochs of the ramp.
        steps_per_epoch: batches per epoch (default: fit's ``params["steps"]``).
        initial_lr: the rate reached after the ramp (default: the optimizer's rate when training starts,
            typically the single-process rate times ``size()``).
        verbose: 1 prints the rate at the end of the warmup (rank 0 only).
    """

    def __init__(self, warmup_epochs=5, steps_per_epoch=None, initial_lr=None, verbose=0):
        super().__init__()
        self.warmup_epochs = warmup_epochs
        self.steps_per_epoch = steps_per_epoch
        self.initial_lr = initial_lr
        self.verbose = verbose
        self.current_epoch = 0

    def on_train_begin(self, logs=None):
        if self.initial_lr is None:
            self.initial_lr = get_lr(self.model)
        if self.steps_per_epoch is None:
            self.steps_per_epoch = self.params.get("steps")
        if not self.steps_per_epoch:
            raise ValueError("LearningRateWarmupCallback needs steps_per_epoch (fit could not tell the number "
                             "of batches per epoch).")

    def on_epoch_begin(self, epoch, logs=None):
        self.current_epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self.current_epoch >= self.warmup_epochs:
            return
        progress = self.current_epoch + float(batch) / self.steps_per_epoch
        size = process_world.size()
        set_lr(self.model, self.initial_lr / size * (progress * (size - 1) / self.warmup_epochs + 1))

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.warmup_epochs - 1:
            set_lr(self.model, self.initial_lr)
            if self.verbose and process_world.is_chief():
                print("Epoch %d: finished gradual learning rate warmup to %g." % (epoch + 1, self.initial_lr))
        if logs is not None:
            logs["lr"] = get_lr(self.model)
