"""The graph a ``kf.function`` traces into: it captures eager values and variables, and lifts new variables.

Inside the trace, ops join this graph (graph mode). An eager tensor used as an input becomes a constant of the
graph; an eager variable becomes a VariableV2 op whose value is read from the eager context's store (the
graph's sessions use :class:`SharedVariableStore`, so a traced step updates the very arrays eager code sees);
``kf.Variable(...)`` called while tracing creates an eager variable (once: ``kf.function`` refuses a later
trace that creates more).

Example:
    >>> g = FuncGraph("step")
    >>> with g.as_default():
    ...     y = v * 2.0          # v: an eager variable, captured as g's op "Variable"
"""
from kflow.engine.eager_execute import context
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.graph import Graph
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import constant
from kflow.engine.variables import VARIABLE, identity_read


class SharedVariableStore:
    """A Session's ``variable_values`` over the eager context's store: captured ops read their eager handle's value.

    ``clear`` (a closing session) leaves the eager variables alone.
    """

    def __init__(self, values):
        self._values = values
        self.alias = {}  # captured VariableV2 op -> eager handle op

    def __getitem__(self, op):
        return self._values[self.alias.get(op, op)]

    def __setitem__(self, op, value):
        self._values[self.alias.get(op, op)] = value

    def __contains__(self, op):
        return self.alias.get(op, op) in self._values

    def get(self, op, default=None):
        return self._values.get(self.alias.get(op, op), default)

    def clear(self):
        """Sessions clear their store when closed; the eager values outlive them."""


class FuncGraph(Graph):
    """A graph traced from a Python function (``kf.function``)."""

    lifts_variables = True
    is_function_graph = True

    def __init__(self, name):
        super().__init__()
        self.name = name
        self.variable_store = SharedVariableStore(context().variable_values)
        self.created_variables = []
        self._captured_values = {}  # id(eager tensor) -> (tensor, constant)
        self._captured_variables = {}  # eager handle op -> (captured op, its read)

    def capture_external(self, inputs):
        """Eager tensors among an op's inputs become constants of this graph (once per tensor)."""
        out = None
        for i, t in enumerate(inputs):
            if isinstance(t, EagerTensor):
                out = list(inputs) if out is None else out
                out[i] = self._capture_value(t)
        return inputs if out is None else out

    def _capture_value(self, t):
        entry = self._captured_values.get(id(t))
        if entry is None:
            with self.control_dependencies(None):
                entry = self._captured_values[id(t)] = (t, constant(t._value, name="captured"))
        return entry[1]

    def capture_variable(self, var):
        """``(op, read tensor)`` standing for the eager variable ``var`` in this graph."""
        entry = self._captured_variables.get(var.op)
        if entry is None:
            with self.as_default(), self.name_scope(""), self.control_dependencies(None):
                op = make_op(VARIABLE, [], [(var.dtype, var.shape)], var.op.name, graph=self,
                             attrs={"dtype": var.dtype, "shape": var.shape})
                op._py_variable = var
                read = identity_read(op.outputs[0])
            self.variable_store.alias[op] = var.op
            entry = self._captured_variables[var.op] = (op, read)
        return entry
