"""Eager variables: ``kf.Variable`` objects that hold their value while eager execution is on.

``kf.Variable(...)`` builds one of these in eager mode (and when a ``kf.function`` trace creates a variable:
the variable is lifted out of the traced graph, made once). The value lives in the eager context's variable
store, keyed by the variable's handle op, so the declared stateful kernels (optimizer updates, assignments)
update it exactly as they update a Session's variables. Inside a ``kf.function`` graph the variable is
captured as a VariableV2 op whose session shares that store, so traced steps update the same value.

Example:
    >>> kf.enable_eager_execution()
    >>> v = kf.Variable(1.0)
    >>> v.assign_add(1)
    >>> v
    <tf.Variable 'Variable:0' shape=() dtype=float32, numpy=2.0>
"""
import numpy as np

from kflow.engine import devices, dtypes, execution_mode, graph as graph_mod, shapes
from kflow.engine.eager_execute import context
from kflow.engine.execution_mode import tape_stack
from kflow.engine.eager_tensor import EagerTensor, numpy_text
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import constant_value
from kflow.engine.session import Session
from kflow.engine.tensor import Tensor
from kflow.engine.variables import VARIABLE, Variable, register_eager_variable, variable_collections


class EagerVariable(Variable):
    """A variable holding its value (what ``kf.Variable`` builds in eager mode); same arguments as Variable."""

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, shape=None):  # noqa: super().__init__ builds graph ops
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        outer = graph_mod.get_default_graph()
        with execution_mode.eager_mode():  # TF's init_scope: the initial value is computed now, even in a trace
            if callable(initial_value):
                initial_value = initial_value()
            value = _initial_array(initial_value, dtype, name)
        if shape is not None and not shapes.TensorShape(shape).is_compatible_with(value.shape):
            raise ValueError("Variable %s: initial value of shape %s does not match shape %s"
                             % (name, value.shape, shapes.TensorShape(shape)))
        ctx = self._ctx = context()
        scope = outer.get_name_scope()
        self._name = (scope + "/" if scope else "") + (name or "Variable")  # not made unique: TF eager's names
        full = ctx.graph.unique_name(self._name)  # the handle's name is unique (slot variables derive theirs)
        dt = dtypes.as_dtype(value.dtype)
        self._handle = make_op(VARIABLE, [], [(dt, value.shape)], full + "/", graph=ctx.graph,
                               attrs={"dtype": dt, "shape": shapes.TensorShape(value.shape)})
        self._handle._py_variable = self
        ctx.variable_values[self._handle] = value
        self._initial = value.copy()
        self._trainable = trainable
        self.constraint = constraint
        outer.add_to_collections(variable_collections(collections, trainable), self)
        if getattr(outer, "lifts_variables", False):
            outer.created_variables.append(self)

    # ---- identity ------------------------------------------------------------------------------------------
    @property
    def op(self):
        return self._handle

    @property
    def _variable(self):
        """The variable op of the graph being built: the handle eagerly, a captured op in a kf.function graph."""
        if execution_mode.mode.eager:
            return self._handle
        return self._captured()[0]

    @property
    def _snapshot(self):
        if execution_mode.mode.eager:
            return self._eager_read()
        return self._captured()[1]

    def _captured(self):
        g = graph_mod.get_default_graph()
        capture = getattr(g, "capture_variable", None)
        if capture is None:
            raise ValueError(
                "The eager variable '%s' (created while eager execution was on) cannot be used in graph mode, which "
                "is active now (default graph %r). Use it eagerly, or in a function decorated with kf.function, "
                "which captures it." % (self.name, g))
        return capture(self)

    @property
    def graph(self):
        return graph_mod.get_default_graph()

    @property
    def name(self):
        return self._name + ":0"

    @property
    def dtype(self):
        return self._handle.outputs[0].dtype

    @property
    def shape(self):
        return self._handle.outputs[0].shape

    @property
    def device(self):
        return "/job:localhost/replica:0/task:0/device:CPU:0"

    @property
    def initializer(self):
        return None  # an eager variable is initialized when created

    @property
    def initial_value(self):
        return EagerTensor(self._initial.copy())

    def initialized_value(self):
        return self.value()

    # ---- reading ---------------------------------------------------------------------------------------------
    def _eager_read(self):
        """The current value as an eager tensor (recorded by the tapes watching this variable)."""
        ctx = self._ctx
        handle = self._handle
        ctx.exposed.add(handle)  # the tensor aliases the buffer: an in-place update copies it first
        t = EagerTensor(ctx.variable_values[handle])
        for tape in tape_stack.tapes:
            if tape.recording:
                tape.variable_read(self, t)
        return t

    def value(self):
        return self._snapshot

    def read_value(self):
        return self._eager_read() if execution_mode.mode.eager else Variable.read_value(self)

    def _as_tensor(self):
        return self._snapshot

    def _as_graph_element(self):
        return self._snapshot

    def _ref(self):
        return self._snapshot if execution_mode.mode.eager else self._captured()[0].outputs[0]

    def numpy(self):
        """A copy of the value (a numpy scalar for a 0-d variable, as in TF)."""
        value = np.array(devices.to_numpy(self._ctx.variable_values[self._handle]))
        return value[()] if value.ndim == 0 else value

    def eval(self, session=None):
        if execution_mode.mode.eager or session is None:
            return self.numpy()
        return Variable.eval(self, session)

    def load(self, value, session=None):
        self._write(value, None)

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s, numpy=%s>" % (
            self.name, self.shape, self.dtype.name, numpy_text(self._ctx.variable_values[self._handle]))

    # ---- updates -------------------------------------------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        if not execution_mode.mode.eager:
            return Variable.assign(self, value, use_locking, name, read_value)
        return self._write(value, None)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        if not execution_mode.mode.eager:
            return Variable.assign_add(self, delta, use_locking, name, read_value)
        return self._write(delta, np.add)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        if not execution_mode.mode.eager:
            return Variable.assign_sub(self, delta, use_locking, name, read_value)
        return self._write(delta, np.subtract)

    def _write(self, value, combine):
        """Stores a new array (never writes in place, so earlier reads keep their values); returns the variable."""
        store = self._ctx.variable_values
        cur = store[self._handle]
        np_dtype = self.dtype.as_numpy_dtype
        if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
            value = convert_to_tensor(value)
            if value.dtype is not self.dtype:
                raise TypeError("Variable '%s' of dtype %s cannot be assigned a value of dtype %s"
                                % (self.name, self.dtype.name, value.dtype.name))
            value = value._value
        arr = np.asarray(value, dtype=np_dtype)
        if combine is None:
            if not self.shape.is_compatible_with(arr.shape):
                raise ValueError("Cannot assign a value of shape %s to variable '%s' of shape %s"
                                 % (arr.shape, self.name, self.shape))
            new = np.array(arr, dtype=np_dtype)
        else:
            new = combine(cur, arr).astype(np_dtype, copy=False)
            if new.shape != cur.shape:
                raise ValueError("Cannot update variable '%s' of shape %s with a value of shape %s"
                                 % (self.name, cur.shape, arr.shape))
        store[self._handle] = new
        self._ctx.exposed.discard(self._handle)
        return self

    # ---- Python values of eager variables --------------------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        value = np.asarray(devices.to_numpy(self._ctx.variable_values[self._handle]))
        return value if dtype is None else value.astype(dtype)

    def __bool__(self):
        return bool(self._eager_read())

    def __float__(self):
        return float(self._eager_read())

    def __int__(self):
        return int(self._eager_read())

    def __index__(self):
        return self._eager_read().__index__()

    def __iter__(self):
        return iter(self._eager_read())

    def __len__(self):
        return len(self._eager_read())

    def __format__(self, spec):
        return format(self._eager_read(), spec)


def _initial_array(value, dtype, name):
    """The initial value as a new writable array of ``dtype`` (computed eagerly)."""
    if isinstance(value, Tensor) and not isinstance(value, EagerTensor):
        known = constant_value(value)
        if known is None:
            known = _evaluate_initializer(value, name)
        value = known
    t = convert_to_tensor(value, dtype=dtype if not isinstance(value, Tensor) else None)
    arr = np.array(devices.to_numpy(t._value))
    if dtype is not None and arr.dtype != dtypes.as_dtype(dtype).as_numpy_dtype:
        arr = arr.astype(dtypes.as_dtype(dtype).as_numpy_dtype)
    return arr


def _evaluate_initializer(t, name):
    """The value of an initializer built in a traced graph (an initializer op, e.g. glorot_uniform's)."""
    if not getattr(t.graph, "lifts_variables", False):
        raise ValueError("Variable %s: the initial value %r is a graph tensor; eager variables need values, eager "
                         "tensors or callables." % (name or "Variable", t))
    try:
        return Session(graph=t.graph).run(t)
    except Exception as e:
        raise ValueError("Variable %s is created inside kf.function (or a Keras model's graph) from the graph tensor "
                         "%r, which could not be computed on its own (%s). Give the variable a value or a callable "
                         "initial value (it runs eagerly, once)." % (name or "Variable", t, e)) from e


register_eager_variable(EagerVariable)
