"""FTRL-Proximal (McMahan et al. 2013), TF's default optimizer for linear models (``tf.train.FtrlOptimizer``).

Per element, as TF's ApplyFtrlV2::

    g_s = g + 2 * l2_shrinkage * var
    accum_new = accum + g * g
    linear += g_s - (accum_new ** -p - accum ** -p) / lr * var        # p = learning_rate_power
    quadratic = accum_new ** -p / lr + 2 * l2
    var = (sign(linear) * l1 - linear) / quadratic if |linear| > l1 else 0
    accum = accum_new

Example:
    >>> opt = kf.train.FtrlOptimizer(0.1, l1_regularization_strength=0.01)
    >>> opt.minimize(loss); opt.get_slot(w, "accum").name, opt.get_slot(w, "linear").name
    ('w/Ftrl:0', 'w/Ftrl_1:0')
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.train.fused_update import fused_update, update_op
from kflow.train.optimizer import Optimizer

APPLY_FTRL = update_op("ApplyFtrl")


class FtrlOptimizer(Optimizer):
    """``tf.train.FtrlOptimizer(learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
    l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
    accum_name=None, linear_name=None, l2_shrinkage_regularization_strength=0.0)``; slots "accum" and "linear".

    Raises:
        ValueError: a negative strength, ``learning_rate_power`` > 0 or a negative initial accumulator value.
    """

    def __init__(self, learning_rate, learning_rate_power=-0.5, initial_accumulator_value=0.1,
                 l1_regularization_strength=0.0, l2_regularization_strength=0.0, use_locking=False, name="Ftrl",
                 accum_name=None, linear_name=None, l2_shrinkage_regularization_strength=0.0):
        super().__init__(use_locking, name)
        checks = [(initial_accumulator_value < 0.0, "initial_accumulator_value", initial_accumulator_value),
                  (learning_rate_power > 0.0, "learning_rate_power", learning_rate_power),
                  (l1_regularization_strength < 0.0, "l1_regularization_strength", l1_regularization_strength),
                  (l2_regularization_strength < 0.0, "l2_regularization_strength", l2_regularization_strength),
                  (l2_shrinkage_regularization_strength < 0.0, "l2_shrinkage_regularization_strength",
                   l2_shrinkage_regularization_strength)]
        for bad, what, value in checks:
            if bad:
                raise ValueError("FtrlOptimizer: %s %s is out of range (strengths and the initial accumulator "
                                 "must be >= 0, learning_rate_power <= 0)" % (what, value))
        self._learning_rate = learning_rate
        self._learning_rate_power = learning_rate_power
        self._initial_accumulator_value = initial_accumulator_value
        self._l1 = l1_regularization_strength
        self._l2 = l2_regularization_strength
        self._l2_shrinkage = l2_shrinkage_regularization_strength
        self._accum_name, self._linear_name = accum_name, linear_name

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, self._initial_accumulator_value, "accum", self._accum_name or self._name)
            self._get_or_make_slot(v, 0.0, "linear", self._linear_name or self._name)

    def _prepare(self):
        self._hypers = [self._hyper(h) for h in (self._learning_rate, self._learning_rate_power, self._l1, self._l2,
                                                 self._l2_shrinkage)]

    def _apply_dense(self, grad, var):
        slots = [self.get_slot(var, "accum"), self.get_slot(var, "linear")]
        return fused_update(APPLY_FTRL, var, grad, slots, self._hypers, _rule, scratch=2,
                            use_locking=self._use_locking)

    # TF's sparse update: the same rule on the gradient's rows only (fused_update takes the IndexedSlices)
    _apply_sparse = _apply_dense


@encodable_by_name
def _rule(var, accum, linear, grad, lr, lr_power, l1, l2, l2_shrinkage, new_accum, tmp):
    np.multiply(grad, grad, out=new_accum)
    new_accum += accum
    # sigma = (new_accum ** -p - accum ** -p) / lr
    np.power(new_accum, -lr_power, out=tmp)
    np.power(accum, -lr_power, out=accum)
    tmp -= accum
    tmp /= lr
    tmp *= var
    linear += grad
    if l2_shrinkage:
        linear += 2.0 * l2_shrinkage * var
    linear -= tmp
    accum[...] = new_accum
    # var = (sign(linear) * l1 - linear) / quadratic where |linear| > l1, else 0
    np.power(new_accum, -lr_power, out=tmp)
    tmp /= lr
    tmp += 2.0 * l2
    np.clip(linear, -l1, l1, out=new_accum)
    np.subtract(new_accum, linear, out=var)
    var /= tmp
