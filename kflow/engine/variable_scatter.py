"""Sparse in-place updates of variables, TF1's ``tf.scatter_*``: scatter_update/add/sub/mul/div/max/min (rows
addressed by ``indices`` along the first axis) and scatter_nd_update/add/sub (index vectors, as gather_nd).

Each op updates the session's buffer of the variable in place and returns it (like ``assign``); repeated
indices accumulate for add/sub/mul/div/max/min (for update, the last write wins).

Example:
    >>> v = kf.Variable([1.0, 2.0, 3.0, 4.0])
    >>> sess.run(kf.scatter_add(v, [0, 0, 3], [1.0, 1.0, 5.0]))   # [3, 2, 3, 9]
    >>> sess.run(kf.scatter_nd_update(v, [[1]], [0.0]))            # [3, 0, 3, 9]
"""
import numpy as np

from kflow import errors
from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import constant_value
from kflow.engine.variables import as_variable

_UFUNCS = {"Update": None, "Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Div": np.true_divide,
           "Max": np.maximum, "Min": np.minimum}


def _check_range(op, idx, bounds):
    if idx.size and devices.array_module(idx) is np:
        bad = (idx < 0) | (idx >= np.asarray(bounds))
        if bad.any():
            raise errors.InvalidArgumentError(
                None, op, "%s: index %s is out of range for variable '%s' of shape %s" % (
                    op.type, idx[bad.any(axis=-1) if idx.ndim > 1 else bad][0].tolist(), op.attrs["var"].name,
                    tuple(op.attrs["var"].outputs[0].shape.dims or ())))


def _apply(buffer, key, updates, mode):
    if mode == "Update":
        buffer[key] = updates
        return buffer
    ufunc = _UFUNCS[mode]
    if devices.array_module(buffer) is np:
        if mode == "Div" and buffer.dtype.kind in "iu":
            ufunc = np.floor_divide
        ufunc.at(buffer, key, updates)
    else:  # pragma: no cover - needs a GPU: scatter on the host, write back
        host = devices.to_numpy(buffer)
        ufunc.at(host, tuple(devices.to_numpy(k) for k in key), devices.to_numpy(updates))
        buffer[...] = devices.array_module(buffer).asarray(host)
    return buffer


def _binder(mode, nd):
    def bind(op, session):
        var_op = op.attrs["var"]
        store = session.variable_values

        def update(indices, updates):
            try:
                buffer = store[var_op]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, "Attempting to use uninitialized value %s in %s" % (var_op.name, op.name)) from None
            if nd:
                _check_range(op, indices, buffer.shape[:indices.shape[-1]])
                key = tuple(np.moveaxis(indices, -1, 0))
            else:
                _check_range(op, indices, buffer.shape[0])
                key = indices
            return _apply(buffer, key, updates.astype(buffer.dtype, copy=False), mode)

        return update

    return bind


def _declare(mode, nd):
    name = ("ScatterNd" if nd else "Scatter") + mode
    return OpDef(name, bind=_binder(mode, nd), grad=None, state_output=True)


SCATTER = {mode: _declare(mode, False) for mode in _UFUNCS}
SCATTER_ND = {mode: _declare(mode, True) for mode in ("Update", "Add", "Sub")}


def _scatter(op_def, ref, indices, updates, name, nd):
    var = as_variable(ref)
    var_op = var._variable
    var_t = var_op.outputs[0]
    kind = op_def.type
    idx = convert_to_tensor(indices)
    u = convert_to_tensor(updates, dtype=var_t.dtype)
    inputs = [var_t, idx, u]
    if not idx.dtype.is_integer:
        raise build_error(kind, name, inputs, "%s: indices must be int32 or int64, got %s" % (kind, idx.dtype.name),
                          TypeError)
    if u.dtype is not var_t.dtype:
        raise build_error(kind, name, inputs, "%s: updates dtype %s does not match variable '%s' dtype %s"
                          % (kind, u.dtype.name, var_op.name, var_t.dtype.name), TypeError)
    vd, idims = var_t.shape.dims, idx.shape.dims
    if vd is not None and idims is not None:
        if nd and (not idims or idims[-1] is None):
            raise build_error(kind, name, inputs, "%s: indices must have a known last dimension [..., K]" % kind)
        k = idims[-1] if nd else 1
        want = list(idims[:-1] if nd else idims) + list(vd[k:])
        if not u.shape.is_compatible_with(want):
            raise build_error(kind, name, inputs, "%s: updates must have shape %s for indices %s and variable '%s' "
                              "of shape %s, got %s" % (kind, want, idx.shape, var_op.name, var_t.shape, u.shape))
        known = constant_value(idx)
        if known is not None and known.size:
            bounds = np.asarray([d if d is not None else np.iinfo(np.int64).max for d in vd[:k]])
            if ((known < 0) | (known >= (bounds if nd else bounds[0]))).any():
                raise build_error(kind, name, inputs, "%s: indices %s are out of range for variable '%s' of shape "
                                  "%s" % (kind, known.tolist(), var_op.name, var_t.shape), IndexError)
    with var_op.graph.as_default():
        op = make_op(op_def, [idx, u], [(var_t.dtype, var_t.shape)], name or kind, attrs={"var": var_op})
    return op.outputs[0]


def _row_scatter(mode, verb):
    def fn(ref, indices, updates, use_locking=None, name=None):
        return _scatter(SCATTER[mode], ref, indices, updates, name, nd=False)
    fn.__name__ = "scatter_" + mode.lower()
    fn.__doc__ = ("%s rows ``indices`` (along the first axis) of variable ``ref`` with ``updates`` (shape "
                  "``indices.shape + ref.shape[1:]``) and returns the variable's new value.\n\n    Example:\n"
                  "        >>> kf.scatter_%s(v, [0, 2], [1.0, 2.0])\n" % (verb, mode.lower()))
    return fn


def _nd_scatter(mode, verb):
    def fn(ref, indices, updates, use_locking=None, name=None):
        return _scatter(SCATTER_ND[mode], ref, indices, updates, name, nd=True)
    fn.__name__ = "scatter_nd_" + mode.lower()
    fn.__doc__ = ("%s the slices of variable ``ref`` addressed by the index vectors ``indices`` [..., K] with "
                  "``updates`` (shape ``indices.shape[:-1] + ref.shape[K:]``).\n\n    Example:\n"
                  "        >>> kf.scatter_nd_%s(v, [[0, 1]], [5.0])\n" % (verb, mode.lower()))
    return fn


scatter_update = _row_scatter("Update", "Overwrites")
scatter_add = _row_scatter("Add", "Adds to")
scatter_sub = _row_scatter("Sub", "Subtracts from")
scatter_mul = _row_scatter("Mul", "Multiplies")
scatter_div = _row_scatter("Div", "Divides")
scatter_max = _row_scatter("Max", "Takes the maximum of")
scatter_min = _row_scatter("Min", "Takes the minimum of")
scatter_nd_update = _nd_scatter("Update", "Overwrites")
scatter_nd_add = _nd_scatter("Add", "Adds to")
scatter_nd_sub = _nd_scatter("Sub", "Subtracts from")
