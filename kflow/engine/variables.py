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
import numpy as np

from kflow import errors
from kflow.engine import backend, dtypes, graph as graph_mod, shapes
from kflow.engine.graph import GraphKeys
from kflow.engine.operation import make_op, not_differentiable, register_gradient, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.tensor import Tensor
from kflow.engine.default_session import session_for


class Variable:
    """A TF1 variable: ``Variable(initial_value, trainable=True, name=None, dtype=None, ...)``.

    ``initial_value`` may be a value, a Tensor, or a callable returning one.
    """

    def __init__(self, initial_value=None, trainable=True, collections=None, validate_shape=True,
                 caching_device=None, name=None, variable_def=None, dtype=None, expected_shape=None,
                 import_scope=None, constraint=None, shape=None):
        if initial_value is None:
            raise ValueError("initial_value must be specified.")
        g = graph_mod.get_default_graph()
        with g.control_dependencies(None):  # initialization must not wait on outer control deps
            with g.name_scope(name or "Variable") as scope:
                if callable(initial_value):
                    initial_value = initial_value()
                init = convert_to_tensor(initial_value, dtype=dtype, name="initial_value")
                if dtype is not None and init.dtype is not dtypes.as_dtype(dtype):
                    init = _cast(init, dtype)
                var_shape = shapes.TensorShape(shape) if shape is not None else init.shape
                if validate_shape and not var_shape.is_fully_defined():
                    raise ValueError("initial_value must have a shape specified: %s" % init)
                self._variable = make_op("VariableV2", [], None, [(init.dtype, var_shape)], scope,
                                         attrs={"dtype": init.dtype, "shape": var_shape})
                self._variable._bind = _variable_kernel(self._variable)
                self._variable._output_is_state = True
                self._variable._py_variable = self
                self._initial_value = init
                self._initializer_op = _assign_op(self, init, "Assign", "Assign", validate_shape).op
                self._snapshot = identity_read(self._variable.outputs[0])
        self._trainable = trainable
        self.constraint = constraint
        if collections is None:
            collections = [GraphKeys.GLOBAL_VARIABLES]
        if trainable and GraphKeys.TRAINABLE_VARIABLES not in collections:
            collections = list(collections) + [GraphKeys.TRAINABLE_VARIABLES]
        g.add_to_collections(collections, self)

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

        def bind(session):
            store = session.variable_values  # read at run time: no op reads the (maybe missing) buffer
            return lambda initial: store[var_op] if var_op in store else initial

        with self.graph.as_default(), self.graph.control_dependencies(None):
            op = make_op("InitializedValue", [self._initial_value], None, [(self.dtype, self.shape)],
                         var_op.name + "/initialized_value", attrs={"var": var_op}, bind=bind)  # runs by its buffer
        op._output_is_state = True  # may be the variable's own buffer: fetches get a copy
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
        arr = np.array(backend.to_numpy(value), dtype=self.dtype.as_numpy_dtype)  # a copy: the session owns it
        if not self.shape.is_compatible_with(arr.shape):
            raise ValueError("Cannot load a value of shape %s into variable '%s' of shape %s"
                             % (arr.shape, self.name, self.shape))
        placed = sess.placer.place(self._variable)
        # The value must live where the variable's kernels run: a GPU variable holds a device array.
        sess.variable_values[self._variable] = arr if placed[0] == "CPU" else \
            sess.placer.backend_for(placed).to_device(arr)

    # ---- updates ---------------------------------------------------------
    def assign(self, value, use_locking=False, name=None, read_value=True):
        return _assign_op(self, value, "Assign", name or "Assign", True)

    def assign_add(self, delta, use_locking=False, name=None, read_value=True):
        return _assign_op(self, delta, "AssignAdd", name or "AssignAdd", True)

    def assign_sub(self, delta, use_locking=False, name=None, read_value=True):
        return _assign_op(self, delta, "AssignSub", name or "AssignSub", True)

    # Tensor-like behaviour: ops accept Variables wherever a Tensor is expected.
    def __getattr__(self, item):
        if item.startswith("__") or item in ("_snapshot", "_variable"):
            raise AttributeError(item)
        return getattr(self._snapshot, item)

    __array_priority__ = 100

    def __bool__(self):
        raise TypeError("Using a `kf.Variable` as a Python `bool` is not allowed.")

    __hash__ = object.__hash__

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


def _cast(t, dtype):
    from kflow.engine.ops.math_ops import cast

    return cast(t, dtype)


def identity_read(var_tensor):
    """The "read" snapshot op of a variable (an Identity of its buffer)."""
    op = make_op("Identity", [var_tensor], _identity, [(var_tensor.dtype, var_tensor.shape)], "read")
    return op.outputs[0]


def _identity(x):
    return x


def _variable_kernel(op):
    def bind(session):
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

    return bind


def _assign_kernel(op, var_op, kind, validate_shape):
    var_dtype = np.dtype(var_op.outputs[0].dtype.as_numpy_dtype)

    def bind(session):
        store = session.variable_values

        if kind == "Assign":
            def assign(value):
                cur = store.get(var_op)
                if cur is not None and cur.shape == np.shape(value):
                    cur[...] = value
                    return cur
                if validate_shape and not var_op.outputs[0].shape.is_compatible_with(np.shape(value)):
                    raise errors.InvalidArgumentError(None, op, "Assign requires shapes of both tensors to match. "
                                                      "lhs '%s' shape= %s rhs shape= %s" % (
                                                          var_op.name, var_op.outputs[0].shape, np.shape(value)))
                new = value.astype(var_dtype, copy=True) if hasattr(value, "astype") else \
                    np.array(value, dtype=var_dtype)
                store[var_op] = new
                return new
            return assign

        def update(delta):
            try:
                cur = store[var_op]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, "Attempting to use uninitialized value %s in %s" % (var_op.name, op.name)) from None
            if kind == "AssignAdd":
                cur += delta
            else:
                cur -= delta
            return cur

        return update

    return bind


def _assign_op(var, value, kind, name, validate_shape):
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
        op = make_op(kind, [value], None, [(var_t.dtype, var_t.shape)], name,
                     attrs={"var": var_op, "validate_shape": validate_shape})
    op._bind = _assign_kernel(op, var_op, kind, validate_shape)
    op._output_is_state = True
    return op.outputs[0]


not_differentiable("VariableV2", "Assign", "AssignAdd", "AssignSub")


def assign(ref, value, validate_shape=True, use_locking=None, name=None):
    return _assign_op(_as_variable(ref), value, "Assign", name or "Assign", validate_shape)


def assign_add(ref, value, use_locking=None, name=None):
    return _assign_op(_as_variable(ref), value, "AssignAdd", name or "AssignAdd", True)


def assign_sub(ref, value, use_locking=None, name=None):
    return _assign_op(_as_variable(ref), value, "AssignSub", name or "AssignSub", True)


def _as_variable(ref):
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
    from kflow.engine.ops.control_flow_ops import group

    return group(*[v.initializer for v in var_list], name=name)


def global_variables_initializer():
    return variables_initializer(global_variables(), name="init")


initialize_all_variables = global_variables_initializer


def local_variables_initializer():
    return variables_initializer(local_variables(), name="init")


def report_uninitialized_variables(var_list=None, name="report_uninitialized_variables"):
    """A string tensor naming the variables (of ``var_list``, default all globals+locals) not yet initialized."""
    if var_list is None:
        var_list = global_variables() + local_variables()
    var_ops = [v._variable for v in var_list]

    def bind(session):
        store = session.variable_values

        def report():
            return np.array([op.name.encode() for op in var_ops if op not in store], dtype=object)

        return report

    op = make_op("ReportUninitializedVariables", [], None, [(dtypes.string, [None])], name, bind=bind)
    return op.outputs[0]


def is_variable_initialized(variable):
    var_op = variable._variable

    def bind(session):
        store = session.variable_values
        return lambda: np.bool_(var_op in store)

    return make_op("IsVariableInitialized", [], None, [(dtypes.bool, [])], "IsVariableInitialized",
                   bind=bind).outputs[0]


@register_gradient("Identity")
def _identity_grad(op, grad):
    return [grad]
