"""Variables: named, per-session mutable state (``kf.Variable``) and their initializers.

Each ``Variable`` is a "VariableV2" op whose value lives in ``Session.variable_values``,
so two sessions over one graph hold separate values. Updates are done in place.

Example:
    >>> v = kf.Variable(0, name="counter")
    >>> inc = v.assign_add(10)
    >>> with kf.Session() as sess:
    ...     sess.run(v.initializer)
    ...     sess.run(inc)
    10
"""
import contextlib
import operator

import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes, graph as graph_mod, shapes
from kflow.engine.graph import GraphKeys
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.identity_ops import group, identity
from kflow.engine.ops.math_ops import cast
from kflow.engine.tensor import Tensor
from kflow.engine.default_session import session_for
from kflow.engine.execution_mode import mode as _mode

_EAGER_VARIABLE = []  # the eager variable class (eager_variable registers it: it is built on this module)


def register_eager_variable(cls):
    """Makes ``kf.Variable(...)`` build a ``cls`` while eager execution is on (or a kf.function traces)."""
    _EAGER_VARIABLE[:] = [cls]


def _bind_variable(op, session):
    store = session.variable_values

    def read():
        try:
            return store[op]
        except KeyError:
            raise errors.FailedPreconditionError(
                None, op, "Attempting to use uninitialized value %s (variable created at %s). Run "
                "kf.global_variables_initializer() (or the variable's initializer) first." % (
                    op.name, op.created_at)) from None

    return read


# the output is the session's buffer of the variable: fetches copy it
VARIABLE = OpDef("VariableV2", bind=_bind_variable, grad=None, state_output=True)


def _bind_initialized_value(op, session):
    var_op = op.attrs["var"]
    store = session.variable_values  # read at run time: no op reads the (maybe missing) buffer
    return lambda initial: store[var_op] if var_op in store else initial


# may be the variable's own buffer: fetches get a copy
INITIALIZED_VALUE = OpDef("InitializedValue", bind=_bind_initialized_value, state_output=True)


@contextlib.contextmanager
def _outside_control_flow(g):
    saved, g._cond_context = g._cond_context, None
    try:
        yield
    finally:
        g._cond_context = saved


def variable_collections(collections, trainable):
    """The collections a new variable joins: ``collections`` (default: global variables), plus the trainable
    variables when ``trainable``."""
    if collections is None:
        collections = [GraphKeys.GLOBAL_VARIABLES]
    if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
        collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
    return collections


class Variable:
    """A TF1 variable: ``Variable(initial_value, trainable=True, name=None, dtype=None, ...)``.

    ``initial_value`` may be a value, a Tensor, or a callable returning one.
    """

    def __new__(cls, *args, **kwargs):
        # eager variables hold their value; a kf.function trace lifts the variables it creates out of its graph
        if cls is Variable and _EAGER_VARIABLE and (_mode.eager or graph_mod.get_default_graph().lifts_variables):
            cls = _EAGER_VARIABLE[0]
        return object.__new__(cls)

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        g = graph_mod.get_default_graph()
        # initialization waits on no outer control deps, and is lifted out of loops and conds as in TF1:
        # the initializer runs once, and a loop body captures the variable like any outer tensor
        with g.control_dependencies(None), _outside_control_flow(g):
            with g.name_scope(name or "Variable") as scope:
                if callable(initial_value):
                    initial_value = initial_value()
                init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
                if dtype is not None and init.dtype is not dtypes.as_dtype(dtype):
                    init = cast(init, dtype)
                var_shape = shapes.TensorShape(shape) if shape is not None else init.shape
                if validate_shape and not var_shape.is_fully_defined():
                    raise ValueError("initial_value must have a shape specified: %s" % init)
                self._variable = make_op(VARIABLE, [], [(init.dtype, var_shape)], scope,
                                         attrs={"dtype": init.dtype, "shape": var_shape})
                self._variable._py_variable = self
                self._initial_value = init
                self._initializer_op = _assign_op(self, init, ASSIGN, "Assign", validate_shape).op
                self._snapshot = identity_read(self._variable.outputs[0])
        self._trainable = trainable
        self.constraint = constraint
        g.add_to_collections(variable_collections(collections, trainable), self)

    @classmethod
    def from_ops(cls, var_op, initializer, snapshot, initial_value, trainable=True):
        """The Variable of existing ops (an imported meta graph's); adds no op and no collection entry.

        Args:
            var_op: its "VariableV2" op; initializer: its "Assign" op; snapshot: its "read" tensor;
            initial_value: the tensor the initializer assigns; trainable: as ``Variable(trainable=)``.
        """
        var = object.__new__(cls)
        var._variable, var._initializer_op = var_op, initializer
        var._snapshot, var._initial_value = snapshot, initial_value
        var._trainable, var.constraint = bool(trainable), None
        var_op._py_variable = var
        return var

    # ---- identity -------------------------------------------------------
    @property
    def name(self):
        return self._variable.name + ":0"

    @property
    def op(self):
        return self._variable

    @property
    def graph(self):
        return self._variable.graph

    @property
    def dtype(self):
        return self._variable.outputs[0].dtype

    @property
    def shape(self):
        return self._variable.outputs[0].shape

    def get_shape(self):
        return self.shape

    @property
    def device(self):
        return self._variable.device

    @property
    def trainable(self):
        return self._trainable

    @property
    def initializer(self):
        return self._initializer_op

    @property
    def initial_value(self):
        return self._initial_value

    def initialized_value(self):
        """The value, or the initial value while uninitialized (TF1's way to initialize one variable from
        another: ``w2 = kf.Variable(w1.initialized_value() * 2)`` works whatever order initializers run in)."""
        var_op = self._variable
        with self.graph.as_default(), self.graph.control_dependencies(None):
            op = make_op(INITIALIZED_VALUE, [self._initial_value], [(self.dtype, self.shape)],
                         var_op.name + "/initialized_value", attrs={"var": var_op})  # runs by its buffer
        return op.outputs[0]

    def value(self):
        return self._snapshot

    def read_value(self):
        return identity_read(self._variable.outputs[0])

    def _as_tensor(self):
        return self._snapshot

    def _as_graph_element(self):
        return self._snapshot

    def _ref(self):
        return self._variable.outputs[0]

    def __repr__(self):
        return "<tf.Variable '%s' shape=%s dtype=%s>" % (self.name, self.shape, self.dtype.name)

    # ---- evaluation -------------------------------------------------------
    def eval(self, session=None):
        return self._snapshot.eval(session=session)

    def load(self, value, session=None):
        """Writes ``value`` into this variable in ``session`` without adding ops to the graph."""
        sess = session_for(session, self._variable)
        arr = np.array(devices.to_numpy(value), dtype=self.dtype.as_numpy_dtype)  # a copy: the session owns it
        if not self.shape.is_compatible_with(arr.shape):
            raise ValueError("Cannot load a value of shape %s into variable '%s' of shape %s"
                             % (arr.shape, self.name, self.shape))
        placed = sess.placer.place(self._variable)
        # The value must live where the variable's kernels run: a GPU variable holds a device array.
        sess.variable_values[self._variable] = arr if placed[0] == "CPU" else \
            sess.placer.backend_for(placed).to_device(arr)

    # ---- updates ---------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        return _assign_op(self, value, ASSIGN, name or "Assign", True)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return _assign_op(self, delta, ASSIGN_ADD, name or "AssignAdd", True)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return _assign_op(self, delta, ASSIGN_SUB, name or "AssignSub", True)

    # Tensor-like behaviour: ops accept Variables wherever a Tensor is expected.
    def __getattr__(self, item):
        if item.startswith("__") or item in ("_snapshot", "_variable"):
            raise AttributeError(item)
        return getattr(self._snapshot, item)

    __array_priority__ = 100
    _is_eager_value = False  # variables are collected, in eager mode too (not looked up through the snapshot)

    def __bool__(self):
        raise TypeError("Using a `kf.Variable` as a Python `bool` is not allowed.")

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


def identity_read(var_tensor):
    """The "read" snapshot op of a variable (an Identity of its buffer)."""
    return identity(var_tensor, name="read")


def _bind_assign(op, session):
    var_op, validate_shape = op.attrs["var"], op.attrs["validate_shape"]
    var_dtype = np.dtype(var_op.outputs[0].dtype.as_numpy_dtype)
    store = session.variable_values

    def assign(value):
        cur = store.get(var_op)
        if cur is not None and cur.shape == np.shape(value):
            cur[...] = value
            return cur
        if validate_shape and not var_op.outputs[0].shape.is_compatible_with(np.shape(value)):
            raise errors.InvalidArgumentError(None, op, "Assign requires shapes of both tensors to match. "
                                              "lhs '%s' shape= %s rhs shape= %s" % (
                                                  var_op.name, var_op.outputs[0].shape, np.shape(value)))
        new = value.astype(var_dtype, copy=True) if hasattr(value, "astype") else np.array(value, dtype=var_dtype)
        store[var_op] = new
        return new

    return assign


def _update_binder(inplace):
    """``bind(op, session)`` of an op updating its variable's buffer with ``inplace(buffer, delta)``."""
    def bind(op, session):
        var_op = op.attrs["var"]
        store = session.variable_values

        def update(delta):
            try:
                cur = store[var_op]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, "Attempting to use uninitialized value %s in %s" % (var_op.name, op.name)) from None
            return inplace(cur, delta)

        return update

    return bind


# updates return the variable's buffer itself
ASSIGN = OpDef("Assign", bind=_bind_assign, grad=None, state_output=True)
ASSIGN_ADD = OpDef("AssignAdd", bind=_update_binder(operator.iadd), grad=None, state_output=True)
ASSIGN_SUB = OpDef("AssignSub", bind=_update_binder(operator.isub), grad=None, state_output=True)


def _assign_op(var, value, op_def, name, validate_shape):
    kind = op_def.type
    var_op = var._variable if isinstance(var, Variable) else var
    var_t = var_op.outputs[0]
    value = convert_to_tensor(value, dtype=var_t.dtype if not isinstance(value, Tensor) else None)
    if value.dtype is not var_t.dtype:
        raise build_error(kind, name, [var_t, value], "%s: value dtype %s does not match variable '%s' dtype %s"
                          % (kind, value.dtype.name, var_op.name, var_t.dtype.name), TypeError)
    if validate_shape and not var_t.shape.is_compatible_with(value.shape):
        raise build_error(kind, name, [var_t, value], "%s: shapes %s (variable '%s') and %s are incompatible"
                          % (kind, var_t.shape, var_op.name, value.shape))
    with var_op.graph.as_default():
        op = make_op(op_def, [value], [(var_t.dtype, var_t.shape)], name,
                     attrs={"var": var_op, "validate_shape": validate_shape})
    return op.outputs[0]


def assign(ref, value, validate_shape=True, use_locking=None, name=None):
    return _assign_op(as_variable(ref), value, ASSIGN, name or "Assign", validate_shape)


def assign_add(ref, value, use_locking=None, name=None):
    return _assign_op(as_variable(ref), value, ASSIGN_ADD, name or "AssignAdd", True)


def assign_sub(ref, value, use_locking=None, name=None):
    return _assign_op(as_variable(ref), value, ASSIGN_SUB, name or "AssignSub", True)


def as_variable(ref):
    """The Variable behind ``ref``: a Variable, its VariableV2 output or an Identity of it (TypeError otherwise)."""
    if isinstance(ref, Variable):
        return ref
    op = getattr(ref, "op", None)
    if op is not None and op.type == "Identity" and op.inputs and op.inputs[0].op.type == "VariableV2":
        op = op.inputs[0].op
    if op is not None and op.type == "VariableV2":
        return op._py_variable
    raise TypeError("assign expects a Variable as its first argument, got %r" % (ref,))


# ---- collections and initializers ---------------------------------------------
def global_variables(scope=None):
    return graph_mod.get_collection(GraphKeys.GLOBAL_VARIABLES, scope)


all_variables = global_variables


def local_variables(scope=None):
    return graph_mod.get_collection(GraphKeys.LOCAL_VARIABLES, scope)


def trainable_variables(scope=None):
    return graph_mod.get_collection(GraphKeys.TRAINABLE_VARIABLES, scope)


def model_variables(scope=None):
    return graph_mod.get_collection(GraphKeys.MODEL_VARIABLES, scope)


def variables_initializer(var_list, name="init"):
    """An op running the initializers of ``var_list``."""
    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


def _bind_report_uninitialized(op, session):
    var_ops = op.attrs["var_ops"]
    store = session.variable_values
    return lambda: np.array([v.name.encode() for v in var_ops if v not in store], dtype=object)


REPORT_UNINITIALIZED_VARIABLES = OpDef("ReportUninitializedVariables", bind=_bind_report_uninitialized,
                                       host_only=True)


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor naming the variables (of ``var_list``, default all globals+locals) not yet initialized."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    var_ops = [v._variable for v in var_list]
    op = make_op(REPORT_UNINITIALIZED_VARIABLES, [], [(dtypes.string, [None])], name, attrs={"var_ops": var_ops})
    return op.outputs[0]


def _bind_is_initialized(op, session):
    var_op = op.attrs["variable"]  # not "var": the check is not an update colocated with the variable
    store = session.variable_values
    return lambda: np.bool_(var_op in store)


IS_VARIABLE_INITIALIZED = OpDef("IsVariableInitialized", bind=_bind_is_initialized, grad=None)


def is_variable_initialized(variable):
    return make_op(IS_VARIABLE_INITIALIZED, [], [(dtypes.bool, [])], "IsVariableInitialized",
                   attrs={"variable": variable._variable}).outputs[0]
