"""Keras's own RMSprop and Adagrad updates, which differ from TF1's ``tf.train`` forms.

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

from kflow.train.fused_update import fused_update
from kflow.train.optimizer import Optimizer


class KerasRMSprop(Optimizer):
    """``a = rho*a + (1-rho)*g*g; p -= lr * g / (sqrt(a) + epsilon)``; slot "rms" starts at zero."""

    def __init__(self, learning_rate, rho=0.9, epsilon=1e-7, name="RMSprop"):
        super().__init__(False, name)
        self._learning_rate, self._rho, self._epsilon = learning_rate, rho, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "rms", self._name)

    def _prepare(self):
        self._hypers = [self._hyper(h) for h in (self._learning_rate, self._rho, self._epsilon)]

    def _apply_dense(self, grad, var):
        return fused_update("KerasApplyRMSprop", var, grad, [self.get_slot(var, "rms")], self._hypers,
                            _rmsprop_rule, scratch=1)


class KerasAdagrad(Optimizer):
    """``a += g*g; p -= lr * g / (sqrt(a) + epsilon)``; slot "accumulator" starts at zero."""

    def __init__(self, learning_rate, epsilon=1e-7, name="Adagrad"):
        super().__init__(False, name)
        self._learning_rate, self._epsilon = learning_rate, epsilon

    def _create_slots(self, var_list):
        for v in var_list:
            self._zeros_slot(v, "accumulator", self._name)

    def _prepare(self):
        self._hypers = [self._hyper(h) for h in (self._learning_rate, self._epsilon)]

    def _apply_dense(self, grad, var):
        return fused_update("KerasApplyAdagrad", var, grad, [self.get_slot(var, "accumulator")], self._hypers,
                            _adagrad_rule, scratch=1)


def _scaled_step(var, acc, grad, lr, epsilon, tmp):
    """``var -= lr * grad / (sqrt(acc) + epsilon)``, through the scratch buffer."""
    np.sqrt(acc, out=tmp)
    tmp += epsilon
    np.divide(grad, tmp, out=tmp)
    tmp *= lr
    var -= tmp


def _rmsprop_rule(var, acc, grad, lr, rho, epsilon, tmp):
    acc *= rho
    np.multiply(grad, grad, out=tmp)
    tmp *= 1.0 - rho
    acc += tmp
    _scaled_step(var, acc, grad, lr, epsilon, tmp)


def _adagrad_rule(var, acc, grad, lr, epsilon, tmp):
    np.multiply(grad, grad, out=tmp)
    acc += tmp
    _scaled_step(var, acc, grad, lr, epsilon, tmp)
