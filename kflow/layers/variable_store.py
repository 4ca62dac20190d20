"""The per-graph store behind ``get_variable``: creates, finds and checks shared variables.

Variables are keyed by full name ("foo/v"). A request for an existing name is an error
unless reuse is on; with reuse the requested shape and dtype must match the stored
variable. Errors name the user's source lines, so a clash shows both creation sites.

Example:
    >>> store = VariableStore()
    >>> v = store.get_variable("foo/v", shape=[2], dtype=kf.float32, reuse=None)
    >>> store.get_variable("foo/v", shape=[2], dtype=kf.float32, reuse=True) is v
    True
"""
import contextlib
import inspect

from kflow import initializers
from kflow.engine import dtypes, graph as graph_mod, shapes
from kflow.engine.graph import GraphKeys
from kflow.engine.operation import _user_frame
from kflow.engine.tensor import Tensor
from kflow.engine.variables import Variable


class VariableStore:
    """Variables created by ``get_variable`` in one graph, by full name."""

    def __init__(self):
        self._vars = {}

    @property
    def variables(self):
        return dict(self._vars)

    def get_variable(self, name, shape=None, dtype=dtypes.float32, initializer=None, regularizer=None, reuse=None,
                     trainable=True, collections=None, validate_shape=True, constraint=None, **unused):
        """Returns variable ``name`` (a full name), creating it unless ``reuse`` is True.

        ``reuse``: None/False create (error if it exists), True reuse (error if missing), AUTO_REUSE either.
        """
        dtype = dtypes.as_dtype(dtype)
        from_value = initializer is not None and not callable(initializer)
        if from_value and shape is not None:
            raise ValueError("If initializer is a constant, do not specify shape (variable '%s')." % name)
        if shape is not None:
            shape = shapes.as_shape(shape)
        found = self._vars.get(name)
        if found is not None:
            if reuse is None or reuse is False:
                raise ValueError(
                    "Variable %s already exists, disallowed. Did you mean to set reuse=True or "
                    "reuse=kf.AUTO_REUSE in VarScope?\n  originally defined at: %s\n  requested again at:   %s"
                    % (name, found.op.created_at, _here()))
            _check_compatible(name, found, shape if not from_value else _value_shape(initializer),
                              dtype if not from_value else None)
            return found
        if reuse is True:
            raise ValueError("Variable %s does not exist, or was not created with kf.get_variable(). Did you mean "
                             "to set reuse=kf.AUTO_REUSE in VarScope? (requested at %s)" % (name, _here()))
        v = self._create(name, shape, dtype, initializer, from_value, trainable, collections, validate_shape,
                         constraint)
        self._vars[name] = v
        if regularizer is not None:
            apply_regularizer(v, regularizer)
        return v

    def _create(self, name, shape, dtype, initializer, from_value, trainable, collections, validate_shape,
                constraint):
        var_dtype = None  # a value or Tensor initializer keeps its own dtype, as in TF
        if from_value:
            init_val = initializer
        else:
            if initializer is None:
                initializer = default_initializer(name, dtype)
            if isinstance(initializer, type):
                initializer = initializer()
            if shape is not None and shape.is_fully_defined():
                init_val = _shaped_initial_value(initializer, shape.as_list(), dtype)
                var_dtype = dtype
            elif _takes_no_arguments(initializer):
                init_val = initializer
            else:
                raise ValueError("Shape of a new variable (%s) must be fully defined, but instead was %s. Give a "
                                 "shape, or a value / no-argument callable as initializer." % (name, shape))
        g = graph_mod.get_default_graph()
        with _init_scope(g):
            return Variable(initial_value=init_val, name=name, trainable=trainable, collections=collections,
                            validate_shape=validate_shape, dtype=var_dtype, constraint=constraint)


def default_initializer(name, dtype):
    """TF1's default: glorot_uniform for floats, zeros for integers and bools."""
    if dtype.is_floating:
        return initializers.glorot_uniform_initializer()
    if dtype.is_integer or dtype.is_bool:
        return initializers.zeros_initializer()
    raise ValueError("An initializer for variable %s of %s is required" % (name, dtype.name))


def _shaped_initial_value(initializer, shape, dtype):
    # Initializer ops go under "<var>/Initializer/" as in TF, e.g. "dense/kernel/Initializer/random_uniform".
    accepts_partition = _accepts(initializer, "partition_info")

    def init_val():
        g = graph_mod.get_default_graph()
        with g.name_scope("Initializer"):
            if accepts_partition:
                return initializer(shape, dtype=dtype, partition_info=None)
            return initializer(shape, dtype=dtype)

    return init_val


def _accepts(fn, arg):
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return True
    return arg in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _takes_no_arguments(fn):
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return False
    return all(p.default is not inspect.Parameter.empty or p.kind in (inspect.Parameter.VAR_POSITIONAL,
                                                                      inspect.Parameter.VAR_KEYWORD)
               for p in params)


def apply_regularizer(var, regularizer):
    """Adds ``regularizer(var)`` (ops under "<var>/Regularizer/") to REGULARIZATION_LOSSES; returns it or None."""
    g = var.graph
    with g.as_default(), g.name_scope(var.op.name + "/Regularizer/"):
        loss = regularizer(var)
    if loss is not None:
        g.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)
    return loss


@contextlib.contextmanager
def _init_scope(g):
    """Variables are created outside any cond branch and control dependencies (TF's init_scope)."""
    saved = g._cond_context
    g._cond_context = None
    try:
        with g.control_dependencies(None):
            yield
    finally:
        g._cond_context = saved


def _check_compatible(name, found, shape, dtype):
    if shape is not None and not shape.is_compatible_with(found.shape):
        raise ValueError("Trying to share variable %s, but specified shape %s and found shape %s (created at %s; "
                         "requested at %s)." % (name, shape, found.shape, found.op.created_at, _here()))
    if dtype is not None and dtype is not found.dtype:
        raise ValueError("Trying to share variable %s, but specified dtype %s and found dtype %s (created at %s; "
                         "requested at %s)." % (name, dtype.name, found.dtype.name, found.op.created_at, _here()))


def _value_shape(value):
    if isinstance(value, Tensor) or hasattr(value, "_as_tensor"):
        return value.shape
    import numpy as np

    return shapes.TensorShape(np.shape(value))


def _here():
    frame = _user_frame()
    return "%s:%d in %s" % frame if frame else "<unknown>"
