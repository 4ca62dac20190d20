"""SwapEMAWeights: evaluate, predict (and with ``swap_on_epoch``, checkpoint) with the moving averages of an
optimizer made with ``use_ema=True``, as Keras 3's callback.

Example:
    >>> model.compile(kf.keras.optimizers.SGD(0.1, use_ema=True), "mse")
    >>> model.fit(x, y, validation_data=(xv, yv), callbacks=[kf.keras.callbacks.SwapEMAWeights()])
"""
from kflow.keras import backend as K
from kflow.keras.callbacks.base import Callback
from kflow.keras.optimizers import swap_ema_weights


class SwapEMAWeights(Callback):
    """Puts the EMA weights into the model for each evaluation and prediction (fit's validation included) and
    takes them out after; with ``swap_on_epoch`` also from each epoch's end to the next epoch's start, so
    callbacks after this one (ModelCheckpoint) see the EMA weights."""

    def __init__(self, swap_on_epoch=False):
        super().__init__()
        self.swap_on_epoch = swap_on_epoch
        self._ema_in_model = False

    def _swap(self):
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is None or not getattr(optimizer, "use_ema", False):
            raise ValueError("SwapEMAWeights needs a model compiled with an optimizer made with use_ema=True")
        if optimizer.ema_averages:  # none yet before the first training step
            swap_ema_weights(optimizer)
            self._ema_in_model = not self._ema_in_model

    def _to_ema(self):
        if not self._ema_in_model:
            self._swap()

    def _from_ema(self):
        if self._ema_in_model:
            self._swap()

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._from_ema()

    def on_epoch_end(self, epoch, logs=None):
        if not self.swap_on_epoch:
            return
        self._to_ema()
        if self._ema_in_model and epoch == self.params.get("epochs", 0) - 1:
            # fit then makes the averages the weights: the averages (swapped out) must hold the EMA values
            averages = self.model.optimizer.ema_averages
            K.batch_set_value([(a, value) for (_, a), value in
                               zip(averages, K.batch_get_value([v for v, _ in averages]))])
            self._ema_in_model = False

    def on_test_begin(self, logs=None):
        self._to_ema()

    def on_test_end(self, logs=None):
        self._from_ema()

    def on_predict_begin(self, logs=None):
        self._to_ema()

    def on_predict_end(self, logs=None):
        self._from_ema()
