"""Operations: graph nodes, each an instance of a declared op type (:class:`~kflow.engine.op_def.OpDef`).

An op is created with :func:`make_op` from its declaration, its input tensors and its static output specs;
the declaration supplies the kernel, the gradient and the traits.

Example:
    >>> y = make_op(TANH, [x], [(x.dtype, x.shape)], name).outputs[0]
"""
import functools
import os
import sys

from kflow.engine import graph as graph_mod
from kflow.engine import shapes
from kflow.engine.device_spec import device_for
from kflow.engine.eager_execute import execute as _execute_eagerly
from kflow.engine.execution_mode import mode as _mode
from kflow.engine.tensor import Tensor
from kflow.engine.default_session import session_for

_KFLOW_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Operation:
    """A node of the graph: an instance of the op type declared by ``op_def``.

    ``inputs`` and ``outputs`` are Tensors; ``attrs`` holds the instance's parameters (shown in GraphDef,
    read by gradients); ``type`` is the declared op type.
    """

    def __init__(self, graph, op_def, name, inputs, output_specs, kernel, attrs, control_inputs):
        self.graph = graph
        self.op_def = op_def
        self.type = op_def.type
        self.name = name
        self.inputs = list(inputs)
        self.control_inputs = list(control_inputs)
        self.outputs = [Tensor(self, i, dt, shape) for i, (dt, shape) in enumerate(output_specs)]
        self.attrs = attrs
        self._kernel = kernel
        self._cond_context = graph._cond_context
        self._gradient_type = graph._gradient_override_map.get(self.type, self.type)  # the gradient to use
        self._traceback = _user_frame()
        self._id = -1
        # last: device functions (kf.device(fn)) look at the finished op
        self.device = device_for(self, graph._device_stack) if graph._device_stack else ""

    def kernel(self, session):
        """Returns the callable that computes this op inside ``session``."""
        bind = self.op_def.bind
        return bind(self, session) if bind is not None else self._kernel

    @property
    def node_def(self):
        return self

    def get_attr(self, name):
        return self.attrs[name]

    def values(self):
        return tuple(self.outputs)

    def run(self, feed_dict=None, session=None):
        """Runs this op in ``session`` (or the default session)."""
        session_for(session, self).run(self, feed_dict)

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


def make_op(op_def, inputs, output_specs, name=None, attrs=None, params=None, kernel=None, graph=None):
    """Creates an op of the declared type ``op_def`` in the inputs' graph (or the default graph); in eager mode
    (and no explicit ``graph``) runs it at once instead and returns the eager op (outputs are EagerTensors).

    Args:
        op_def: the op's declaration (an :class:`~kflow.engine.op_def.OpDef`).
        inputs: input Tensors.
        output_specs: ``[(dtype, shape), ...]`` for each output.
        name: op name (uniquified inside the current name scope); defaults to the op type.
        attrs: attributes kept on the op (shown in GraphDef, read by gradients), not passed to the kernel.
        params: the kernel's keyword parameters for this instance; also kept in ``op.attrs``.
        kernel: the declared kernel specialized for this instance when keyword parameters do not fit
            (``params.make_param_op`` appends static values); defaults to ``op_def.kernel`` with ``params``.
    """
    if _mode.eager and graph is None:
        return _execute_eagerly(op_def, inputs, output_specs, attrs, params, kernel)
    if graph is None:
        # a function graph (Dataset.map tracing) replaces outer-graph inputs by its own copies
        capture = getattr(graph_mod.get_default_graph(), "capture_external", None)
        if capture is not None:
            inputs = capture(inputs)
    g = graph if graph is not None else _graph_for(inputs)
    if name and name.endswith("/"):
        full = name[:-1]  # an exact scope name from name_scope(...)
    else:
        full = g.unique_name(name or op_def.type)
    specs = [(dt, shapes.as_shape(s)) for dt, s in output_specs]
    all_attrs = dict(attrs) if attrs else {}
    if kernel is None:
        kernel = op_def.kernel
        if params and kernel is not None:  # (a stateful op's kernel comes from op_def.bind)
            kernel = _bind_params(kernel, params)
    if params:
        all_attrs.update(params)
    op = Operation(g, op_def, full, inputs, specs, kernel, all_attrs, g._current_control_inputs())
    g._add_op(op)
    return op


def _bind_params(kernel, params):
    return functools.partial(kernel, **params)  # C-level binding: cheaper per call than a Python closure


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


def build_error(op_type, name, inputs, message, exc_type=ValueError):
    """An error raised while building an op: names the op, its inputs' dtypes/shapes and the user's line."""
    frame = _user_frame()
    where = "%s:%d in %s" % frame if frame else "<unknown>"
    described = ", ".join("'%s' %s %s" % (t.name, t.dtype.name, t.shape) for t in inputs) or "none"
    return exc_type("%s\n  op: '%s' (%s), created at %s\n  inputs: %s" % (
        message, name or op_type, op_type, where, described))
