"""TensorBoard: writes epoch (or batch) scalars, weight histograms and the graph to an event file.

Everything is computed in Python from the logs and ``model.get_weights()`` and written
with ``kf.summary.FileWriter``, so the callback adds no ops to the model's graph.

Example:
    >>> tb = TensorBoard(log_dir="logs/run1", histogram_freq=1)
    >>> model.fit(x, y, epochs=5, callbacks=[tb])
    $ tensorboard --logdir logs
"""
from kflow.keras.callbacks.base import Callback
from kflow.summary import FileWriter, Summary
from kflow.summary.histogram import histogram_proto

_NOT_SCALARS = ("batch", "size")


class TensorBoard(Callback):
    """Args:
        log_dir: directory of the event file.
        histogram_freq: epochs between weight histograms (0: none).
        write_graph: write the model's graph once, at the start.
        update_freq: "epoch", "batch", or an int: write batch-level scalars every that many samples.
    """

    writes_files = True  # in a multi-process run, fit keeps it on rank 0 only

    def __init__(self, log_dir="./logs", histogram_freq=0, batch_size=32, write_graph=True, write_grads=False,
                 write_images=False, update_freq="epoch", **kwargs):
        super().__init__()
        if write_grads or write_images:
            raise NotImplementedError("TensorBoard(write_grads/write_images) is not supported by kflow.")
        self.log_dir = log_dir
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.update_freq = update_freq
        self.writer = None
        self._samples_seen = 0
        self._samples_at_last_write = 0
        self._total_batches = 0

    def set_model(self, model):
        super().set_model(model)
        if self.writer is None:
            self.writer = FileWriter(self.log_dir, graph=model.graph if self.write_graph else None)

    def _write_scalars(self, logs, step, prefix=""):
        values = [Summary.Value(tag=prefix + k, simple_value=float(v)) for k, v in logs.items()
                  if k not in _NOT_SCALARS and _is_scalar(v)]
        if values:
            self.writer.add_summary(Summary(value=values), step)

    def on_train_batch_end(self, batch, logs=None):
        if self.update_freq == "epoch" or self.writer is None:
            return
        logs = logs or {}
        self._samples_seen += logs.get("size", 1)
        self._total_batches += 1
        if self.update_freq == "batch" or \
                self._samples_seen - self._samples_at_last_write >= self.update_freq:
            self._write_scalars(logs, self._total_batches, prefix="batch_")
            self._samples_at_last_write = self._samples_seen

    def on_epoch_end(self, epoch, logs=None):
        if self.writer is None:
            return
        self._write_scalars(logs or {}, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            values = [Summary.Value(tag=w.name.replace(":", "_"), histo=histogram_proto(v))
                      for w, v in zip(self.model.weights, self.model.get_weights())]
            if values:
                self.writer.add_summary(Summary(value=values), epoch)
        self.writer.flush()

    def on_train_end(self, logs=None):
        if self.writer is not None:
            self.writer.close()
            self.writer = None


def _is_scalar(v):
    try:
        float(v)
        return True
    except (TypeError, ValueError):
        return False
