"""Constants, placeholders and conversion of Python/numpy values to tensors.

Example:
    >>> c = kf.constant([[1, 2], [3, 4]], dtype=kf.float32)
    >>> x = kf.placeholder(kf.float32, shape=[None, 784], name="x")
"""
import numpy as np

from kflow import errors
from kflow.engine import dtypes, shapes
from kflow.engine.operation import make_op, register_gradient, not_differentiable
from kflow.engine.tensor import Tensor


def _string_array(value):
    """Object array of bytes: TF strings are bytes, so Python str elements are UTF-8 encoded."""
    arr = np.array(value, dtype=object)
    flat = arr.reshape(-1)
    for i, item in enumerate(flat):
        if isinstance(item, str):
            flat[i] = item.encode("utf-8")
    return arr


def _to_array(value, dtype=None):
    """numpy array for ``value`` with TF1's default dtypes (Python floats -> float32, ints -> int32)."""
    if dtype is not None:
        dtype = dtypes.as_dtype(dtype)
        if dtype is dtypes.string:
            return _string_array(value)
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
    if arr.dtype.kind == "S" and not isinstance(value, np.ndarray):
        return _string_array(value)  # numpy's fixed-width bytes would drop trailing NUL bytes
    if arr.dtype.kind in "SU":
        return _string_array(arr.tolist())
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
    if shape is not None:
        shape = list(shape)
        if arr.size == 1:
            arr = np.broadcast_to(arr.reshape(()), shape).copy()
        elif arr.size == int(np.prod(shape)) and not verify_shape:
            arr = arr.reshape(shape)
        else:
            raise TypeError("Expected Tensor's shape: %s, got %s." % (tuple(shape), arr.shape))
    arr.setflags(write=False)  # kernels may return it as is; nobody may write into it
    dt = dtypes.as_dtype(arr.dtype)
    op = make_op("Const", [], lambda: arr, [(dt, arr.shape)], name, attrs={"value": arr, "dtype": dt})
    op._output_is_state = True  # fetches get a writable copy, never the shared read-only array
    return op.outputs[0]


not_differentiable("Const")


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
    from kflow.engine.ops.concat_ops import stack

    parts = [_autopack(v, None) if isinstance(v, (list, tuple)) and _holds_tensor(v) else v for v in value]
    return stack(parts, name=name or "packed")


def is_tensor_like(value):
    return isinstance(value, Tensor) or hasattr(value, "_as_tensor")


def placeholder(dtype, shape=None, name=None):
    """A tensor whose value must be fed to ``Session.run`` (``None`` dims accept any size)."""
    dtype = dtypes.as_dtype(dtype)
    shape = shapes.TensorShape(shape)

    def unfed():  # Plan rejects unfed placeholders at compile time; kept as a safety net.
        raise errors.InvalidArgumentError(None, op, "You must feed a value for placeholder tensor '%s'" % op.name)

    op = make_op("Placeholder", [], unfed, [(dtype, shape)], name or "Placeholder",
                 attrs={"dtype": dtype, "shape": shape})
    return op.outputs[0]


def placeholder_with_default(input, shape, name=None):  # noqa: A002 - TF's argument name
    """A placeholder that yields ``input`` when it is not fed."""
    input = convert_to_tensor(input)
    shape = shapes.TensorShape(shape)
    if not shape.is_compatible_with(input.shape):
        raise ValueError("placeholder_with_default: default value of shape %s is not compatible with shape %s"
                         % (input.shape, shape))
    op = make_op("PlaceholderWithDefault", [input], _identity, [(input.dtype, shape)],
                 name or "PlaceholderWithDefault", attrs={"shape": shape})
    return op.outputs[0]


def _identity(x):
    return x


@register_gradient("PlaceholderWithDefault")
def _placeholder_with_default_grad(op, grad):
    return [grad]


not_differentiable("Placeholder")
