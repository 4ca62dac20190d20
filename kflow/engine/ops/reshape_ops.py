"""Shape queries (shape, size, rank) and reshapes: the shape primitives every gradient may use.

Example:
    >>> n = kf.shape(images)[0]
    >>> flat = kf.reshape(images, [n, -1])
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops import params
from kflow.engine.ops.constant_op import convert_to_tensor


def _on_device_of(x, host_value):
    """``host_value`` (read from ``x``'s metadata) on ``x``'s device: GPU kernels take only device arrays."""
    xp = devices.array_module(x)
    return host_value if xp is np else xp.asarray(host_value)


def _shape(x, out_type):
    return _on_device_of(x, np.array(np.shape(x), dtype=out_type.as_numpy_dtype))


def _size(x, out_type):
    return _on_device_of(x, out_type.as_numpy_dtype(np.size(x)))


def _rank(x):
    return _on_device_of(x, np.int32(np.ndim(x)))


SHAPE = OpDef("Shape", _shape, grad=None)
SIZE = OpDef("Size", _size, grad=None)
RANK = OpDef("Rank", _rank, grad=None)


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The runtime shape of ``input`` as a 1-D int tensor."""
    input = convert_to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    return make_op(SHAPE, [input], [(out_type, [input.shape.ndims])], name or "Shape",
                   params={"out_type": out_type}).outputs[0]


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The number of elements of ``input`` as a scalar int tensor."""
    input = convert_to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    return make_op(SIZE, [input], [(out_type, [])], name or "Size", params={"out_type": out_type}).outputs[0]


def rank(input, name=None):  # noqa: A002
    """The number of dimensions of ``input`` as a scalar int32 tensor."""
    input = convert_to_tensor(input)
    return make_op(RANK, [input], [(dtypes.int32, [])], name or "Rank").outputs[0]


# ---- reshape ------------------------------------------------------------------------------------------------
def _reshape_kernel(x, *dynamic_shape, shape=None):
    return np.reshape(x, shape if not dynamic_shape else params.ints(dynamic_shape[0]))


def _reshape_grad(op, grad):
    return params.data_grads(op, [reshape_like(grad, op.inputs[0])])


RESHAPE = OpDef("Reshape", _reshape_kernel, grad=_reshape_grad, view=True)


def reshape(tensor, shape, name=None):
    """Reshapes ``tensor``; one entry of ``shape`` may be -1 (inferred), entries may be scalar tensors.

    Example:
        >>> flat = kf.reshape(images, [kf.shape(images)[0], -1])
    """
    tensor = convert_to_tensor(tensor)
    target = params.partial_shape(shape)
    out = _infer_reshape(tensor, target, name) if target is not None else None
    known = params.constant_value(shape)
    if known is not None:  # the common static case: a precomputed tuple, no per-step conversion
        return make_op(RESHAPE, [tensor], [(tensor.dtype, out)], name or "Reshape",
                       params={"shape": params.ints(known)}).outputs[0]
    return params.make_param_op(RESHAPE, [tensor], [shape], [(tensor.dtype, out)], name or "Reshape",
                                attrs={"shape": None}).outputs[0]


def _infer_reshape(tensor, target, name):
    if target.count(-1) > 1 or any(d is not None and d < -1 for d in target):
        raise build_error("Reshape", name, [tensor], "Reshape: sizes must be >= 0 with at most one -1, got %s"
                          % (target,))
    n = tensor.shape.num_elements()
    if None in target:  # some sizes are only known at run time
        return [None if d in (None, -1) else d for d in target]
    if -1 not in target:
        if n is not None and n != int(np.prod(target)):
            raise build_error("Reshape", name, [tensor], "Cannot reshape a tensor with %d elements to shape %s "
                              "(%d elements)" % (n, target, int(np.prod(target))))
        return target
    known = int(np.prod([d for d in target if d != -1]))
    if n is None:
        return [None if d == -1 else d for d in target]
    if known == 0 or n % known:
        raise build_error("Reshape", name, [tensor], "Reshape cannot infer the missing input size for an empty "
                          "tensor or a size that does not divide: %d elements into %s" % (n, target))
    return [n // known if d == -1 else d for d in target]


def _reshape_like(x, ref):
    return np.reshape(x, np.shape(ref))


RESHAPE_LIKE = OpDef("ReshapeLike", _reshape_like, view=True,
                     grad=lambda op, grad: [reshape_like(grad, op.inputs[0]), None])


def reshape_like(x, ref):
    """``x`` reshaped to the runtime shape of ``ref``."""
    return make_op(RESHAPE_LIKE, [x, ref], [(x.dtype, ref.shape)], "ReshapeLike").outputs[0]
