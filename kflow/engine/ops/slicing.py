"""``tensor[key]`` (StridedSlice): ints, slices with negative/strided bounds, Ellipsis, newaxis, and
scalar int tensors as indices or slice bounds. Semantics are numpy's basic indexing, which TF1 mirrors.

Example:
    >>> x[:, 1:-1:2, kf.newaxis]
    >>> x[..., i]          # i a scalar int32 tensor
"""
import numpy as np

from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor

newaxis = None


class _Dyn:
    """Marks the position of a tensor-valued index component in the key template."""

    def __init__(self, pos):
        self.pos = pos


def _template(key, tensors):
    """Copies ``key`` replacing tensor components by _Dyn markers (appending the tensors)."""
    def part(p):
        if hasattr(p, "op") or hasattr(p, "_as_tensor"):
            t = convert_to_tensor(p)
            if not t.dtype.is_integer or t.shape.ndims not in (None, 0):
                raise TypeError("Only scalar integer tensors may index a tensor, got %s" % t)
            tensors.append(t)
            return _Dyn(len(tensors) - 1)
        if isinstance(p, slice):
            return slice(part(p.start), part(p.stop), part(p.step))
        if p is None or p is Ellipsis or isinstance(p, (int, np.integer)):
            return p
        raise TypeError("Only integers, slices (`:`), ellipsis (`...`), kf.newaxis (`None`) and scalar int32/int64 "
                        "tensors are valid indices, got %r" % (p,))
    return tuple(part(p) for p in (key if isinstance(key, tuple) else (key,)))


def _resolve(template, values):
    def part(p):
        if isinstance(p, _Dyn):
            return int(values[p.pos])
        if isinstance(p, slice):
            return slice(part(p.start), part(p.stop), part(p.step))
        return p
    return tuple(part(p) for p in template)


def _static_shape(dims, template):
    """Result shape of indexing a tensor of ``dims`` with ``template`` (None where unknown)."""
    if dims is None:
        return None
    n_real = sum(1 for p in template if p is not None and p is not Ellipsis)
    if n_real > len(dims):
        raise ValueError("Index has %d dimensions but the tensor has rank %d" % (n_real, len(dims)))
    if sum(1 for p in template if p is Ellipsis) > 1:
        raise ValueError("An index can only have a single ellipsis ('...')")
    out, d = [], 0
    for p in template:
        if p is None:
            out.append(1)
        elif p is Ellipsis:
            take = len(dims) - n_real
            out.extend(dims[d:d + take])
            d += take
        elif isinstance(p, slice):
            size = dims[d]
            if size is None or any(isinstance(b, _Dyn) for b in (p.start, p.stop, p.step)):
                full = p.start is None and p.stop is None and p.step in (None, 1)
                out.append(size if full else None)
            else:
                if p.step == 0:
                    raise ValueError("slice step cannot be zero")
                out.append(len(range(*p.indices(size))))
            d += 1
        else:
            size = dims[d]
            if size is not None and not isinstance(p, _Dyn) and not -size <= p < size:
                raise ValueError("slice index %d of dimension %d out of bounds (size %d)" % (p, d, size))
            d += 1
    out.extend(dims[d:])
    return out


def _strided_slice_kernel(v, *idx, template):
    return v[_resolve(template, idx)] if idx else v[template]


def _strided_slice_grad_kernel(x, g, *idx, template):
    out = np.zeros_like(x, dtype=g.dtype)  # zeros_like keeps device arrays on their device
    out[_resolve(template, idx)] = g
    return out


def _strided_slice_grad_grad(op, grad):
    idx = op.inputs[2:]
    sliced = make_op(STRIDED_SLICE, [grad] + idx, [(grad.dtype, op.inputs[1].shape)], "strided_slice",
                     params={"template": op.attrs["template"]}).outputs[0]
    return [None, sliced] + [None] * len(idx)


STRIDED_SLICE_GRAD = OpDef("StridedSliceGrad", _strided_slice_grad_kernel, grad=_strided_slice_grad_grad)


def _strided_slice_grad(op, grad):
    x = op.inputs[0]
    g = make_op(STRIDED_SLICE_GRAD, [x, grad] + op.inputs[1:], [(grad.dtype, x.shape)], "StridedSliceGrad",
                params={"template": op.attrs["template"]}).outputs[0]
    return [g] + [None] * (len(op.inputs) - 1)


# basic indexing returns a view of the input
STRIDED_SLICE = OpDef("StridedSlice", _strided_slice_kernel, grad=_strided_slice_grad, view=True)


def strided_slice_from_key(tensor, key):
    """Builds the StridedSlice op for ``tensor[key]``."""
    x = convert_to_tensor(tensor)
    dyn = []
    try:
        template = _template(key, dyn)
        shape = _static_shape(x.shape.dims, template)
    except (TypeError, ValueError) as e:
        raise build_error("StridedSlice", None, [x], "Invalid index %r: %s" % (key, e),
                          type(e)) from None
    return make_op(STRIDED_SLICE, [x] + dyn, [(x.dtype, shape)], "strided_slice",
                   params={"template": template}).outputs[0]
