"""``import kflow.contrib.eager as tfe``: TF 1.x's eager helpers.

Example:
    >>> import kflow.contrib.eager as tfe
    >>> grad = tfe.gradients_function(lambda x: x ** 2)
    >>> grad(3.)
    [<tf.Tensor: shape=(), dtype=float32, numpy=6.0>]
"""
from kflow.contrib.eager.gradient_functions import (gradients_function, implicit_gradients,  # noqa: F401
                                                    implicit_value_and_gradients, value_and_gradients_function)
from kflow.data.pipeline.dataset import EagerIterator as Iterator  # noqa: F401
from kflow.engine.backprop import GradientTape  # noqa: F401
from kflow.engine.eager import enable_eager_execution, executing_eagerly  # noqa: F401
from kflow.engine.eager_variable import EagerVariable as Variable  # noqa: F401
from kflow.engine.function import function as defun  # noqa: F401
from kflow.engine.eager_tensor import EagerTensor  # noqa: F401
from kflow.engine.execution_mode import eager_mode, executing_eagerly as in_eager_mode, graph_mode  # noqa: F401


def in_graph_mode():
    """TF 1.x's ``tfe.in_graph_mode()``: True while ops join a graph."""
    return not in_eager_mode()


def num_gpus():
    """GPUs eager ops may run on: none (kflow's eager ops run on the CPU)."""
    return 0
