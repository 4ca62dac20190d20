"""Momentum (heavy-ball or Nesterov): ``accum = momentum * accum + grad; var -= lr * accum``.

With ``use_nesterov=True`` the step is ``var -= lr * (grad + momentum * accum)``, as in TF.

Example:
    >>> opt = kf.train.MomentumOptimizer(0.01, momentum=0.9, use_nesterov=True)
    >>> opt.minimize(loss); opt.get_slot(w, "momentum").name
    'w/Momentum:0'
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.train import compiled_updates
from kflow.train.fused_update import fused_update, update_op
from kflow.train.optimizer import Optimizer

APPLY_MOMENTUM = update_op("ApplyMomentum")  # the Nesterov variant is another rule, as TF's attr


class MomentumOptimizer(Optimizer):
    """``tf.train.MomentumOptimizer(learning_rate, momentum, use_locking=False, name="Momentum",
    use_nesterov=False)``; slot "momentum" per variable."""

    def __init__(self, learning_rate, momentum, use_locking=False, name="Momentum", use_nesterov=False):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._momentum = momentum
        self._use_nesterov = use_nesterov

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "momentum", self._name)

    def _prepare(self):
        self._lr = self._hyper(self._learning_rate)
        self._mom = self._hyper(self._momentum)

    def _apply_dense(self, grad, var):
        rule = _nesterov_rule if self._use_nesterov else _rule
        return fused_update(APPLY_MOMENTUM, var, grad, [self.get_slot(var, "momentum")], [self._lr, self._mom],
                            rule, scratch=1, use_locking=self._use_locking)

    # TF's sparse update: the same rule on the gradient's rows only (fused_update takes the IndexedSlices)
    _apply_sparse = _apply_dense


@encodable_by_name
def _rule(var, accum, grad, lr, momentum, tmp):
    if compiled_updates.run("momentum", (var, accum, grad), (lr, momentum)):
        return
    accum *= momentum
    accum += grad
    np.multiply(accum, lr, out=tmp)
    var -= tmp


@encodable_by_name
def _nesterov_rule(var, accum, grad, lr, momentum, tmp):
    if compiled_updates.run("nesterov_momentum", (var, accum, grad), (lr, momentum)):
        return
    accum *= momentum
    accum += grad
    np.multiply(accum, momentum, out=tmp)
    tmp += grad
    tmp *= lr
    var -= tmp
