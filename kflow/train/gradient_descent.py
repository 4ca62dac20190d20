"""Plain gradient descent: ``var -= learning_rate * grad``.

Example:
    >>> train_op = kf.train.GradientDescentOptimizer(0.1).minimize(loss)
"""
import numpy as np

from kflow.engine.graph_json import encodable_by_name
from kflow.train import compiled_updates
from kflow.train.fused_update import fused_update, update_op
from kflow.train.optimizer import Optimizer

APPLY_GRADIENT_DESCENT = update_op("ApplyGradientDescent")


class GradientDescentOptimizer(Optimizer):
    """``tf.train.GradientDescentOptimizer(learning_rate, use_locking=False, name="GradientDescent")``.

    ``learning_rate`` may be a number, a scalar Tensor (fed or scheduled) or a Variable.
    """

    def __init__(self, learning_rate, use_locking=False, name="GradientDescent"):
        super().__init__(use_locking, name)
        self._learning_rate = learning_rate

    def _prepare(self):
        self._lr = self._hyper(self._learning_rate)

    def _apply_dense(self, grad, var):
        return fused_update(APPLY_GRADIENT_DESCENT, var, grad, [], [self._lr], _rule, scratch=1,
                            use_locking=self._use_locking)

    # TF's sparse update: the same rule on the gradient's rows only (fused_update takes the IndexedSlices)
    _apply_sparse = _apply_dense


@encodable_by_name
def _rule(var, grad, lr, tmp):
    if compiled_updates.run("sgd", (var, grad), (lr,)):
        return
    np.multiply(grad, lr, out=tmp)
    var -= tmp
