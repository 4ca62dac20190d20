"""Op parameters that are static (Python values, constants) or dynamic (tensors computed at run time).

Shape-like arguments (a reshape's ``shape``, ``multiples``, ``paddings``, ``begin``, a random op's ``shape``)
are baked into the kernel when known at build time and otherwise become extra op inputs, so one kernel
``kernel(*data_arrays, *param_values)`` serves both cases. Lists mixing ints and scalar tensors
(``[kf.shape(x)[0], -1]``) are stacked into one int tensor.

Example:
    >>> TILE = OpDef("Tile", lambda v, m: np.tile(v, ints(m)), grad=_tile_grad)
    >>> op = make_param_op(TILE, [x], [multiples], [(x.dtype, out_shape)], name)
    >>> op_params(op)   # [array([2, 1])] when static, [<the multiples tensor>] when dynamic
"""
import functools

import numpy as np

from kflow.engine import devices, dtypes, shapes
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like

_DYNAMIC = object()  # marks a parameter passed as an op input


def constant_value(value):
    """The numpy value of ``value`` when it is known at build time, else None.

    Known: Python/numpy values, Const tensors, the Shape of a fully defined tensor, and stacks or
    scalar slices of known values.
    """
    if not is_tensor_like(value):
        value = _plain(value)
        if isinstance(value, (list, tuple)) and any(v is None for v in value):
            return None  # an unknown dimension (from a TensorShape)
        if isinstance(value, (list, tuple)) and any(is_tensor_like(v) for v in value):
            parts = [constant_value(v) for v in value]
            return None if any(p is None for p in parts) else np.array(parts)
        return None if value is None else np.asarray(value)
    t = convert_to_tensor(value)
    op = t.op
    if op.type == "Const":
        return op.attrs["value"]
    if op.type == "Shape" and op.inputs[0].shape.is_fully_defined():
        return np.array(op.inputs[0].shape.as_list(), dtype=t.dtype.as_numpy_dtype)
    if op.type == "Pack" and op.attrs.get("axis") == 0:
        parts = [constant_value(i) for i in op.inputs]
        return None if any(p is None for p in parts) else np.stack(parts).astype(t.dtype.as_numpy_dtype)
    if op.type == "StridedSlice" and len(op.inputs) == 1:
        base = constant_value(op.inputs[0])
        return None if base is None else base[op.attrs["template"]]
    return None


def _plain(value):
    """TensorShape / Dimension arguments (``kf.zeros(x.shape)``) as Python ints."""
    if isinstance(value, shapes.TensorShape):
        return value.as_list()
    if isinstance(value, shapes.Dimension):
        return value.value
    if isinstance(value, (list, tuple)):
        return [v.value if isinstance(v, shapes.Dimension) else v for v in value]
    return value


def partial_shape(value):
    """A 1-D shape-like argument as a list of ints with None for entries unknown at build time.

    Returns None when even the length is unknown. ``kf.shape(x)`` gives ``x``'s static dims.
    """
    known = constant_value(value)
    if known is not None:
        return [int(d) for d in np.ravel(known)]
    value = _plain(value)
    if isinstance(value, (list, tuple)):
        return [_scalar_value(v) for v in value]
    t = convert_to_tensor(value)
    if t.op.type == "Shape" and t.op.inputs[0].shape.dims is not None:
        return list(t.op.inputs[0].shape.dims)
    if t.op.type == "Pack" and t.op.attrs.get("axis") == 0:
        return [_scalar_value(i) for i in t.op.inputs]
    if t.shape.ndims == 1 and t.shape.dims[0] is not None:
        return [None] * t.shape.dims[0]
    return None


def _scalar_value(v):
    """An int when the scalar ``v`` is known at build time (including ``x.shape`` entries via kf.shape)."""
    if v is None:
        return None
    known = constant_value(v)
    if known is not None:
        return int(known)
    t = convert_to_tensor(v)
    op = t.op
    if op.type == "StridedSlice" and len(op.inputs) == 1 and op.inputs[0].op.type == "Shape":
        dims = op.inputs[0].op.inputs[0].shape.dims
        key = op.attrs["template"]
        if dims is not None and len(key) == 1 and isinstance(key[0], int) and -len(dims) <= key[0] < len(dims):
            return dims[key[0]]
    return None


def as_param_tensor(value, dtype=dtypes.int32):
    """``value`` as a tensor; lists mixing ints and scalar tensors are stacked (ints take the tensors' dtype)."""
    value = _plain(value)
    if is_tensor_like(value) or isinstance(value, (list, tuple)) and any(is_tensor_like(v) for v in value):
        return convert_to_tensor(value)
    return convert_to_tensor(value, dtype=dtype)


def make_param_op(op_def, inputs, params, output_specs, name=None, attrs=None, kernel_params=None):
    """``make_op`` for ops whose kernel is ``op_def.kernel(*input_arrays, *param_values, **kernel_params)``.

    Static parameters are appended to the kernel's arguments at build time; dynamic ones become extra
    op inputs. A stateful op (``op_def.bind``) wraps its per-session kernel with :func:`with_params`.

    Args:
        op_def: the op's declaration.
        inputs: the data input Tensors (the ones that may get gradients).
        params: parameter values; each a Python/numpy value, a tensor, or a list mixing ints and tensors.
        kernel_params: keyword parameters of the kernel (kept in ``op.attrs``).

    Returns:
        The Operation; ``op_params(op)`` recovers the parameters for gradient builders.
    """
    fixed, dyn = _split_params(params)
    attrs = dict(attrs or {}, params=fixed, n_data=len(inputs))
    kernel = param_kernel(op_def, fixed, len(inputs), kernel_params)
    return make_op(op_def, list(inputs) + dyn, output_specs, name, attrs, params=kernel_params, kernel=kernel)


DYNAMIC = _DYNAMIC  # in ``op.attrs["params"]``: this parameter is an op input (graph_json encodes it by name)


def param_kernel(op_def, fixed, n_data, kernel_params):
    """The kernel of a param op with static parameters ``fixed`` (``DYNAMIC`` where an op input) after
    ``n_data`` data inputs; None for a stateful op (its bind builds it). ``kernel.kernel_params`` holds the
    keyword parameters, so the op can be described as data (``kflow.engine.graph_json``) and rebuilt."""
    if op_def.bind is not None:
        return None
    kernel = op_def.kernel
    if kernel_params:
        kernel = functools.partial(kernel, **kernel_params)
    kernel = _wrap(fixed, n_data)(kernel)
    kernel.kernel_params = dict(kernel_params or {})
    return kernel


def with_params(op, kernel):
    """``kernel(*input_arrays, *param_values)`` of a stateful param op as a kernel of the op's inputs."""
    return _wrap(op.attrs["params"], op.attrs["n_data"])(kernel)


def _split_params(params):
    fixed, dyn = [], []
    for p in params:
        v = constant_value(p)
        if v is None:
            fixed.append(_DYNAMIC)
            dyn.append(as_param_tensor(p))
        else:
            fixed.append(v)
    return fixed, dyn


def _wrap(fixed, n):
    if all(f is not _DYNAMIC for f in fixed):
        return lambda kernel: (lambda *xs: kernel(*xs, *fixed))

    def wrap(kernel):
        def compute(*xs):
            it = iter(xs[n:])
            return kernel(*xs[:n], *[next(it) if f is _DYNAMIC else f for f in fixed])
        return compute
    return wrap


def op_params(op):
    """The parameters of an op built by ``make_param_op``: static numpy values or the dynamic input tensors."""
    it = iter(op.inputs[op.attrs["n_data"]:])
    return [next(it) if f is _DYNAMIC else f for f in op.attrs["params"]]


def data_grads(op, grads):
    """``grads`` for the data inputs, padded with None for the parameter inputs (none when every parameter was
    static: such an op has only data inputs)."""
    return list(grads) + [None] * (len(op.inputs) - op.attrs.get("n_data", len(op.inputs)))


def ints(values):
    """A parameter's runtime value (numpy or device array) as a tuple of Python ints."""
    return tuple(int(v) for v in np.ravel(devices.to_numpy(values)))


def canonical_axis(op_type, name, inputs, axis, rank, extra=0):
    """``axis`` (an int, or a constant scalar tensor) in ``[0, rank + extra)``; negative counts from the end.

    Raises a build error naming the op and its inputs when ``axis`` is out of range or not static.
    """
    value = constant_value(axis)
    if value is None or np.ndim(value) != 0 or np.asarray(value).dtype.kind not in "iu":
        raise build_error(op_type, name, inputs, "%s: axis must be a Python int (or a constant int tensor), got %r"
                          % (op_type, axis), TypeError)
    a = int(value)
    if rank is None:
        if a < 0:
            raise build_error(op_type, name, inputs, "%s: a negative axis (%d) needs an input of known rank"
                              % (op_type, a))
        return a
    n = rank + extra
    if not -n <= a < n:
        raise build_error(op_type, name, inputs, "%s: axis %d is out of range for an input of rank %d "
                          "(expected axis in [%d, %d))" % (op_type, a, rank, -n, n))
    return a % n
