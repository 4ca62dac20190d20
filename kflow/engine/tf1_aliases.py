"""TF1 top-level names that are other names (or one-line compositions) of kflow functions.

``kf.arg_max(x, 1)`` is ``kf.argmax(x, axis=1)``; ``kf.initialize_local_variables()`` is
``kf.local_variables_initializer()``; and so on, each as TF 1.x defines it.

Example:
    >>> kf.arg_max([[1, 5, 2]], 1)        # -> [1] (int64)
    >>> a, b = kf.identity_n([x, y])
"""
import contextlib

from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.op_def import NotDifferentiable
from kflow.engine.ops.identity_ops import group, identity
from kflow.engine.ops.math_ops import cast
from kflow.engine.ops.reduction_ops import argmax, argmin
from kflow.engine.shapes import Dimension
from kflow.engine.tensor import Tensor
from kflow.engine.variables import Variable, local_variables_initializer, variables_initializer


def arg_max(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002 - TF's names
    """TF1's ``arg_max``: ``argmax(input, axis=dimension)``."""
    return argmax(input, axis=dimension, name=name, output_type=output_type)


def arg_min(input, dimension, output_type=dtypes.int64, name=None):  # noqa: A002
    """TF1's ``arg_min``: ``argmin(input, axis=dimension)``."""
    return argmin(input, axis=dimension, name=name, output_type=output_type)


def to_double(x, name="ToDouble"):
    return cast(x, dtypes.float64, name=name)


def identity_n(input, name=None):  # noqa: A002
    """A list of identities of the tensors of ``input``."""
    with graph_mod.name_scope(name, "IdentityN"):
        return [identity(t) for t in input]


def is_tensor(x):
    """Whether ``x`` is a kflow tensor-like value (Tensor, Variable, SparseTensor)."""
    return isinstance(x, (Tensor, Variable)) or hasattr(x, "_as_tensor") or type(x).__name__ == "SparseTensor"


def initialize_variables(var_list, name="init"):
    return variables_initializer(var_list, name=name)


def initialize_local_variables():
    return local_variables_initializer()


def tables_initializer(name="init_all_tables"):
    """The op running every table initializer of the graph (``TABLE_INITIALIZERS``); a no-op without tables."""
    return group(*graph_mod.get_collection("table_initializer"), name=name)


initialize_all_tables = tables_initializer


def op_scope(values, name, default_name=None):
    """TF0.x's ``op_scope(values, name, default_name)``: ``name_scope(name, default_name, values)``."""
    return graph_mod.name_scope(name, default_name, values)


def dimension_value(dimension):
    """The int (or None) of a shape dimension, whether a ``Dimension`` or already an int."""
    return getattr(dimension, "value", dimension)


def dimension_at_index(shape, index):
    """The ``Dimension`` at ``index`` of ``shape`` (unknown for an unknown rank)."""
    dims = getattr(shape, "dims", shape)
    if dims is None:
        return Dimension(None)
    return Dimension(dimension_value(dims[index]))


def no_gradient(op_type):
    """TF 1.15's name for ``NotDifferentiable``."""
    NotDifferentiable(op_type)


@contextlib.contextmanager
def colocate_with(op, ignore_existing=False):
    """Ops created inside are placed on ``op``'s device (a tensor's or variable's op)."""
    target = getattr(op, "_variable", None) or getattr(op, "op", op)
    with graph_mod.get_default_graph().device(lambda new_op: target.device):
        yield
