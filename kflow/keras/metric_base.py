"""Keras metric objects: state in variables, ``update_state`` / ``result`` / ``reset_state``.

A metric keeps its running state in non-trainable variables of the graph it was made in (collections
LOCAL_VARIABLES and METRIC_VARIABLES, so neither a Saver nor a model's weights include them).
``update_state`` returns the op adding a batch; ``result()`` the tensor of the value so far;
``reset_state()`` writes the initial values through the session (no op). Called as
``metric(y_true, y_pred)`` it updates and returns the result in one tensor, which is how ``compile``
uses it: ``fit`` resets the state at each epoch and logs the last value.

Given numpy values instead of tensors (standalone use), ``update_state`` runs at once in the
graph's Keras session, through placeholders built once per shape and dtype, so repeated calls do not
grow the graph; ``value()`` reads the result as a number.

Example:
    >>> m = kf.keras.metrics.Mean()
    >>> m.update_state([1.0, 3.0, 5.0])
    >>> m.value()
    3.0
    >>> m.reset_state()
"""
import contextlib
import threading

import numpy as np

from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.graph_session import get_session
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like, ones_like, placeholder
from kflow.engine.ops.identity_ops import group
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.ops.shape_ops import expand_dims
from kflow.keras.loss_classes import snake_case as _snake
from kflow.metrics.metric_utils import metric_variable, safe_div


_program_order = threading.local()


@contextlib.contextmanager
def program_order():
    """While a custom ``train_step``/``test_step`` is built: a metric's ``result()`` reads its state after the
    updates built just before it (eager code's order). Elsewhere a result tensor stays independent of the update
    ops (as in TF1 graph mode), so it can be run on its own."""
    previous = getattr(_program_order, "on", False)
    _program_order.on = True
    try:
        yield
    finally:
        _program_order.on = previous


class Metric:
    """Base class: subclasses create state with ``add_weight`` in ``__init__`` and implement
    ``update_state(y_true, y_pred, sample_weight=None) -> op`` (or ``update_state(values, ...)``) and
    ``result() -> tensor``.

    Args:
        name: the metric's name (its log key in ``fit``; the variables' name scope).
        dtype: the dtype of the state and result (float32).
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or _snake(type(self).__name__)
        self.dtype = dtypes.as_dtype(dtype or dtypes.float32)
        self._graph = graph_mod.get_default_graph()
        self._state = []  # (variable, initial numpy value)
        self._eager = {}  # standalone updates: (shapes, dtypes) -> (placeholders, op)
        self._result_tensor = None
        self._pending, self._consumed = [], False  # update ops the next result() reads after

    @property
    def variables(self):
        return [v for v, _ in self._state]

    weights = variables

    def add_weight(self, name, shape=(), initializer=0.0, dtype=None):
        """A state variable (non-trainable, local) starting at ``initializer`` (a number)."""
        dtype = dtypes.as_dtype(dtype or self.dtype)
        with self._graph.as_default(), graph_mod.name_scope(self.name):
            var = metric_variable(list(shape), dtype, name)
        init = np.full(tuple(shape), initializer, dtype.as_numpy_dtype)
        self._state.append((var, init))
        if initializer != 0.0:
            get_session(self._graph).run(var.assign(init))
        return var

    # ---- program order in a graph ---------------------------------------------------------
    def _record(self, op):
        """Notes a graph-mode update: a ``result()`` built next reads the state after it (as eager code would)."""
        if self._consumed:
            self._pending, self._consumed = [], False
        self._pending.append(op)
        return op

    def _read(self, var):
        """The value of state ``var``, read after the updates built since the last result."""
        self._consumed = True
        with self._graph.control_dependencies(self._pending if getattr(_program_order, "on", False) else []):
            return var.read_value()

    # ---- the Keras API ----------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        """Updates the state with a batch and returns the result (a tensor that runs the update first)."""
        update = self.update_state(*args, **kwargs)
        with self._graph.control_dependencies([update]):  # (also for subclasses that do not _record)
            return M.add(self.result(), 0.0, name=self.name)

    def reset_state(self):
        """Back to the initial state (written through the session; adds no op)."""
        sess = get_session(self._graph)
        for var, init in self._state:
            var.load(init, sess)

    reset_states = reset_state

    def value(self):
        """The result now, as a Python float (or numpy array), read in the graph's Keras session."""
        if self._result_tensor is None:
            self._pending = []  # no graph-mode update (with its feeds) to wait for
            with self._graph.as_default():
                self._result_tensor = self.result()
        out = get_session(self._graph).run(self._result_tensor)
        return float(out) if np.ndim(out) == 0 else out

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError

    def result(self):
        raise NotImplementedError

    # ---- standalone use ------------------------------------------------------------------
    def _run_now(self, build, values):
        """Runs ``build(*tensors) -> op`` on numpy ``values`` (None stays None) in the Keras session, building
        the op once per shape/dtype signature. Returns the op."""
        arrays = [None if v is None else np.asarray(v) for v in values]
        arrays = [a.astype(np.float32) if a is not None and a.dtype == np.float64 else a for a in arrays]
        shapes = [None if a is None else [None] * (a.ndim - 1) + list(a.shape[-1:]) if a.ndim > 1 else [None] * a.ndim
                  for a in arrays]  # batches of any size share the op; the classes (last axis) stay known
        key = tuple(None if a is None else (tuple(s), a.dtype.str) for a, s in zip(arrays, shapes))
        entry = self._eager.get(key)
        if entry is None:
            with self._graph.as_default():
                phs = [None if a is None else placeholder(dtypes.as_dtype(a.dtype), s) for a, s in zip(arrays, shapes)]
                entry = self._eager[key] = (phs, build(*phs))
        phs, op = entry
        self._pending = [p for p in self._pending if p is not op]
        get_session(self._graph).run(op, {p: a for p, a in zip(phs, arrays) if p is not None})
        return op


def standalone(values):
    """True when none of ``values`` is a tensor: the update runs at once."""
    return not any(is_tensor_like(v) for v in values if v is not None)


def weighted(values, sample_weight):
    """``values * w`` and the matching weight total, with per-sample weights broadcast over extra axes."""
    values = M.cast(convert_to_tensor(values), dtypes.float32)
    if sample_weight is None:
        return values, M.cast(reduce_sum(ones_like(values)), dtypes.float32)
    w = M.cast(convert_to_tensor(sample_weight), dtypes.float32)
    while w.shape.ndims is not None and values.shape.ndims is not None and w.shape.ndims < values.shape.ndims:
        w = expand_dims(w, -1)
    w = w * ones_like(values)
    return values * w, reduce_sum(w)


class Reduce(Metric):
    """``total`` (and ``count``) of values seen; ``Sum`` returns the total, ``Mean`` the weighted mean."""

    _mean = True

    def __init__(self, name=None, dtype=None):
        super().__init__(name, dtype)
        self.total = self.add_weight("total")
        if self._mean:
            self.count = self.add_weight("count")

    def update_state(self, values, sample_weight=None):
        if standalone([values, sample_weight]):
            return self._run_now(self.update_state, [values, sample_weight])
        with self._graph.as_default(), graph_mod.name_scope(self.name + "_update"):
            v, w_total = weighted(values, sample_weight)
            ops = [self.total.assign_add(reduce_sum(v))]
            if self._mean:
                ops.append(self.count.assign_add(w_total))
            return self._record(group(*ops))

    def result(self):
        if self._mean:
            return safe_div(self._read(self.total), self._read(self.count), self.name + "_result")
        return self._read(self.total)


class Sum(Reduce):
    """The (weighted) sum of all values seen."""

    _mean = False


class Mean(Reduce):
    """The (weighted) mean of all values seen."""


class MeanMetricWrapper(Mean):
    """The mean of ``fn(y_true, y_pred, **kwargs)`` over all samples seen (accuracy, errors, ...)."""

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name or fn.__name__, dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    def update_state(self, y_true, y_pred, sample_weight=None):
        if standalone([y_true, y_pred, sample_weight]):
            return self._run_now(self.update_state, [y_true, y_pred, sample_weight])
        with self._graph.as_default():
            y_pred = convert_to_tensor(y_pred)
            if y_pred.shape.ndims == 1:  # one value per sample: (batch,) as (batch, 1), so each sample counts
                y_true, y_pred = expand_dims(convert_to_tensor(y_true), -1), expand_dims(y_pred, -1)
            return Mean.update_state(self, self._fn(y_true, y_pred, **self._fn_kwargs), sample_weight)

    def get_config(self):
        config = dict(self._fn_kwargs)
        config.update(super().get_config())
        return config
