"""Keras 3's AMSGrad (Adam/AdamW with ``amsgrad=True``), Ftrl, Lion and Adafactor updates.

AMSGrad, Ftrl and Lion are elementwise: one fused in-place op per variable (as ``update_rules``). Adafactor
factors the second moment of a matrix into row and column means and scales by the variable's RMS, so its
update needs whole-tensor reductions: it is built from graph ops instead.

Example:
    >>> KerasLion(1e-4, beta_1=0.9, beta_2=0.99).minimize(loss)
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.control_flow_ops import group
from kflow.engine.ops.reduction_ops import reduce_mean
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.variables import Variable
from kflow.keras.update_rules import _adam_moments, _KerasRule
from kflow.train import compiled_updates
from kflow.train.adam import scaled_step
from kflow.train.fused_update import update_op
from kflow.train.optimizer import Optimizer


class KerasAMSGrad(_KerasRule):
    """Adam keeping the running maximum of ``v`` (Reddi et al. 2018), as Keras's ``amsgrad=True``: first
    ``p -= decay * p`` (AdamW's decoupled decay; 0 for Adam), then ``m += (g - m)(1 - b1);
    v += (g*g - v)(1 - b2); v_hat = max(v_hat, v); p -= lr_t * m / (sqrt(v_hat) + eps)``; ``lr_t`` is the
    bias-corrected rate (a tensor of the step count)."""

    _hyper_names, _slot_names, _update = ("decay", "beta_1", "beta_2", "epsilon"), ("m", "v", "vhat"), \
        update_op("KerasApplyAMSGrad")

    @staticmethod
    @encodable_by_name
    def _rule(var, m, v, vhat, grad, lr_t, decay, beta_1, beta_2, epsilon, tmp):
        if compiled_updates.run("keras_amsgrad", (var, m, v, vhat, grad), (lr_t, decay, 1.0 - beta_1, 1.0 - beta_2,
                                                                           epsilon)):
            return
        if decay:
            np.multiply(var, decay, out=tmp)
            var -= tmp
        _adam_moments(m, v, grad, beta_1, beta_2, tmp)
        np.maximum(vhat, v, out=vhat)
        scaled_step(var, vhat, m, lr_t, epsilon, tmp)


class KerasFtrl(_KerasRule):
    """Follow-the-regularized-leader (McMahan et al. 2013), as Keras 3's Ftrl: with ``n`` (accumulator, starting
    at ``initial_accumulator_value``) and ``z`` (linear): ``g' = g + 2*l2_shrinkage*p; n' = n + g*g;
    z += g' - (n'^-k - n^-k)/lr * p; p = (clip(z, -l1, l1) - z) / (n'^-k/lr + 2*l2)`` with ``k`` the
    ``learning_rate_power`` and ``l2`` already holding ``beta / (2 lr)``."""

    _hyper_names, _slot_names, _update = ("lr_power", "l1", "l2", "l2_shrinkage"), ("accumulator", "linear"), \
        update_op("KerasApplyFtrl")

    def __init__(self, learning_rate, initial_accumulator_value=0.1, **hypers):
        super().__init__(learning_rate, **hypers)
        self._initial_accumulator_value = float(initial_accumulator_value)

    def _create_slots(self, var_list):
        for v in var_list:
            self._get_or_make_slot(v, self._initial_accumulator_value, "accumulator", self._name)
            self._zeros_slot(v, "linear", self._name)

    @staticmethod
    @encodable_by_name
    def _rule(var, accum, linear, grad, lr, lr_power, l1, l2, l2_shrinkage, tmp):
        new_accum = accum + grad * grad
        new_power = np.power(new_accum, -lr_power)
        np.multiply(var, 2.0 * l2_shrinkage, out=tmp)
        tmp += grad
        linear += tmp
        linear -= (new_power - np.power(accum, -lr_power)) / lr * var
        quadratic = new_power / lr + 2.0 * l2
        np.clip(linear, -l1, l1, out=tmp)
        tmp -= linear
        np.divide(tmp, quadratic, out=var)
        accum[...] = new_accum


class KerasLion(_KerasRule):
    """Lion (Chen et al. 2023, "Symbolic Discovery of Optimization Algorithms"), as Keras 3:
    ``p -= lr * sign(b1*m + (1 - b1)*g); m = b2*m + (1 - b2)*g``."""

    _hyper_names, _slot_names, _update = ("beta_1", "beta_2"), ("momentum",), update_op("KerasApplyLion")

    @staticmethod
    @encodable_by_name
    def _rule(var, m, grad, lr, beta_1, beta_2, tmp):
        if compiled_updates.run("keras_lion", (var, m, grad), (lr, beta_1, 1.0 - beta_1, beta_2, 1.0 - beta_2)):
            return
        np.multiply(m, beta_1, out=tmp)
        tmp += grad * (1.0 - beta_1)
        np.sign(tmp, out=tmp)
        tmp *= lr
        var -= tmp
        m *= beta_2
        m += grad * (1.0 - beta_2)


def _rms(x):
    return M.sqrt(reduce_mean(M.square(x)))


class KerasAdafactor(Optimizer):
    """Adafactor (Shazeer & Stern 2018), as Keras 3: for a variable of rank >= 2 the second moment is
    ``v = (r / mean(r)) outer c`` from row means ``r`` and column means ``c`` of ``g*g + eps_1`` decayed by
    ``beta_2_t = 1 - t**beta_2_decay``; smaller variables keep a full ``v``. The step is
    ``alpha_t * u / max(1, rms(u) / clip_threshold)`` with ``u = g / sqrt(v)`` and
    ``alpha_t = max(eps_2, rms(p)) * min(lr, 1/sqrt(t))``.

    Args:
        learning_rate: the rate (a float or tensor), already capped at ``1/sqrt(t)`` when ``relative_step``.
        step: the 1-based step number (a float32 tensor).
    """

    def __init__(self, learning_rate, step, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3, clip_threshold=1.0):
        super().__init__(False, "Adafactor")
        self._lr, self._step = learning_rate, step
        self._beta_2_decay, self._epsilon_1 = float(beta_2_decay), float(epsilon_1)
        self._epsilon_2, self._clip_threshold = float(epsilon_2), float(clip_threshold)

    def _create_slots(self, var_list):
        for v in var_list:
            shape = v.shape.as_list()
            if len(shape) >= 2:
                self._make_shaped_slot(v, shape[:-1], "r")
                self._make_shaped_slot(v, shape[:-2] + shape[-1:], "c")
            self._zeros_slot(v, "velocity", self._name)

    def _make_shaped_slot(self, var, shape, slot_name):
        slots = self._slot_dict(slot_name)
        if slots.get(var.op) is None:
            g = var.graph
            with g.as_default(), g.name_scope(""):
                slots[var.op] = Variable(lambda: np.zeros(shape, var.dtype.as_numpy_dtype), trainable=False,
                                         name="%s/%s_%s" % (var.op.name, self._name, slot_name), dtype=var.dtype)

    def _apply_dense(self, grad, var):
        lr = M.cast(self._lr, var.dtype) if not isinstance(self._lr, float) else self._lr
        t = M.cast(self._step, var.dtype)
        rho_t = M.minimum(lr, 1.0 / M.sqrt(t))
        alpha_t = M.maximum(self._epsilon_2, _rms(var)) * rho_t
        regulated = M.square(grad) + self._epsilon_1
        beta_2_t = 1.0 - M.pow(t, self._beta_2_decay)
        velocity = self.get_slot(var, "velocity")
        if var.shape.ndims >= 2:
            r, c = self.get_slot(var, "r"), self.get_slot(var, "c")
            new_r = beta_2_t * r + (1.0 - beta_2_t) * reduce_mean(regulated, axis=-1)
            new_c = beta_2_t * c + (1.0 - beta_2_t) * reduce_mean(regulated, axis=-2)
            new_v = expand_dims(new_r / reduce_mean(new_r, axis=-1, keepdims=True), -1) * expand_dims(new_c, -2)
            updates = [r.assign(new_r), c.assign(new_c)]
        else:
            new_v = beta_2_t * velocity + (1.0 - beta_2_t) * regulated
            updates = []
        u_t = grad / M.sqrt(new_v)
        u_hat = u_t / M.maximum(1.0, _rms(u_t) / self._clip_threshold)
        step = alpha_t * u_hat  # computed from the old variable before any assignment runs
        updates += [velocity.assign(new_v), var.assign_sub(step)]
        return group(*[getattr(u, "op", u) for u in updates])
