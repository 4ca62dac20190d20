"""Adagrad (Duchi et al. 2011): ``accum += g*g; var -= lr * g / sqrt(accum)``.

Example:
    >>> opt = kf.train.AdagradOptimizer(0.1, initial_accumulator_value=0.1)
    >>> opt.minimize(loss); opt.get_slot(w, "accumulator").name
    'w/Adagrad:0'
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.train import compiled_updates
from kflow.train.fused_update import fused_update, update_op
from kflow.train.optimizer import Optimizer

APPLY_ADAGRAD = update_op("ApplyAdagrad")


class AdagradOptimizer(Optimizer):
    """``tf.train.AdagradOptimizer(learning_rate, initial_accumulator_value=0.1, use_locking=False,
    name="Adagrad")``; slot "accumulator" per variable.

    Raises:
        ValueError: ``initial_accumulator_value`` is not positive.
    """

    def __init__(self, learning_rate, initial_accumulator_value=0.1, use_locking=False, name="Adagrad"):
        if initial_accumulator_value <= 0.0:
            raise ValueError("initial_accumulator_value must be positive: %s" % initial_accumulator_value)
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate
        self._initial_accumulator_value = initial_accumulator_value

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, self._initial_accumulator_value, "accumulator", self._name)

    def _prepare(self):
        self._lr = self._hyper(self._learning_rate)

    def _apply_dense(self, grad, var):
        return fused_update(APPLY_ADAGRAD, var, grad, [self.get_slot(var, "accumulator")], [self._lr], _rule,
                            scratch=1, use_locking=self._use_locking)

    # TF's sparse update: the same rule on the gradient's rows only (fused_update takes the IndexedSlices)
    _apply_sparse = _apply_dense


@encodable_by_name
def _rule(var, accum, grad, lr, tmp):
    if compiled_updates.run("adagrad", (var, accum, grad), (lr,)):
        return
    np.multiply(grad, grad, out=tmp)
    accum += tmp
    np.sqrt(accum, out=tmp)
    np.divide(grad, tmp, out=tmp)
    tmp *= lr
    var -= tmp
