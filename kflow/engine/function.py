"""``kf.function``: trace a Python function once per input signature into a graph, then run it as a plan.

Called eagerly, a ``Function`` looks up its trace for the call's signature (each tensor argument's dtype and
shape, each Python value itself); a new signature traces the function into a :class:`FuncGraph` (tensor
arguments become placeholders, eager variables are captured) and compiles it with a Session over the eager
variables' store. Every later call with that signature is one ``Session.run`` of the cached plan: graph speed.
Stateful ops the function builds but does not return (variable updates, optimizer steps) run on every call.
Traced often, a function warns, as a Session warns about a growing graph. Given an ``input_signature`` (a list
of :class:`TensorSpec`, nested lists allowed), it traces once, over placeholders of the specs' shapes, and every
call's arguments are converted to the specs' dtypes and checked against their shapes. Called in graph mode, the function
simply builds its ops into the current graph. Called while a GradientTape records, it runs eagerly, so the tape
sees its ops and can differentiate through the call (a function that creates variables should first be called
outside a tape, as those are created on the first trace).

Example:
    >>> @kf.function
    ... def train_step(x, y):
    ...     with kf.GradientTape() as tape:     # or: opt.minimize(loss) / kf.gradients inside the trace
    ...         ...
    >>> loss = train_step(x_batch, y_batch)     # traced on the first call, a plan run afterwards
"""
import functools
import inspect
import numbers
import warnings

import numpy as np

from kflow.engine import dtypes, execution_mode
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.function_graph import FuncGraph
from kflow.engine.ops.constant_op import placeholder
from kflow.engine.session import Session
from kflow.engine.tensor import Tensor
from kflow.engine.tensor_spec import TensorSpec

# traces of one function before retracing is reported
RETRACE_WARN_TRACES = 5


class Function:
    """A Python function run as traced graphs (what ``kf.function(fn)`` returns)."""

    def __init__(self, fn, input_signature=None, autograph=True):
        self._fn = fn
        self._input_signature = None if input_signature is None else _checked_signature(input_signature)
        self._traces = {}  # signature -> _Trace
        self._warned = False
        functools.update_wrapper(self, fn)

    def __get__(self, instance, owner):
        if instance is None:
            return self
        # one Function per instance (each traces its own graph over its own variables), kept in the instance's
        # __dict__ under the method's name: later lookups find it there, and it lives as long as the instance
        f = Function(functools.partial(self._fn, instance), self._input_signature)
        f.__name__ = getattr(self._fn, "__name__", "function")
        instance.__dict__[f.__name__] = f
        return f

    def __call__(self, *args, **kwargs):
        if not execution_mode.mode.eager:
            return self._fn(*args, **kwargs)  # building a graph already: the ops join it
        if any(t.recording for t in execution_mode.tape_stack.tapes):
            # a GradientTape around the call must see its ops, and a traced graph runs as one plan it cannot
            # look into: the function runs eagerly instead (gradients right, at eager speed)
            return self._fn(*args, **kwargs)
        values, key, args, kwargs = self._values_and_key(args, kwargs)
        trace = self._traces.get(key)
        if trace is None:
            trace = self._trace(args, kwargs, key)
        return trace.run(values)

    def _values_and_key(self, args, kwargs):
        """The call's tensor values, its trace key, and the arguments to trace with (the specs, if given)."""
        if self._input_signature is not None:
            specs = self._input_signature
            values = []
            for i, (arg, spec) in enumerate(zip(_positional(self._fn, specs, args, kwargs), specs)):
                _conform(getattr(self, "__name__", "function"), arg, spec, values, " %d" % i)
            return values, ("input_signature",), tuple(specs), {}
        values, key = [], []
        _signature((args, kwargs), values, key)
        return values, tuple(key), args, kwargs

    @property
    def input_signature(self):
        return self._input_signature

    @property
    def python_function(self):
        return self._fn

    def get_concrete_function(self, *args, **kwargs):
        """The traced graph for these arguments (tracing it if needed); none needed with an input_signature."""
        if self._input_signature is not None:
            key, args, kwargs = ("input_signature",), self._input_signature, {}
        else:
            _, key, args, kwargs = self._values_and_key(args, kwargs)
        return self._traces.get(key) or self._trace(args, kwargs, key)

    def _trace(self, args, kwargs, key):
        graph = FuncGraph(getattr(self, "__name__", "function"))
        with graph.as_default():
            placeholders = []
            sym_args, sym_kwargs = _symbolic((args, kwargs), placeholders)
            outputs = self._fn(*sym_args, **sym_kwargs)
            flat = []
            _flatten_outputs(outputs, flat)  # inside the graph: a returned variable gives its captured read
        if graph.created_variables and self._traces:
            raise ValueError(
                "kf.function-decorated function '%s' tried to create variables on a call that traced it again "
                "(trace %d, new input signature). Create variables on the first call only (e.g. build them "
                "outside, or once, guarded by `if self.v is None`)." % (graph.name, len(self._traces) + 1))
        trace = self._traces[key] = _Trace(graph, placeholders, outputs, flat)
        if len(self._traces) >= RETRACE_WARN_TRACES and not self._warned:
            self._warned = True
            warnings.warn(
                "kflow: kf.function '%s' has been traced %d times (once per new input signature: tensor "
                "dtypes/shapes and Python argument values). Each trace builds and compiles a new graph; pass "
                "tensors rather than changing Python numbers, and keep shapes fixed." % (graph.name, len(self._traces)),
                RuntimeWarning, stacklevel=3)
        return trace


def function(func=None, input_signature=None, autograph=True, experimental_relax_shapes=False):
    """Decorator: ``@kf.function`` (or ``kf.function(fn)``) runs ``fn`` as traced graphs (see :class:`Function`)."""
    if func is None:
        return lambda f: Function(f, input_signature, autograph)
    return Function(func, input_signature, autograph)


class _Trace:
    """One traced graph of a Function with its session and the structure of its outputs."""

    def __init__(self, graph, placeholders, outputs, flat):
        self.graph = graph
        self._placeholders = placeholders
        self._structure = outputs
        self._fetch_positions = [i for i, o in enumerate(flat) if isinstance(o, Tensor)]
        fetched = set(id(flat[i]) for i in self._fetch_positions)
        fetches = [flat[i] for i in self._fetch_positions]
        targets = [o for o in flat if hasattr(o, "op_def")] + _side_effects(graph, fetched)
        self._fetches = (tuple(fetches), tuple(targets))  # tuples: the session caches their fetch structure
        self._flat = flat
        self.session = Session(graph=graph)

    def run(self, values):
        feed = dict(zip(self._placeholders, values))
        results, _ = self.session.run(self._fetches, feed)
        flat = list(self._flat)
        for i, r in zip(self._fetch_positions, results):
            flat[i] = EagerTensor(np.asarray(r))
        for i, o in enumerate(flat):
            if hasattr(o, "op_def"):
                flat[i] = None  # an op: it ran
        return _pack_outputs(self._structure, iter(flat))


def _side_effects(graph, fetched):
    """Stateful ops nothing else consumes (updates, optimizer steps, groups of them): they run on every call."""
    consumed = set()
    for op in graph.get_operations():
        consumed.update(t.op for t in op.inputs)
        consumed.update(op.control_inputs)
    found = []
    for op in graph.get_operations():
        if op in consumed or op.type in ("Placeholder", "VariableV2", "Const"):
            continue
        if not op.outputs or op.op_def.bind is not None or op.attrs.get("var") is not None:
            if not any(id(t) in fetched for t in op.outputs):
                found.append(op)
    return found


# ---- input signatures ------------------------------------------------------------------------------------
def _checked_signature(signature):
    if not isinstance(signature, (list, tuple)):
        raise TypeError("kf.function: input_signature must be a list or tuple of kf.TensorSpec; got %r"
                        % (signature,))
    _check_specs(signature)
    return tuple(signature)


def _check_specs(x):
    for item in x:
        if isinstance(item, (list, tuple)):
            _check_specs(item)
        elif not isinstance(item, TensorSpec):
            raise TypeError("kf.function: input_signature must hold only kf.TensorSpec (or lists of them); got "
                            "%r" % (item,))


def _positional(fn, specs, args, kwargs):
    """The call's arguments in signature order (keyword arguments placed where the function declares them)."""
    if kwargs:
        bound = inspect.signature(fn).bind(*args, **kwargs)
        args = tuple(bound.arguments.values())
    if len(args) != len(specs):
        raise TypeError("kf.function '%s' has an input_signature of %d argument(s); the call passed %d"
                        % (getattr(fn, "__name__", "function"), len(specs), len(args)))
    return args


def _conform(name, x, spec, values, where):
    """Appends ``x``'s arrays, in ``spec``'s dtypes, to ``values``; raises when they do not fit the specs."""
    if isinstance(spec, (list, tuple)):
        if not isinstance(x, (list, tuple)) or len(x) != len(spec):
            raise TypeError("kf.function '%s': argument%s should be a sequence of %d value(s) matching %r; got %r"
                            % (name, where, len(spec), spec, x))
        for i, (item, s) in enumerate(zip(x, spec)):
            _conform(name, item, s, values, "%s[%d]" % (where, i))
        return
    if isinstance(x, (EagerTensor, np.ndarray)):
        arr = x._value if isinstance(x, EagerTensor) else x
        if dtypes.as_dtype(arr.dtype) != spec.dtype:
            raise TypeError("kf.function '%s': argument%s has dtype %s but the input_signature says %r"
                            % (name, where, dtypes.as_dtype(arr.dtype).name, spec))
    else:
        arr = np.asarray(x, dtype=spec.dtype.as_numpy_dtype)  # Python values take the spec's dtype, as in TF
    if not spec.shape.is_compatible_with(arr.shape):
        raise ValueError("kf.function '%s': argument%s has shape %s, which does not fit the input_signature's %r"
                         % (name, where, arr.shape, spec))
    values.append(arr)


# ---- signatures and symbolic arguments ------------------------------------------------------------------------
def _signature(x, values, key):
    if isinstance(x, (EagerTensor, np.ndarray)):
        arr = x._value if isinstance(x, EagerTensor) else x
        values.append(arr)
        key.append(("T", arr.dtype.str, arr.shape))
    elif isinstance(x, (list, tuple)):
        key.append((type(x).__name__, len(x)))
        for item in x:
            _signature(item, values, key)
    elif isinstance(x, dict):
        key.append(("dict", tuple(sorted(x))))
        for k in sorted(x):
            _signature(x[k], values, key)
    elif isinstance(x, (numbers.Number, str, bytes, type(None))):
        key.append(("P", type(x).__name__, x))
    else:
        key.append(("O", id(x)))  # a variable, a model, ...: the same object reuses the trace


def _symbolic(x, placeholders):
    if isinstance(x, TensorSpec):
        ph = placeholder(x.dtype, x.shape, name=x.name or "arg")
        placeholders.append(ph)
        return ph
    if isinstance(x, (EagerTensor, np.ndarray)):
        arr = x._value if isinstance(x, EagerTensor) else x
        ph = placeholder(dtypes.as_dtype(arr.dtype), arr.shape, name="arg")
        placeholders.append(ph)
        return ph
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return type(x)(*[_symbolic(i, placeholders) for i in x])
    if isinstance(x, (list, tuple)):
        return type(x)(_symbolic(i, placeholders) for i in x)
    if isinstance(x, dict):
        return {k: _symbolic(x[k], placeholders) for k in sorted(x)}
    return x


def _flatten_outputs(x, flat):
    if isinstance(x, (list, tuple)):
        for item in x:
            _flatten_outputs(item, flat)
    elif isinstance(x, dict):
        for k in sorted(x):
            _flatten_outputs(x[k], flat)
    else:
        if hasattr(x, "_as_tensor") and not isinstance(x, Tensor):
            x = x._as_tensor()  # a variable returned: its value
        flat.append(x)


def _pack_outputs(structure, it):
    if isinstance(structure, tuple) and hasattr(structure, "_fields"):
        return type(structure)(*[_pack_outputs(s, it) for s in structure])
    if isinstance(structure, (list, tuple)):
        return type(structure)(_pack_outputs(s, it) for s in structure)
    if isinstance(structure, dict):
        return {k: _pack_outputs(structure[k], it) for k in sorted(structure)}
    return next(it)
