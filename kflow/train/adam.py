"""Adam (Kingma & Ba 2015) in TF1's form.

Per step: ``lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)``, ``m = beta1*m + (1-beta1)*g``,
``v = beta2*v + (1-beta2)*g*g``, ``var -= lr_t * m / (sqrt(v) + epsilon)``. ``beta1^t`` and
``beta2^t`` are the non-slot variables "beta1_power" and "beta2_power", advanced after all updates.
The dense updates of one ``apply_gradients`` run as one multi-tensor op (``MultiTensorApplyAdam``, see
``multi_tensor_update``); sparse gradients and single variables keep their own ``ApplyAdam`` op.
Where kflow's C extension is built, the update is one compiled loop rounding exactly as these numpy passes
(``compiled_updates``): 4x faster.

Example:
    >>> opt = kf.train.AdamOptimizer(1e-3)
    >>> train_op = opt.minimize(loss)
    >>> [v.name for v in opt.variables()]
    ['beta1_power:0', 'beta2_power:0', 'w/Adam:0', 'w/Adam_1:0']
"""
import math

import numpy as np

from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.graph_json import encodable_by_name
from kflow.engine.ops import control_flow_ops
from kflow.engine.ops.constant_op import constant
from kflow.train import compiled_updates
from kflow.train.fused_update import fused_update, update_op
from kflow.train.multi_tensor_update import group_update, group_update_op
from kflow.train.optimizer import Optimizer

APPLY_ADAM = update_op("ApplyAdam")
APPLY_ADAM_GROUP = group_update_op("MultiTensorApplyAdam")  # all dense variables of a step in one op
ADAM_POWERS = update_op("AdamPowers")


class AdamOptimizer(Optimizer):
    """``tf.train.AdamOptimizer(learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08, use_locking=False,
    name="Adam")``; slots "m" ("<var>/Adam") and "v" ("<var>/Adam_1")."""

    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-08, use_locking=False, name="Adam"):
        super().__init__(use_locking, name)
        self._lr = learning_rate
        self._beta1 = beta1
        self._beta2 = beta2
        self._epsilon = epsilon

    def _create_slots(self, var_list):
        first = min(var_list, key=lambda v: v.name)
        # float64 models keep the bias corrections in float64; others use float32 as TF does
        dtype = dtypes.float64 if first.dtype is dtypes.float64 else dtypes.float32
        for name, beta in (("beta1_power", self._beta1), ("beta2_power", self._beta2)):
            initial = beta if not isinstance(beta, (int, float)) else lambda b=beta: _scalar(b, dtype)
            self._create_non_slot_variable(initial, name, colocate_with=first)
        for v in var_list:
            self._zeros_slot(v, "m", self._name)
            self._zeros_slot(v, "v", self._name)

    def _get_beta_accumulators(self, graph=None):
        graph = graph or graph_mod.get_default_graph()
        return self._get_non_slot_variable("beta1_power", graph), self._get_non_slot_variable("beta2_power", graph)

    def _prepare(self):
        self._lr_t = self._hyper(self._lr)
        self._beta1_t = self._hyper(self._beta1)
        self._beta2_t = self._hyper(self._beta2)
        self._epsilon_t = self._hyper(self._epsilon)

    def _apply_dense(self, grad, var):
        b1p, b2p = self._get_beta_accumulators(var.graph)
        return fused_update(APPLY_ADAM, var, grad, [self.get_slot(var, "m"), self.get_slot(var, "v")],
                            [self._lr_t, b1p, b2p, self._beta1_t, self._beta2_t, self._epsilon_t], _rule, scratch=1,
                            use_locking=self._use_locking)

    def _apply_dense_group(self, grads, variables):
        if type(self)._apply_dense is not AdamOptimizer._apply_dense:
            return None  # a subclass's own per-variable update must run for every variable
        b1p, b2p = self._get_beta_accumulators(variables[0].graph)
        slots = [[self.get_slot(v, "m"), self.get_slot(v, "v")] for v in variables]
        return group_update(APPLY_ADAM_GROUP, variables, grads, slots,
                            [self._lr_t, b1p, b2p, self._beta1_t, self._beta2_t, self._epsilon_t], _rule, scratch=1,
                            use_locking=self._use_locking)

    def _finish(self, update_ops, name_scope):
        b1p, b2p = self._get_beta_accumulators(update_ops[0].graph if update_ops else None)
        with graph_mod.control_dependencies(update_ops), graph_mod.device(b1p.device):
            powers = fused_update(ADAM_POWERS, b1p, None, [b2p], [self._beta1_t, self._beta2_t], _powers_rule,
                                  name="update_beta_powers", use_locking=self._use_locking)
        return control_flow_ops.group(*update_ops, powers, name=name_scope)


def _scalar(value, dtype):
    return constant(value, dtype=dtype)


@encodable_by_name
def _rule(var, m, v, grad, lr, beta1_power, beta2_power, beta1, beta2, epsilon, tmp):
    lr_t = lr * math.sqrt(1.0 - beta2_power) / (1.0 - beta1_power)
    if compiled_updates.run("adam", (var, m, v, grad), (lr_t, beta1, 1.0 - beta1, beta2, 1.0 - beta2, epsilon)):
        return
    m *= beta1
    np.multiply(grad, 1.0 - beta1, out=tmp)
    m += tmp
    v *= beta2
    np.multiply(grad, grad, out=tmp)
    tmp *= 1.0 - beta2
    v += tmp
    scaled_step(var, v, m, lr_t, epsilon, tmp)


def scaled_step(var, acc, grad, lr, epsilon, tmp):
    """``var -= lr * grad / (sqrt(acc) + epsilon)`` in place, through the scratch buffer ``tmp``: Adam's step (``grad``
    the first moment, ``acc`` the second) and Adagrad-style rules'."""
    np.sqrt(acc, out=tmp)
    tmp += epsilon
    np.divide(grad, tmp, out=tmp)
    tmp *= lr
    var -= tmp


@encodable_by_name
def _powers_rule(beta1_power, beta2_power, beta1, beta2):
    beta1_power *= beta1
    beta2_power *= beta2
