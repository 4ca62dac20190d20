"""The public switch for eager execution: ``kf.enable_eager_execution()`` and the scoped modes.

Example:
    >>> import kflow as kf
    >>> kf.enable_eager_execution()
    >>> x = [[2.]]
    >>> print(kf.matmul(x, x))
    tf.Tensor([[4.]], shape=(1, 1), dtype=float32)
"""
from kflow.engine import eager_variable  # noqa: F401 - registers the class kf.Variable builds eagerly
from kflow.engine import execution_mode, graph as graph_mod
from kflow.engine.backprop import GradientTape, UnconnectedGradients  # noqa: F401 - the eager API in one place
from kflow.engine.eager_tensor import EagerTensor  # noqa: F401
from kflow.engine.execution_mode import eager_mode, executing_eagerly, graph_mode  # noqa: F401
from kflow.engine.function import Function, function  # noqa: F401


def enable_eager_execution(config=None, device_policy=None, execution_mode=None):  # noqa: F811 - TF's signature
    """Turns eager execution on for the rest of the program (TF 1.x: call it at program start).

    Raises:
        ValueError: ops were already built in the default graph (graph mode code has run), as in TF 1.x.
    """
    default = graph_mod.get_default_graph()
    if graph_mod._default_graph_stack.stack:
        raise ValueError("kf.enable_eager_execution must be called at program startup, not inside a "
                         "`with graph.as_default():` block.")
    if default.get_operations() and not _mode_module().executing_eagerly():
        raise ValueError(
            "kf.enable_eager_execution must be called at program startup: the default graph already holds %d ops "
            "(graph mode code has run). Call it first, or use `with kf.eager_mode():` for a scoped switch."
            % len(default.get_operations()))
    _mode_module().set_process_default(True)


def enable_v2_behavior():
    enable_eager_execution()


def _mode_module():
    return execution_mode  # the module (the argument `execution_mode` shadows its name in TF's signature)
