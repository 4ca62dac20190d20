"""Operations: graph nodes with a compute function, plus the gradient registry.

An op is created with :func:`make_op`, giving its kernel (``compute``: input
arrays -> output array, or a tuple for several outputs) and its static output
specs. Stateful ops pass ``bind`` instead: ``bind(session) -> kernel``, so each
session keeps its own state. Gradients are registered by op type beside the op.

Example:
    >>> def tanh(x, name=None):
    ...     x = convert_to_tensor(x)
    ...     return make_op("Tanh", [x], np.tanh, [(x.dtype, x.shape)], name).outputs[0]
    >>> @register_gradient("Tanh")
    ... def _tanh_grad(op, grad):
    ...     return grad * (1.0 - op.outputs[0] * op.outputs[0])
"""
import os
import sys

from kflow.engine import graph as graph_mod
from kflow.engine import shapes
from kflow.engine.tensor import Tensor

_KFLOW_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_GRADIENTS = {}
_NOT_DIFFERENTIABLE = set()


class Operation:
    """A node of the graph. ``inputs`` and ``outputs`` are Tensors; ``type`` is the op kind."""

    def __init__(self, graph, op_type, name, inputs, output_specs, compute, attrs, bind, control_inputs):
        self.graph = graph
        self.type = op_type
        self.name = name
        self.inputs = list(inputs)
        self.control_inputs = list(control_inputs)
        self.outputs = [Tensor(self, i, dt, shape) for i, (dt, shape) in enumerate(output_specs)]
        self.attrs = attrs or {}
        self._compute = compute
        self._bind = bind
        self.device = graph._current_device()
        self._cond_context = graph._cond_context
        self._gradient_type = graph._gradient_override_map.get(op_type, op_type)  # the gradient to use
        self._traceback = _user_frame()
        self._id = -1
        # True when an output is (or may alias) persistent session state, e.g. a variable's buffer:
        # fetches of such outputs are copied so users never hold a live buffer.
        self._output_is_state = False

    def kernel(self, session):
        """Returns the callable that computes this op inside ``session``."""
        return self._bind(session) if self._bind is not None else self._compute

    @property
    def node_def(self):
        return self

    def get_attr(self, name):
        return self.attrs[name]

    def values(self):
        return tuple(self.outputs)

    def run(self, feed_dict=None, session=None):
        """Runs this op in ``session`` (or the default session)."""
        from kflow.engine.session import _session_for

        _session_for(session, self).run(self, feed_dict)

    def _add_control_input(self, op):
        if op not in self.control_inputs:
            self.control_inputs.append(op)

    def _add_control_inputs(self, ops):
        for op in ops:
            self._add_control_input(op)

    @property
    def created_at(self):
        """"file:line in function" of the user code that created the op."""
        if self._traceback is None:
            return "<unknown>"
        fn, line, func = self._traceback
        return "%s:%d in %s" % (fn, line, func)

    def __repr__(self):
        return "<tf.Operation '%s' type=%s>" % (self.name, self.type)  # TF's repr, as for Tensor/Variable

    def _describe_inputs(self):
        if not self.inputs:
            return "no inputs"
        return ", ".join("'%s' %s %s" % (t.name, t.dtype.name, t.shape) for t in self.inputs)


def _user_frame():
    """The innermost stack frame outside the kflow package: where the user built this op."""
    f = sys._getframe(2)
    while f is not None:
        fn = f.f_code.co_filename
        if not fn.startswith(_KFLOW_DIR):
            return (fn, f.f_lineno, f.f_code.co_name)
        f = f.f_back
    return None


def make_op(op_type, inputs, compute, output_specs, name=None, attrs=None, bind=None, graph=None):
    """Creates an op in the inputs' graph (or the default graph) and returns it.

    Args:
        op_type: the op kind, e.g. "MatMul"; also the key of its registered gradient.
        inputs: input Tensors.
        compute: kernel ``f(*input_arrays) -> array | tuple``; None when ``bind`` is given.
        output_specs: ``[(dtype, shape), ...]`` for each output.
        name: op name (uniquified inside the current name scope); defaults to ``op_type``.
        attrs: dict of attributes kept on the op (shown in GraphDef, used by gradients).
        bind: ``f(session) -> kernel`` for stateful ops.
    """
    if graph is None:
        # a function graph (Dataset.map tracing) replaces outer-graph inputs by its own copies
        capture = getattr(graph_mod.get_default_graph(), "capture_external", None)
        if capture is not None:
            inputs = capture(inputs)
    g = graph if graph is not None else _graph_for(inputs)
    if name and name.endswith("/"):
        full = name[:-1]  # an exact scope name from name_scope(...)
    else:
        full = g.unique_name(name or op_type)
    specs = [(dt, shapes.as_shape(s)) for dt, s in output_specs]
    op = Operation(g, op_type, full, inputs, specs, compute, attrs, bind, g._current_control_inputs())
    g._add_op(op)
    return op


def _graph_for(inputs):
    default = graph_mod.get_default_graph()
    found = None
    for t in inputs:
        g = t.graph
        if found is None:
            found = g
        elif g is not found:
            raise ValueError("Tensor %s must be from the same graph as the other inputs (%s)." % (t, inputs[0]))
    return found if found is not None else default


def register_gradient(op_type):
    """Decorator registering ``f(op, *output_grads) -> input grads`` for ``op_type``."""

    def deco(fn):
        _GRADIENTS[op_type] = fn
        return fn

    return deco


class RegisterGradient:
    """TF1 spelling: ``@kf.RegisterGradient("MyOp")``."""

    def __init__(self, op_type):
        self._op_type = op_type

    def __call__(self, fn):
        _GRADIENTS[self._op_type] = fn
        return fn


def not_differentiable(*op_types):
    """Declares op types whose inputs get no gradient (None), e.g. Shape or ArgMax."""
    _NOT_DIFFERENTIABLE.update(op_types)


NotDifferentiable = not_differentiable


def gradient_function(op_type):
    """The registered gradient of ``op_type``; None for declared non-differentiable ops; KeyError otherwise."""
    if op_type in _NOT_DIFFERENTIABLE:
        return None
    return _GRADIENTS[op_type]


def build_error(op_type, name, inputs, message, exc_type=ValueError):
    """An error raised while building an op: names the op, its inputs' dtypes/shapes and the user's line."""
    frame = _user_frame()
    where = "%s:%d in %s" % frame if frame else "<unknown>"
    described = ", ".join("'%s' %s %s" % (t.name, t.dtype.name, t.shape) for t in inputs) or "none"
    return exc_type("%s\n  op: '%s' (%s), created at %s\n  inputs: %s" % (
        message, name or op_type, op_type, where, described))
