"""Constants, placeholders, zeros_like / ones_like, and conversion of Python/numpy values to tensors.

The bottom of the op library. ``convert_to_tensor`` packs lists holding tensors into one tensor (as TF does:
``kf.reduce_sum([a, b])``, ``[kf.shape(x)[0], 3]``), so the Pack / Unpack ops are declared here too.

Example:
    >>> c = kf.constant([[1, 2], [3, 4]], dtype=kf.float32)
    >>> x = kf.placeholder(kf.float32, shape=[None, 784], name="x")
"""
import numpy as np

from kflow import errors
from kflow.engine import dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.tensor import Tensor


def _to_array(value, dtype=None):
    """numpy array for ``value`` with TF1's default dtypes (Python floats -> float32, ints -> int32)."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype is dtypes.string:
            return dtypes.string_array(value)
        arr = np.asarray(value)
        if arr.dtype.kind in "OSU":
            raise TypeError("Cannot convert %r to a tensor of dtype %s" % (value, dtype.name))
        if arr.dtype.kind == "f" and dtype.is_integer:
            if not np.all(np.equal(np.mod(arr, 1), 0)):
                raise TypeError("Cannot convert %r to a tensor of dtype %s: value is not an integer"
                                % (value, dtype.name))
        return arr.astype(dtype.as_numpy_dtype)
    arr = np.asarray(value)
    if arr.dtype.kind == "O" and not all(isinstance(v, (bytes, str)) for v in arr.reshape(-1)):
        # only strings make object tensors; None, dicts, ops... would otherwise pass as "string" constants
        raise TypeError("Failed to convert object of type %s to Tensor. Contents: %.200r. Consider casting "
                        "elements to a supported type." % (type(value), value))
    if arr.dtype.kind in "OSU":
        return dtypes.string_array(value)
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        return arr
    if arr.dtype == np.float64:
        return arr.astype(np.float32)
    if arr.dtype == np.int64:
        if arr.size and (arr.max() > np.iinfo(np.int32).max or arr.min() < np.iinfo(np.int32).min):
            return arr
        return arr.astype(np.int32)
    return arr


def constant(value, dtype=None, shape=None, name="Const", verify_shape=False):
    """A tensor whose value is fixed at graph-build time; ``shape`` broadcasts a scalar or reshapes."""
    arr = _to_array(value, dtype)
    if arr is value:  # the caller's own array: static_op marks its value read-only, so it keeps a copy
        arr = arr.copy()
    if shape is not None:
        shape = list(shape)
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == int(np.prod(shape)) and not verify_shape:
            arr = arr.reshape(shape)
        else:
            raise TypeError("Expected Tensor's shape: %s, got %s." % (tuple(shape), arr.shape))
    return static_op(CONST, arr, name, attrs={"dtype": dtypes.as_dtype(arr.dtype)})


def static_op(op_def, arr, name, attrs=None):
    """An op of type ``op_def`` whose value ``arr`` is known at build time (a constant, or a fill/range of known
    arguments): computed once, uploaded once per device, and returned as one shared read-only buffer."""
    arr.setflags(write=False)  # kernels may return it as is; nobody may write into it
    # the kernel returns the value itself: a bare closure is the cheapest call a plan step can make
    return make_op(op_def, [], [(dtypes.as_dtype(arr.dtype), arr.shape)], name,
                   attrs=dict(attrs or {}, value=arr), kernel=lambda: arr).outputs[0]


def _const_kernel(value):
    # the declared form, for a Const rebuilt from its attributes; constant() binds its value directly (static_op)
    return value


# state_output: fetches get a writable copy, never the shared read-only array
CONST = OpDef("Const", _const_kernel, grad=None, state_output=True)


def convert_to_tensor(value, dtype=None, name=None, preferred_dtype=None):
    """Returns ``value`` as a Tensor: Tensors pass through, Variables give their value, others become constants.

    Raises:
        ValueError: when ``dtype`` is given and a Tensor has another dtype.
    """
    if isinstance(value, Tensor):
        t = value
    elif hasattr(value, "_as_tensor"):
        t = value._as_tensor()
    elif isinstance(value, (list, tuple)) and _holds_tensor(value):
        t = _autopack(value, name)  # TF packs lists of tensors: kf.reduce_sum([a, b]), [kf.shape(x)[0], 3]
    else:
        if dtype is None and preferred_dtype is not None:
            try:
                return constant(value, dtype=preferred_dtype, name=name or "Const")
            except (TypeError, ValueError):
                pass
        return constant(value, dtype=dtype, name=name or "Const")
    if dtype is not None and dtypes.as_dtype(dtype) is not t.dtype:
        raise ValueError("Tensor conversion requested dtype %s for Tensor with dtype %s: %s"
                         % (dtypes.as_dtype(dtype).name, t.dtype.name, t))
    return t


def _holds_tensor(value):
    return any(is_tensor_like(v) or isinstance(v, (list, tuple)) and _holds_tensor(v) for v in value)


def _autopack(value, name):
    parts = [_autopack(v, None) if isinstance(v, (list, tuple)) and _holds_tensor(v) else v for v in value]
    first = next(convert_to_tensor(v) for v in parts if is_tensor_like(v))
    tensors = [convert_to_tensor(v) if is_tensor_like(v) else convert_to_tensor(v, dtype=first.dtype) for v in parts]
    for t in tensors:
        if t.dtype is not first.dtype:
            raise TypeError("Cannot pack a list of tensors of dtypes %s into one tensor"
                            % ", ".join(t.dtype.name for t in tensors))
    return pack(tensors, 0, name or "packed")


# ---- pack / unpack ------------------------------------------------------------------------------------------
def pack(values, axis, name):
    """Stacks tensors of one dtype along a new ``axis`` (a non-negative int); ``kf.stack`` validates first."""
    shape = values[0].shape
    for t in values[1:]:
        if not shape.is_compatible_with(t.shape):
            raise ValueError("stack: all inputs must have the same shape, got %s" % [str(v.shape) for v in values])
        shape = shape.merge_with(t.shape)
    out = None if shape.ndims is None else list(shape.dims[:axis]) + [len(values)] + list(shape.dims[axis:])
    return make_op(PACK, values, [(values[0].dtype, out)], name, params={"axis": axis}).outputs[0]


def unpack(x, num, axis, name):
    """The ``num`` slices of ``x`` along ``axis`` (a non-negative int); ``kf.unstack`` validates first."""
    dims = x.shape.dims
    out = None if dims is None else list(dims[:axis]) + list(dims[axis + 1:])
    return list(make_op(UNPACK, [x], [(x.dtype, out)] * num, name, params={"axis": axis, "num": num}).outputs)


def _pack_kernel(*xs, axis):
    return np.stack(xs, axis=axis)


def _unpack_kernel(x, axis, num):
    if x.shape[axis] != num:
        raise ValueError("unstack: expected dimension %d to have size %d, got %d" % (axis, num, x.shape[axis]))
    lead = (slice(None),) * axis
    parts = tuple(x[lead + (i,)] for i in range(num))
    return parts if num != 1 else parts[0]


def _unpack_grad(op, *grads):
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [pack(grads, op.attrs["axis"], "stack")]


PACK = OpDef("Pack", _pack_kernel, grad=lambda op, grad: unpack(grad, len(op.inputs), op.attrs["axis"], "unstack"))
UNPACK = OpDef("Unpack", _unpack_kernel, grad=_unpack_grad, view=True)


# ---- zeros_like / ones_like ---------------------------------------------------------------------------------
def _zeros_like(x, dtype):
    return np.zeros_like(x, dtype=dtype.as_numpy_dtype)  # dispatches to CuPy for device arrays (np.zeros would not)


def _ones_like(x, dtype):
    return np.ones_like(x, dtype=dtype.as_numpy_dtype)


ZEROS_LIKE = OpDef("ZerosLike", _zeros_like, grad=None)
ONES_LIKE = OpDef("OnesLike", _ones_like, grad=None)


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    """Zeros with the shape of ``tensor`` (its dtype unless ``dtype`` is given)."""
    return _like(ZEROS_LIKE, tensor, dtype, name or "zeros_like")


def ones_like(tensor, dtype=None, name=None, optimize=True):
    """Ones with the shape of ``tensor`` (its dtype unless ``dtype`` is given)."""
    return _like(ONES_LIKE, tensor, dtype, name or "ones_like")


def _like(op_def, tensor, dtype, name):
    tensor = convert_to_tensor(tensor)
    dt = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    return make_op(op_def, [tensor], [(dt, tensor.shape)], name, params={"dtype": dt}).outputs[0]


def is_tensor_like(value):
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value must be fed to ``Session.run`` (``None`` dims accept any size)."""
    dtype = dtypes.as_dtype(dtype)
    shape = shapes.TensorShape(shape)

    return make_op(PLACEHOLDER, [], [(dtype, shape)], name or "Placeholder",
                   attrs={"dtype": dtype, "shape": shape}).outputs[0]


def _bind_unfed(op, session):
    def unfed():  # Plan rejects unfed placeholders at compile time; kept as a safety net.
        raise errors.InvalidArgumentError(None, op, "You must feed a value for placeholder tensor '%s'" % op.name)
    return unfed


PLACEHOLDER = OpDef("Placeholder", bind=_bind_unfed, grad=None, host_only=True)


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """A placeholder that yields ``input`` when it is not fed."""
    input = convert_to_tensor(input)
    shape = shapes.TensorShape(shape)
    if not shape.is_compatible_with(input.shape):
        raise ValueError("placeholder_with_default: default value of shape %s is not compatible with shape %s"
                         % (input.shape, shape))
    return make_op(PLACEHOLDER_WITH_DEFAULT, [input], [(input.dtype, shape)], name or "PlaceholderWithDefault",
                   attrs={"shape": shape}).outputs[0]


def _identity(x):
    return x


PLACEHOLDER_WITH_DEFAULT = OpDef("PlaceholderWithDefault", _identity, grad=lambda op, grad: [grad], view=True,
                                 host_only=True)
