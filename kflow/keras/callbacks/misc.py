"""Small callbacks: TerminateOnNaN and LambdaCallback.

Example:
    >>> log = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    >>> model.fit(x, y, callbacks=[TerminateOnNaN(), log])
"""
import numpy as np

from kflow.keras.callbacks.base import Callback


class TerminateOnNaN(Callback):
    """Stops training as soon as a batch loss is NaN or infinite."""

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not np.isfinite(loss):
            print("Batch %d: Invalid loss, terminating training" % batch)
            self.model.stop_training = True


class LambdaCallback(Callback):
    """A callback from plain functions: ``on_epoch_begin(epoch, logs)``, ``on_batch_end(batch, logs)``,
    ``on_train_begin(logs)``, ``on_train_end(logs)``, ... (each optional)."""

    _HOOKS = ("on_epoch_begin", "on_epoch_end", "on_batch_begin", "on_batch_end", "on_train_begin",
              "on_train_end")

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_batch_begin=None, on_batch_end=None,
                 on_train_begin=None, on_train_end=None, **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_batch_begin=on_batch_begin,
                     on_batch_end=on_batch_end, on_train_begin=on_train_begin, on_train_end=on_train_end)
        given.update(kwargs)  # e.g. on_test_end
        for hook, fn in given.items():
            if fn is not None:
                if not hasattr(Callback, hook):
                    raise ValueError("LambdaCallback: unknown hook %r" % hook)
                setattr(self, hook, fn)
