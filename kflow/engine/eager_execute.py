"""Eager execution: an op built while eager mode is on runs its declared kernel at once.

``make_op`` hands the op here when ``executing_eagerly()``: the kernel of the op's declaration runs on the
inputs' arrays and the outputs come back as :class:`EagerTensor` values; no graph, no plan. Stateful ops
(variables, random generators, optimizer updates) bind their kernel to the process's :class:`EagerContext`,
which stands in for a Session (it holds the variables' values and the per-op resources).

While a ``GradientTape`` records, each op with a watched input is kept on the tape (its declaration, inputs,
outputs and attributes: what the declared gradient reads), so the tape can replay the declared gradients.

Example:
    >>> with eager_mode():
    ...     y = kf.tanh([0.5])        # runs TANH.kernel now
    >>> y.numpy()
    array([0.46211717], dtype=float32)
"""
import functools
import sys

import numpy as np

from kflow.engine import graph as graph_mod
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.execution_mode import tape_stack
from kflow.engine.placement import Placer

# op types that have no meaning in eager mode, and what to do instead
_REFUSED = {
    "Placeholder": "kf.placeholder() cannot be used with eager execution: eager mode is active, and ops run at "
                   "once, so pass values (numpy arrays, Python numbers, eager tensors) directly. To build a graph "
                   "with placeholders, use `with kf.graph_mode():` or `with kf.Graph().as_default():`.",
}


class _EagerConfig:
    """The session options eager stateful kernels read (``intra_op_parallelism_threads``...)."""

    log_device_placement = False
    allow_soft_placement = True
    intra_op_parallelism_threads = 0
    inter_op_parallelism_threads = 0


class _EagerPlacer(Placer):
    """Eager ops run on the CPU and are not memoized (each eager op is used once)."""

    def __init__(self):
        super().__init__(True, gpu=False)
        self.gpu = None

    def place(self, op):
        return ("CPU", 0)


class EagerContext:
    """The per-process stand-in for a Session that eager stateful ops bind to.

    Attributes:
        graph: holds the ops that name eager variables (their handles); never run by a Session.
        variable_values: variable handle op -> array, as ``Session.variable_values``.
        resources: per-op state of stateful kernels (random generators, locks), as ``Session.resources``.
    """

    def __init__(self):
        self.graph = graph_mod.Graph()
        self.graph.eager_friendly = True
        self.variable_values = {}
        self.resources = {}
        self.placer = _EagerPlacer()
        self.config = _EagerConfig()
        self.exposed = set()  # handles whose buffer an eager tensor may alias: copied before the next update


_context = []


def context():
    """The process's eager context (created on first use)."""
    if not _context:
        _context.append(EagerContext())
    return _context[0]


class EagerOp:
    """An op that ran eagerly: what a declared gradient reads (``inputs``, ``outputs``, ``attrs``, ``type``)."""

    __slots__ = ("op_def", "type", "inputs", "outputs", "_attrs", "_params", "__weakref__")

    def __init__(self, op_def, inputs, attrs, params):
        self.op_def = op_def
        self.type = op_def.type
        self.inputs = inputs
        self.outputs = ()
        self._attrs = attrs
        self._params = params

    @property
    def attrs(self):
        a = self._attrs
        if self._params:
            a = dict(a, **self._params) if a else self._params
        return a if a is not None else {}

    def get_attr(self, name):
        return self.attrs[name]

    _is_eager_value = True  # graph collections ignore eager ops
    _gradient_type = property(lambda self: self.type)
    name = property(lambda self: self.type)
    graph = property(lambda self: graph_mod.get_default_graph())
    device = ""
    control_inputs = ()
    created_at = "<eager>"
    _id = -1

    def values(self):
        return tuple(self.outputs)

    def run(self, feed_dict=None, session=None):
        """Eager ops have already run."""

    def _add_control_input(self, op):
        """Control dependencies mean nothing eagerly: the op has already run."""

    def _add_control_inputs(self, ops):
        """Control dependencies mean nothing eagerly: the op has already run."""

    def __repr__(self):
        return "<eager op %s>" % self.type


def execute(op_def, inputs, output_specs, attrs, params, kernel):
    """Runs one op now; returns its :class:`EagerOp` (outputs are EagerTensors)."""
    try:
        arrays = [t._value for t in inputs]
    except AttributeError:
        arrays = [_value_of(op_def, t) for t in inputs]
    op = EagerOp(op_def, inputs, attrs, params)
    if op_def.bind is not None:
        kernel = _bind(op_def, op)
    elif kernel is None:
        kernel = op_def.kernel
        if params:
            kernel = functools.partial(kernel, **params)
    try:
        out = kernel(*arrays)
    except (ValueError, TypeError, IndexError) as e:
        raise type(e)("%s (eager op %s on %s)" % (e, op_def.type, ", ".join(
            "%s %s" % (t.dtype.name, t.shape) for t in inputs) or "no inputs")) from e
    n = len(output_specs)
    if n == 1:
        dtype = output_specs[0][0]
        if type(out) is np.ndarray and out.dtype is dtype._np and not op_def.state_output:
            t = _new_tensor(EagerTensor)  # the common case, without EagerTensor.__init__'s dtype lookup
            t._value, t.dtype, t._static_shape = out, dtype, None
        else:
            t = EagerTensor(_array(out, output_specs[0], op_def))
        op.outputs = (t,)
    elif n:
        op.outputs = tuple(EagerTensor(_array(o, s, op_def)) for o, s in zip(out, output_specs))
    if tape_stack.tapes:
        _record(op)
    return op


_new_tensor = object.__new__


def _array(value, spec, op_def):
    want = spec[0].as_numpy_dtype
    if type(value) is not np.ndarray:
        if hasattr(value, "__cuda_array_interface__"):  # a device array stays where it is
            return value
        return np.asarray(value, dtype=want)
    if value.dtype != want and spec[0].name != "string":
        return value.astype(want)
    if op_def.state_output and value.flags.writeable:
        return value.copy()  # a variable's buffer: the eager value must not change with later updates
    return value


def _bind(op_def, op):
    """A stateful op's kernel bound to the eager context; its variables' aliased buffers are copied first."""
    if op_def.type in _REFUSED:
        raise RuntimeError(_REFUSED[op_def.type])
    ctx = context()
    attrs = op.attrs
    var = attrs.get("var")
    if var is not None and ctx.exposed:
        for handle in [var] + list(attrs.get("slots", ())):
            if handle in ctx.exposed:
                ctx.exposed.discard(handle)
                value = ctx.variable_values.get(handle)
                # copied only while a read (an eager tensor, or a view of the buffer) is alive: references from
                # the store, `value` and getrefcount's argument are 3; a training step's reads are gone by now
                if value is not None and sys.getrefcount(value) > 3:
                    ctx.variable_values[handle] = value.copy()
    return op_def.bind(op, ctx)


def _value_of(op_def, t):
    if hasattr(t, "_value"):
        return t._value
    raise ValueError(
        "Op %s got the graph tensor %r as an input while eager execution is active. Graph tensors have no value "
        "until a Session runs them: compute them in graph mode (`with kf.graph_mode():` or "
        "`with graph.as_default():` and Session.run), or pass eager values / numpy arrays." % (op_def.type, t))


def _record(op):
    inputs = op.inputs
    for tape in tape_stack.tapes:
        if tape.recording:
            tracked = tape.tracked
            for t in inputs:
                if id(t) in tracked:
                    tape.record(op)
                    break
