"""Keras's own RMSprop and Adagrad updates, which differ from TF1's ``tf.train`` forms, and Keras's
Adadelta, Adamax, Nadam and AdamW (which ``kf.train`` does not have).

Keras (and tf.keras 1.x ``tf.keras.optimizers``) starts the accumulators at zero and adds
epsilon outside the square root: ``a = rho*a + (1-rho)*g*g; p -= lr * g / (sqrt(a) + eps)``.
``tf.train.RMSPropOptimizer`` starts its "rms" slot at one and divides by ``sqrt(ms + eps)``;
``tf.train.AdagradOptimizer`` starts at 0.1 with no epsilon - so the first steps of a Keras
model would be several times smaller than Keras's. Each update is one fused in-place op, as
the ``kf.train`` optimizers are.

Example:
    >>> KerasRMSprop(0.001, rho=0.9, epsilon=1e-7).minimize(loss)
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.train import compiled_updates
from kflow.train.fused_update import fused_update, update_op
from kflow.train.optimizer import Optimizer
from kflow.train.adam import scaled_step
# ``ms = rho*ms + (1-rho)*x*x`` in place: TF1's RMSProp running average, the same in Keras's rules
from kflow.train.rmsprop import _update_ms


class _KerasRule(Optimizer):
    """One fused op per variable running ``_rule`` over the variable, its zero-started slots and the
    hyperparameters (given to ``__init__`` in ``_hyper_names`` order, after the learning rate)."""

    _hyper_names, _slot_names, _update, _scratch = (), (), None, 1

    def __init__(self, learning_rate, **hypers):
        super().__init__(False, type(self).__name__.replace("Keras", ""))
        self._values = [learning_rate] + [hypers[n] for n in self._hyper_names]

    def _create_slots(self, var_list):
        for v in var_list:
            for slot in self._slot_names:
                self._zeros_slot(v, slot, self._name)

    def _prepare(self):
        self._hypers = [self._hyper(h) for h in self._values]

    def _apply_dense(self, grad, var):
        slots = [self.get_slot(var, n) for n in self._slot_names]
        return fused_update(self._update, var, grad, slots, self._hypers, type(self)._rule, scratch=self._scratch)


class KerasRMSprop(_KerasRule):
    """``a = rho*a + (1-rho)*g*g; p -= lr * g / (sqrt(a) + epsilon)``; slot "rms" starts at zero."""

    _hyper_names, _slot_names, _update = ("rho", "epsilon"), ("rms",), update_op("KerasApplyRMSprop")

    @staticmethod
    @encodable_by_name
    def _rule(var, acc, grad, lr, rho, epsilon, tmp):
        if compiled_updates.run("keras_rmsprop", (var, acc, grad), (lr, rho, 1.0 - rho, epsilon)):
            return
        _update_ms(acc, grad, rho, tmp)
        scaled_step(var, acc, grad, lr, epsilon, tmp)


class KerasAdagrad(_KerasRule):
    """``a += g*g; p -= lr * g / (sqrt(a) + epsilon)``; slot "accumulator" starts at zero."""

    _hyper_names, _slot_names, _update = ("epsilon",), ("accumulator",), update_op("KerasApplyAdagrad")

    @staticmethod
    @encodable_by_name
    def _rule(var, acc, grad, lr, epsilon, tmp):
        if compiled_updates.run("keras_adagrad", (var, acc, grad), (lr, epsilon)):
            return
        np.multiply(grad, grad, out=tmp)
        acc += tmp
        scaled_step(var, acc, grad, lr, epsilon, tmp)


class KerasAdadelta(_KerasRule):
    """``a = rho*a + (1-rho)*g*g; u = g*sqrt(d + eps)/sqrt(a + eps); p -= lr*u; d = rho*d + (1-rho)*u*u``."""

    _hyper_names, _slot_names, _update = ("rho", "epsilon"), ("accumulator", "delta_accumulator"), \
        update_op("KerasApplyAdadelta")
    _scratch = 2

    @staticmethod
    @encodable_by_name
    def _rule(var, acc, delta, grad, lr, rho, epsilon, update, tmp):
        if compiled_updates.run("keras_adadelta", (var, acc, delta, grad), (lr, rho, 1.0 - rho, epsilon)):
            return
        _update_ms(acc, grad, rho, tmp)
        np.add(delta, epsilon, out=update)
        np.sqrt(update, out=update)
        update *= grad
        np.add(acc, epsilon, out=tmp)
        np.sqrt(tmp, out=tmp)
        update /= tmp
        np.multiply(update, lr, out=tmp)
        var -= tmp
        _update_ms(delta, update, rho, tmp)


class KerasAdamax(_KerasRule):
    """``m = b1*m + (1-b1)*g; u = max(b2*u, |g|); p -= lr_t * m / (u + eps)``; the learning rate given is the
    bias-corrected ``lr / (1 - b1**t)`` (a tensor the Keras wrapper computes from its step count)."""

    _hyper_names, _slot_names, _update = ("beta_1", "beta_2", "epsilon"), ("m", "u"), update_op("KerasApplyAdamax")

    @staticmethod
    @encodable_by_name
    def _rule(var, m, u, grad, lr_t, beta_1, beta_2, epsilon, tmp):
        if compiled_updates.run("keras_adamax", (var, m, u, grad), (lr_t, beta_1, 1.0 - beta_1, beta_2, epsilon)):
            return
        m *= beta_1
        np.multiply(grad, 1.0 - beta_1, out=tmp)
        m += tmp
        u *= beta_2
        np.abs(grad, out=tmp)
        np.maximum(u, tmp, out=u)
        np.add(u, epsilon, out=tmp)
        np.divide(m, tmp, out=tmp)
        tmp *= lr_t
        var -= tmp


class KerasAdamW(_KerasRule):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as Keras's AdamW: first ``p -= decay * p``
    (``decay`` is ``weight_decay * lr``), then ``m += (g - m)(1 - b1); v += (g*g - v)(1 - b2);
    p -= lr_t * m / (sqrt(v) + eps)``; ``lr_t`` is the bias-corrected rate (a tensor of the step count)."""

    _hyper_names, _slot_names, _update = ("decay", "beta_1", "beta_2", "epsilon"), ("m", "v"), \
        update_op("KerasApplyAdamW")

    @staticmethod
    @encodable_by_name
    def _rule(var, m, v, grad, lr_t, decay, beta_1, beta_2, epsilon, tmp):
        if compiled_updates.run("keras_adamw", (var, m, v, grad), (lr_t, decay, 1.0 - beta_1, 1.0 - beta_2, epsilon)):
            return
        np.multiply(var, decay, out=tmp)
        var -= tmp
        _adam_moments(m, v, grad, beta_1, beta_2, tmp)
        scaled_step(var, v, m, lr_t, epsilon, tmp)


class KerasNadam(_KerasRule):
    """Keras's Nadam (Adam with Nesterov momentum, Dozat 2016): the moments as Adam, then
    ``p -= lr * (c1*m + c2*g) / (sqrt(v * v_corr) + eps)``; the momentum-schedule coefficients ``c1, c2`` and
    ``v_corr = 1 / (1 - b2**t)`` are tensors the Keras wrapper computes from its step count."""

    _hyper_names, _slot_names, _update = ("c1", "c2", "v_corr", "beta_1", "beta_2", "epsilon"), ("m", "v"), \
        update_op("KerasApplyNadam")
    _scratch = 2

    @staticmethod
    @encodable_by_name
    def _rule(var, m, v, grad, lr, c1, c2, v_corr, beta_1, beta_2, epsilon, step, tmp):
        if compiled_updates.run("keras_nadam", (var, m, v, grad), (lr, c1, c2, v_corr, 1.0 - beta_1, 1.0 - beta_2,
                                                                   epsilon)):
            return
        _adam_moments(m, v, grad, beta_1, beta_2, tmp)
        np.multiply(m, c1, out=step)
        np.multiply(grad, c2, out=tmp)
        step += tmp
        np.multiply(v, v_corr, out=tmp)
        np.sqrt(tmp, out=tmp)
        tmp += epsilon
        step /= tmp
        step *= lr
        var -= step


def _adam_moments(m, v, grad, beta_1, beta_2, tmp):
    """``m += (g - m) * (1 - b1); v += (g*g - v) * (1 - b2)`` in place."""
    np.subtract(grad, m, out=tmp)
    tmp *= 1.0 - beta_1
    m += tmp
    np.multiply(grad, grad, out=tmp)
    tmp -= v
    tmp *= 1.0 - beta_2
    v += tmp
