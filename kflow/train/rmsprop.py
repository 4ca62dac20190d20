"""RMSProp (Hinton's lecture 6e) in TF1's form, optionally centered and with momentum.

Per step: ``ms = decay*ms + (1-decay)*g*g`` (``ms`` starts at 1), ``mom = momentum*mom + lr*g/sqrt(ms + eps)``,
``var -= mom``. Centered: ``mg = decay*mg + (1-decay)*g`` and the denominator is ``sqrt(ms - mg*mg + eps)``.

Example:
    >>> opt = kf.train.RMSPropOptimizer(1e-3, decay=0.9, momentum=0.9, centered=True)
    >>> opt.minimize(loss); opt.get_slot_names()
    ['mg', 'momentum', 'rms']
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.train import compiled_updates
from kflow.train.fused_update import fused_update, update_op
from kflow.train.optimizer import Optimizer

APPLY_RMS_PROP = update_op("ApplyRMSProp")
APPLY_CENTERED_RMS_PROP = update_op("ApplyCenteredRMSProp")


class RMSPropOptimizer(Optimizer):
    """``tf.train.RMSPropOptimizer(learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False,
    centered=False, name="RMSProp")``; slots "rms" ("<var>/RMSProp"), "mg" if centered, "momentum"."""

    def __init__(self, learning_rate, decay=0.9, momentum=0.0, epsilon=1e-10, use_locking=False, centered=False,
                 name="RMSProp"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._decay = decay
        self._momentum = momentum
        self._epsilon = epsilon
        self._centered = centered

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, 1.0, "rms", self._name)
            if self._centered:
                self._zeros_slot(v, "mg", self._name)
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._hypers = [self._hyper(h) for h in (self._learning_rate, self._decay, self._momentum, self._epsilon)]

    def _apply_dense(self, grad, var):
        names = ["rms", "mg", "momentum"] if self._centered else ["rms", "momentum"]
        slots = [self.get_slot(var, n) for n in names]
        rule = _centered_rule if self._centered else _rule
        update = APPLY_CENTERED_RMS_PROP if self._centered else APPLY_RMS_PROP
        return fused_update(update, var, grad, slots, self._hypers, rule, scratch=1, use_locking=self._use_locking)

    # TF's sparse update: the same rule on the gradient's rows only (fused_update takes the IndexedSlices)
    _apply_sparse = _apply_dense


def _update_ms(ms, grad, decay, tmp):
    ms *= decay
    np.multiply(grad, grad, out=tmp)
    tmp *= 1.0 - decay
    ms += tmp


def _step(var, mom, grad, lr, momentum, tmp):
    """``tmp`` holds the denominator's square: finishes ``mom`` and ``var``."""
    np.sqrt(tmp, out=tmp)
    np.divide(grad, tmp, out=tmp)
    tmp *= lr
    mom *= momentum
    mom += tmp
    var -= mom


@encodable_by_name
def _rule(var, ms, mom, grad, lr, decay, momentum, epsilon, tmp):
    if compiled_updates.run("rmsprop", (var, ms, mom, grad), (lr, decay, 1.0 - decay, momentum, epsilon)):
        return
    _update_ms(ms, grad, decay, tmp)
    np.add(ms, epsilon, out=tmp)
    _step(var, mom, grad, lr, momentum, tmp)


@encodable_by_name
def _centered_rule(var, ms, mg, mom, grad, lr, decay, momentum, epsilon, tmp):
    if compiled_updates.run("centered_rmsprop", (var, ms, mg, mom, grad), (lr, decay, 1.0 - decay, momentum, epsilon)):
        return
    _update_ms(ms, grad, decay, tmp)
    mg *= decay
    np.multiply(grad, 1.0 - decay, out=tmp)
    mg += tmp
    np.multiply(mg, mg, out=tmp)
    np.subtract(ms, tmp, out=tmp)
    # ms >= mg*mg in exact arithmetic; rounding, or another thread's update landing between the reads of
    # ms and mg (concurrent Session.run without use_locking), can make it negative: sqrt would give NaN
    np.maximum(tmp, 0.0, out=tmp)
    tmp += epsilon
    _step(var, mom, grad, lr, momentum, tmp)
