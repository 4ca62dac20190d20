"""The optimizer base class (``kf.train.Optimizer``): gradients, slots, and one in-place update op per variable.

``minimize`` = ``compute_gradients`` + ``apply_gradients``. Subclasses create their
slots in ``_create_slots`` and return each variable's update from ``_apply_dense``
(a :func:`~kflow.train.fused_update.fused_update` op); an optimizer may instead update the dense,
unconstrained variables of one device and dtype together in one op (``_apply_dense_group``, a
:mod:`~kflow.train.multi_tensor_update` op: Adam does). Every update waits for every
gradient (the updates write the variables in place, and later gradients may still
read them), and ``minimize`` also runs the graph's ``UPDATE_OPS`` (batch-norm moving
statistics) that belong to the loss's model, so they cannot be forgotten.

Example:
    >>> opt = kf.train.AdamOptimizer(1e-3)
    >>> train_op = opt.minimize(loss, global_step=kf.train.get_or_create_global_step())
    >>> opt.get_slot(w, "m").name
    'w/Adam:0'
"""
import numpy as np

from kflow.engine import execution_mode, graph as graph_mod
from kflow.engine.backprop import GradientTape
from kflow.engine.graph import GraphKeys
from kflow.engine.gradients import gradients
from kflow.engine.indexed_slices import IndexedSlices, gradient_slices
from kflow.engine.ops import array_ops, control_flow_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.tensor import Tensor
from kflow.engine import variables as variables_mod
from kflow.engine.variables import Variable
from kflow.train.fused_update import BLOCKED_MIN_ELEMENTS


class Optimizer:
    """Base class of the ``kf.train`` optimizers.

    Args:
        use_locking: each variable update holds that variable's lock, so concurrent ``Session.run``
            calls lose no update (without it they race, Hogwild-style, as in TF).
        name: the optimizer's name: prefix of its ops and suffix of its slot variables.
    """

    GATE_NONE = 0
    GATE_OP = 1
    GATE_GRAPH = 2

    def __init__(self, use_locking, name):
        if not name:
            raise ValueError("Must specify the optimizer name")
        self._use_locking = use_locking
        self._name = name
        self._slots = {}  # slot name -> {variable op: slot Variable}
        self._non_slot_dict = {}  # (name, graph) -> Variable

    def get_name(self):
        return self._name

    # ---- the three public steps ------------------------------------------------------
    def minimize(self, loss, global_step=None, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                 colocate_gradients_with_ops=False, name=None, grad_loss=None):
        """Adds ops updating ``var_list`` (default: trainable variables) to reduce ``loss``; returns the train op.

        The loss model's pending ``UPDATE_OPS`` run before the variable updates.

        Raises:
            ValueError: no variable to optimize, or none of them receives a gradient from ``loss``.
        """
        if execution_mode.mode.eager:
            grads_and_vars = self.compute_gradients(loss, var_list=var_list, grad_loss=grad_loss)
            return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)
        loss = _loss_tensor(loss)
        grads_and_vars = self.compute_gradients(loss, var_list=var_list, gate_gradients=gate_gradients,
                                                aggregation_method=aggregation_method,
                                                colocate_gradients_with_ops=colocate_gradients_with_ops,
                                                grad_loss=grad_loss)
        with loss.graph.as_default(), graph_mod.control_dependencies(_model_update_ops(loss)):
            return self.apply_gradients(grads_and_vars, global_step=global_step, name=name)

    def compute_gradients(self, loss, var_list=None, gate_gradients=GATE_OP, aggregation_method=None,
                          colocate_gradients_with_ops=False, grad_loss=None):
        """Returns ``[(gradient or None, variable)]`` for ``var_list`` (default: the trainable variables).

        Raises:
            ValueError: no variables, or none of them gets a gradient (the error names the loss).
            TypeError: ``loss`` or a variable is not floating point.
        """
        if execution_mode.mode.eager:
            return _eager_gradients(loss, var_list, grad_loss)
        loss = _loss_tensor(loss)
        _check_float("loss", loss)
        var_list = _variable_list(loss.graph, var_list)
        for v in var_list:
            _check_float("variable", v)
        grads = gradients(loss, [v._ref() for v in var_list], grad_ys=grad_loss,
                          colocate_gradients_with_ops=colocate_gradients_with_ops,
                          aggregation_method=aggregation_method)
        if all(g is None for g in grads):
            raise ValueError(
                "No gradients provided for any variable: the loss '%s' (created at %s) does not depend on any of "
                "the variables %s through differentiable ops. Check the graph between them for ops without "
                "gradients (kf.stop_gradient, argmax, cast to int, ...)." % (
                    loss.name, loss.op.created_at, [v.name for v in var_list]))
        if gate_gradients == self.GATE_GRAPH:
            present = [g for g in grads if g is not None]
            gated = iter(control_flow_ops.tuple(present))
            grads = [next(gated) if g is not None else None for g in grads]
        # a gather's (embedding lookup's) gradient names its rows, as TF's IndexedSlices
        grads = [_sparse_or_dense(g, v) for g, v in zip(grads, var_list)]
        return list(zip(grads, var_list))

    def apply_gradients(self, grads_and_vars, global_step=None, name=None):
        """Returns the op applying the gradients (and incrementing ``global_step`` when given).

        Raises:
            ValueError: empty input, or every gradient is None.
            TypeError: an entry's variable is not a ``kf.Variable`` or its gradient's dtype differs.
        """
        pairs = []
        for g, v in grads_and_vars:
            v = as_variable(v)
            if g is not None and not isinstance(g, IndexedSlices):
                g = _sparse_or_dense(convert_to_tensor(g), v)
            if g is not None:
                if g.dtype is not v.dtype:
                    raise TypeError("Gradient '%s' has dtype %s but variable '%s' has dtype %s."
                                    % (g.name, g.dtype.name, v.name, v.dtype.name))
            pairs.append((g, v))
        if not pairs:
            raise ValueError("No variables provided.")
        var_list = [v for g, v in pairs if g is not None]
        if not var_list:
            raise ValueError("No gradients provided for any variable: %s." % ([v.name for _, v in pairs],))
        g = var_list[0].graph
        with g.as_default():
            self._create_slots(var_list)
            with graph_mod.name_scope(name, self._name) as scope:
                self._prepare()
                updates = []
                # In-place updates must not start before every gradient (which may read any variable) is done;
                # source ops (placeholders, constants) read no variable and may be fed, so they are not gated on.
                gate = [op for grad, _ in pairs if grad is not None for op in _producers(grad) if op.inputs]
                with graph_mod.control_dependencies(gate):
                    grouped = self._dense_groups(pairs)
                    for grad, var in pairs:
                        if grad is None:
                            continue
                        if var.op in grouped:
                            group = grouped.pop(var.op)
                            if group not in updates:
                                updates.append(group)
                            continue
                        with graph_mod.name_scope("update_" + var.op.name), graph_mod.device(var.device):
                            apply = self._apply_sparse if isinstance(grad, IndexedSlices) else self._apply_dense
                            updates.append(self._with_constraint(var, apply(grad, var)))
                if global_step is None:
                    train_op = self._finish(updates, scope)
                else:
                    with graph_mod.control_dependencies([self._finish(updates, "update")]):
                        train_op = variables_mod.assign_add(global_step, 1, name=scope).op
        if execution_mode.mode.eager:
            return train_op  # it has run; eager steps are not collected (the list would grow every step)
        train_ops = g.get_collection_ref(GraphKeys.TRAIN_OP)
        if train_op not in train_ops:
            train_ops.append(train_op)
        return train_op

    # ---- subclass hooks ------------------------------------------------------------------
    def _create_slots(self, var_list):
        """Creates the slot variables of ``var_list`` (default: none)."""

    def _prepare(self):
        """Converts hyperparameters once per ``apply_gradients`` (default: nothing)."""

    def _apply_dense(self, grad, var):
        raise NotImplementedError("%s must implement _apply_dense(grad, var)" % type(self).__name__)

    def _apply_sparse(self, grad, var):
        """The update for a sparse gradient (IndexedSlices). Default: the dense update of the dense gradient,
        right for optimizers whose TF1 sparse update touches every row anyway (Adam's moments decay everywhere);
        Momentum, RMSProp, Adagrad and SGD update only the gradient's rows."""
        return self._apply_dense(grad._as_tensor(), var)

    def _apply_dense_group(self, grads, variables):
        """One op applying the dense ``grads`` to ``variables`` (one device, one dtype) together, or None (the
        default): one op per variable. See :mod:`~kflow.train.multi_tensor_update`."""
        return None

    def _dense_groups(self, pairs):
        """``{variable op: update op}`` for the variables updated by one multi-tensor op (``_apply_dense_group``):
        those with a dense gradient and no constraint, grouped by device and dtype, two or more per group.

        A variable of ``BLOCKED_MIN_ELEMENTS`` or more keeps its own op: grouping saves per-call overhead, which
        only small updates feel, and a large update is memory-bound and runs blocked on its own (grouped with the
        others, deep MNIST's 3.2M-weight kernel made the step 8% slower: 38.4-39.0 vs 35.5-35.9 ms)."""
        if execution_mode.mode.eager:
            return {}  # an eager step runs each update as it is built: nothing to batch
        by_key = {}
        for grad, var in pairs:
            if grad is not None and not isinstance(grad, IndexedSlices) and getattr(var, "constraint", None) is None \
                    and _static_size(var) < BLOCKED_MIN_ELEMENTS:
                by_key.setdefault((var.device, var.dtype), []).append((grad, var))
        grouped = {}
        for members in by_key.values():
            if len(members) < 2:
                continue
            variables = [v for _, v in members]
            with graph_mod.name_scope("update_group"), graph_mod.device(variables[0].device):
                op = self._apply_dense_group([g for g, _ in members], variables)
            if op is None:
                return {}
            grouped.update((v.op, op) for v in variables)
        return grouped

    def _finish(self, update_ops, name_scope):
        return control_flow_ops.group(*update_ops, name=name_scope)

    def _with_constraint(self, var, update):
        constraint = getattr(var, "constraint", None)
        if constraint is None:
            return update
        with graph_mod.control_dependencies([update]):
            return var.assign(constraint(var.read_value())).op

    # ---- hyperparameters -------------------------------------------------------------------
    @staticmethod
    def _hyper(value):
        """A hyperparameter as kernels take it: a Python float, or a Tensor/Variable read at run time."""
        if callable(value) and not isinstance(value, (Tensor, Variable)):
            value = value()
        if isinstance(value, (Tensor, Variable)):
            return value
        return float(np.asarray(value))

    # ---- slots ----------------------------------------------------------------------------
    def get_slot(self, var, name):
        """The slot ``name`` ("m", "v", "momentum", ...) created for ``var``, or None."""
        slots = self._slots.get(name)
        if not slots:
            return None
        return slots.get(as_variable(var).op)

    def get_slot_names(self):
        return sorted(self._slots)

    def variables(self):
        """This optimizer's slot and non-slot variables in the default graph, sorted by name."""
        g = graph_mod.get_default_graph()
        found = [v for (_, graph), v in self._non_slot_dict.items() if graph is g]
        for slots in self._slots.values():
            found.extend(v for v in slots.values() if v.graph is g)
        return sorted(found, key=lambda v: v.name)

    def _slot_dict(self, slot_name):
        return self._slots.setdefault(slot_name, {})

    def _zeros_slot(self, var, slot_name, op_name):
        return self._get_or_make_slot(var, 0.0, slot_name, op_name)

    def _get_or_make_slot(self, var, fill_value, slot_name, op_name):
        """Returns the slot of ``var``, creating "<var op name>/<op_name>" filled with ``fill_value``."""
        slots = self._slot_dict(slot_name)
        slot = slots.get(var.op)
        if slot is None:
            g = var.graph
            with g.as_default(), g.name_scope(""), graph_mod.device(var.device):
                # a callable: built inside the Variable, away from minimize's control dependencies
                slot = Variable(lambda: _filled_like(var, fill_value), trainable=False,
                                name=var.op.name + "/" + op_name, dtype=var.dtype)
            slots[var.op] = slot
        return slot

    def _create_non_slot_variable(self, initial_value, name, colocate_with):
        """A per-graph variable of the optimizer (e.g. Adam's "beta1_power"), created once."""
        g = colocate_with.graph
        key = (name, g)
        v = self._non_slot_dict.get(key)
        if v is None:
            with g.as_default(), g.name_scope(""), graph_mod.device(colocate_with.device):
                v = Variable(initial_value, name=name, trainable=False)
            self._non_slot_dict[key] = v
        return v

    def _get_non_slot_variable(self, name, graph=None):
        return self._non_slot_dict.get((name, graph or graph_mod.get_default_graph()))


def _sparse_or_dense(grad, var):
    """``grad`` as IndexedSlices when it is a gather's gradient (rows of ``var``), else unchanged."""
    if grad is None or isinstance(grad, IndexedSlices) or not var.shape.is_fully_defined():
        return grad
    return gradient_slices(grad, var.shape.as_list()) or grad


def _producers(grad):
    """The ops computing ``grad`` (a sparse gradient's values and indices: its dense form may never be built)."""
    return [grad.values.op, grad.indices.op] if isinstance(grad, IndexedSlices) else [grad.op]

def _eager_gradients(loss, var_list, grad_loss):
    """compute_gradients in eager mode: ``loss`` is a function, differentiated with a GradientTape."""
    if not callable(loss) or hasattr(loss, "_as_tensor") or isinstance(loss, Tensor):
        raise RuntimeError("Eager execution is active: the loss passed to minimize/compute_gradients must be a "
                           "function computing it (e.g. opt.minimize(lambda: loss_fn(x, y))), so a GradientTape can "
                           "record it; or compute gradients with kf.GradientTape and call apply_gradients.")
    with GradientTape() as tape:
        if var_list is not None:
            var_list = [as_variable(v) for v in (var_list.values() if isinstance(var_list, dict) else var_list)]
            tape.watch(var_list)
        value = loss()
    if var_list is None:
        var_list = [v for v in tape.watched_variables() if v.trainable]
    if not var_list:
        raise ValueError("No variables to optimize: the loss function read no trainable variable.")
    grads = tape.gradient(value, var_list, output_gradients=grad_loss)
    if all(g is None for g in grads):
        raise ValueError("No gradients provided for any variable: the loss does not depend on any of %s through "
                         "differentiable ops." % [v.name for v in var_list])
    return list(zip(grads, var_list))


def _filled_like(var, value):
    """A read-only view of ``value`` broadcast to ``var``'s shape: the initializer holds no full copy."""
    np_dtype = var.dtype.as_numpy_dtype
    arr = np.broadcast_to(np.asarray(value, dtype=np_dtype), var.shape.as_list())
    return array_ops.static_op(array_ops.FILL, arr, "zeros" if value == 0 else "Fill")


def _loss_tensor(loss):
    """``loss`` as a Tensor; a callable (TF2-style) is called first."""
    if callable(loss) and not isinstance(loss, Tensor) and not hasattr(loss, "_as_tensor"):
        loss = loss()
    return convert_to_tensor(loss)


def as_variable(v):
    if isinstance(v, Variable):
        return v
    try:
        return variables_mod.as_variable(v)
    except TypeError:
        raise TypeError("Optimizers update kf.Variable objects; got %r." % (v,)) from None


def _variable_list(graph, var_list):
    if var_list is None:
        var_list = graph.get_collection(GraphKeys.TRAINABLE_VARIABLES)
    elif isinstance(var_list, dict):
        var_list = list(var_list.values())
    else:
        var_list = list(var_list)
    var_list = [as_variable(v) for v in var_list]
    if not var_list:
        raise ValueError("No variables to optimize: the graph has no trainable variables and no var_list was "
                         "given.")
    seen = set()
    for v in var_list:
        if v.op in seen:
            raise ValueError("var_list holds variable '%s' twice." % v.name)
        seen.add(v.op)
    return var_list


def _check_float(what, t):
    if not t.dtype.is_floating:
        raise TypeError("Optimizers need a floating-point %s; '%s' has dtype %s (allowed: float16, float32, "
                        "float64)." % (what, t.name, t.dtype.name))


# ---- UPDATE_OPS belonging to the loss's model ---------------------------------------------
_SOURCES = ("VariableV2", "Const", "Fill")


def _ancestors(ops):
    seen, stack = set(), list(ops)
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        stack.extend(t.op for t in op.inputs)
        stack.extend(op.control_inputs)
    return seen


def _is_data(op):
    """True for ops computed from data (not a variable, its read, or a constant) that models can share."""
    if op.type in _SOURCES:
        return False
    return not (op.type == "Identity" and op.inputs and op.inputs[0].op.type == "VariableV2")


def _model_update_ops(loss):
    """``UPDATE_OPS`` computed from the same data as ``loss`` (a second model's updates are left out)."""
    pending = loss.graph.get_collection(GraphKeys.UPDATE_OPS)
    if not pending:
        return []
    loss_ops = _ancestors([loss.op])
    keep = []
    for u in pending:
        u = graph_mod._as_operation(u)
        if u in loss_ops or any(op in loss_ops and _is_data(op) for op in _ancestors([u])):
            keep.append(u)
    return keep


def _static_size(var):
    """The variable's number of elements (its static shape's; unknown shapes count as large)."""
    n = var.shape.num_elements() if hasattr(var.shape, "num_elements") else None
    return BLOCKED_MIN_ELEMENTS if n is None else n
