"""Axis rearranging ops: transpose, expand_dims, squeeze, tile, pad, reverse, broadcast_to (each beside its gradient).

Example:
    >>> y = kf.transpose(x, [0, 2, 1])
    >>> z = kf.pad(img, [[0, 0], [1, 1], [1, 1], [0, 0]], mode="REFLECT")
"""
import numpy as np

from kflow.engine import devices, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import unbroadcast
from kflow.engine.ops.params import (make_param_op, op_params, data_grads, constant_value, partial_shape, ints,
                                     canonical_axis)
from kflow.engine.ops.reshape_ops import reshape_like


# ---- transpose ----------------------------------------------------------------------------
def _transpose_kernel(x, *dynamic_perm, perm=None):
    """``perm`` is static (None: reverse the axes) unless given as the op's second input."""
    return np.transpose(x, ints(dynamic_perm[0]) if dynamic_perm else perm)


def _inverse_transpose(x, perm):
    return np.transpose(x, tuple(np.argsort(ints(perm)).tolist()))  # host ints: CuPy takes axes as a sequence


def _transpose_grad(op, grad):
    perm = op.attrs["perm"]
    if perm is not None:
        return [transpose(grad, list(np.argsort(perm)))]
    if op.attrs.get("n_data") is None:  # default reversal
        return [transpose(grad)]
    return data_grads(op, [make_param_op(INVERSE_TRANSPOSE, [grad], op_params(op),
                                         [(grad.dtype, op.inputs[0].shape)], "InverseTranspose").outputs[0]])


TRANSPOSE = OpDef("Transpose", _transpose_kernel, grad=_transpose_grad, view=True)
INVERSE_TRANSPOSE = OpDef("InverseTranspose", _inverse_transpose, view=True,
                          grad=lambda op, grad: data_grads(op, [transpose(grad, op_params(op)[0])]))


def transpose(a, perm=None, name="transpose", conjugate=False):
    """Permutes the axes of ``a``: output axis ``i`` is input axis ``perm[i]`` (default: reversed).

    Example:
        >>> kf.transpose(x, [1, 0])   # shape [3, 2] for x of shape [2, 3]
    """
    a = convert_to_tensor(a)
    dims = a.shape.dims
    if perm is None:
        if dims is None:
            return make_op(TRANSPOSE, [a], [(a.dtype, None)], name, params={"perm": None}).outputs[0]
        perm = list(reversed(range(len(dims))))
    known = constant_value(perm)
    if known is not None:
        p = tuple(int(i) for i in np.ravel(known))
        if dims is not None and sorted(p) != list(range(len(dims))):
            raise build_error("Transpose", name, [a], "transpose: perm %s is not a permutation of the %d axes of "
                              "the input" % (list(p), len(dims)))
        out = None if dims is None else [dims[i] for i in p]
        return make_op(TRANSPOSE, [a], [(a.dtype, out)], name, params={"perm": p}).outputs[0]
    rank = len(partial_shape(perm) or []) or (None if dims is None else len(dims))
    out = None if rank is None else [None] * rank
    return make_param_op(TRANSPOSE, [a], [perm], [(a.dtype, out)], name, attrs={"perm": None}).outputs[0]


# ---- expand_dims / squeeze --------------------------------------------------------------
def _reshape_back_grad(op, grad):
    return [reshape_like(grad, op.inputs[0])]


EXPAND_DIMS = OpDef("ExpandDims", np.expand_dims, grad=_reshape_back_grad, view=True)
SQUEEZE = OpDef("Squeeze", np.squeeze, grad=_reshape_back_grad, view=True)


def expand_dims(input, axis=None, name=None, dim=None):  # noqa: A002 - TF's argument name
    """Inserts a dimension of size 1 at ``axis`` (in ``[-rank-1, rank]``).

    Example:
        >>> kf.expand_dims(x, -1)   # [2, 3] -> [2, 3, 1]
    """
    x = convert_to_tensor(input)
    if axis is None:
        axis = dim
    if axis is None:
        raise build_error("ExpandDims", name, [x], "expand_dims: axis is required", TypeError)
    dims = x.shape.dims
    a = canonical_axis("ExpandDims", name, [x], axis, None if dims is None else len(dims), extra=1)
    out = None if dims is None else list(dims[:a]) + [1] + list(dims[a:])
    return make_op(EXPAND_DIMS, [x], [(x.dtype, out)], name or "ExpandDims", params={"axis": a}).outputs[0]


def squeeze(input, axis=None, name=None, squeeze_dims=None):  # noqa: A002
    """Removes dimensions of size 1 (all of them, or those listed in ``axis``).

    Example:
        >>> kf.squeeze(x, [2])   # [4, 3, 1] -> [4, 3]
    """
    x = convert_to_tensor(input)
    if axis is None:
        axis = squeeze_dims
    dims = x.shape.dims
    if axis is None or (isinstance(axis, (list, tuple)) and not axis):
        if dims is None or None in dims:  # which axes go is only known at run time
            out = None
        else:
            out = [d for d in dims if d != 1]
        return make_op(SQUEEZE, [x], [(x.dtype, out)], name or "Squeeze", params={"axis": None}).outputs[0]
    rank = None if dims is None else len(dims)
    axes = sorted(set(canonical_axis("Squeeze", name, [x], a, rank)
                      for a in (axis if isinstance(axis, (list, tuple)) else [axis])))
    if dims is not None:
        for a in axes:
            if dims[a] is not None and dims[a] != 1:
                raise build_error("Squeeze", name, [x], "Can not squeeze dim[%d], expected a dimension of 1, got "
                                  "%d" % (a, dims[a]))
        out = [d for i, d in enumerate(dims) if i not in axes]
    else:
        out = None
    return make_op(SQUEEZE, [x], [(x.dtype, out)], name or "Squeeze", params={"axis": tuple(axes)}).outputs[0]


# ---- tile -------------------------------------------------------------------------------
def _tile_kernel(x, multiples):
    return np.tile(x, ints(multiples))


def tile(input, multiples, name=None):  # noqa: A002
    """Repeats ``input`` ``multiples[i]`` times along axis ``i``.

    Example:
        >>> kf.tile([[1, 2]], [2, 3])   # shape [2, 6]
    """
    x = convert_to_tensor(input)
    m = partial_shape(multiples)
    dims = x.shape.dims
    if m is not None and dims is not None and len(m) != len(dims):
        raise build_error("Tile", name, [x], "tile: multiples has %d entries but the input has rank %d"
                          % (len(m), len(dims)))
    if m is not None and any(k is not None and k < 0 for k in m):
        raise build_error("Tile", name, [x], "tile: multiples must be non-negative, got %s" % (m,))
    if m is None:
        out = None if dims is None else [None] * len(dims)
    elif dims is None:
        out = [None] * len(m)
    else:
        out = [None if d is None or k is None else d * k for d, k in zip(dims, m)]
    return make_param_op(TILE, [x], [multiples], [(x.dtype, out)], name or "Tile").outputs[0]


def _tile_grad_kernel(g, x):
    """Sums the tiled copies of ``g`` back onto ``x``'s shape."""
    xs = np.shape(x)
    if 0 in xs or np.size(g) == 0:
        return np.zeros_like(x, dtype=g.dtype)
    split = []
    for gd, xd in zip(g.shape, xs):
        split += [gd // xd, xd]
    return g.reshape(split).sum(axis=tuple(range(0, 2 * len(xs), 2)))


def _tile_like_kernel(v, ref):
    return np.tile(v, tuple(r // d if d else 0 for r, d in zip(np.shape(ref), np.shape(v))))


def _tile_grad(op, grad):
    x = op.inputs[0]
    return data_grads(op, [make_op(TILE_GRAD, [grad, x], [(grad.dtype, x.shape)], "TileGrad").outputs[0]])


def _tile_grad_grad(op, grad):
    g = op.inputs[0]
    return [make_op(TILE_LIKE, [grad, g], [(grad.dtype, g.shape)], "TileLike").outputs[0], None]


def _tile_like_grad(op, grad):
    v = op.inputs[0]
    return [make_op(TILE_GRAD, [grad, v], [(grad.dtype, v.shape)], "TileGrad").outputs[0], None]


TILE = OpDef("Tile", _tile_kernel, grad=_tile_grad)
TILE_GRAD = OpDef("TileGrad", _tile_grad_kernel, grad=_tile_grad_grad)
TILE_LIKE = OpDef("TileLike", _tile_like_kernel, grad=_tile_like_grad)


# ---- pad --------------------------------------------------------------------------------
_PAD_MODES = ("CONSTANT", "REFLECT", "SYMMETRIC")


def _pad_kernel(x, paddings, constant_values, mode):
    pads = np.asarray(ints(paddings)).reshape(-1, 2).tolist()
    if mode == "CONSTANT":
        return np.pad(x, pads, mode="constant", constant_values=devices.to_numpy(constant_values).item())
    return np.pad(x, pads, mode=mode.lower())


def pad(tensor, paddings, mode="CONSTANT", name=None, constant_values=0):
    """Pads ``tensor`` with ``paddings[i] = [before, after]`` entries along axis ``i``.

    ``mode``: "CONSTANT" (``constant_values``), "REFLECT" (mirror without the edge; pads < dim) or
    "SYMMETRIC" (mirror with the edge; pads <= dim), case-insensitive.

    Example:
        >>> kf.pad([[1, 2], [3, 4]], [[1, 0], [0, 2]])   # shape [3, 4]
    """
    x = convert_to_tensor(tensor)
    mode = str(mode).upper()
    if mode not in _PAD_MODES:
        raise build_error("Pad", name, [x], "pad: mode must be one of %s, got %r" % (_PAD_MODES, mode))
    dims = x.shape.dims
    known = constant_value(paddings)
    if known is not None:
        known = np.asarray(known)
        if known.ndim != 2 or known.shape[1] != 2 or (dims is not None and known.shape[0] != len(dims)):
            raise build_error("Pad", name, [x], "pad: paddings must have shape [rank, 2] = [%s, 2], got %s" % (
                "?" if dims is None else len(dims), list(known.shape)))
        if np.any(known < 0):
            raise build_error("Pad", name, [x], "pad: paddings must be non-negative, got %s" % known.tolist())
        if dims is not None and mode != "CONSTANT":
            limit = 0 if mode == "REFLECT" else 1
            for i, (d, (b, a)) in enumerate(zip(dims, known.tolist())):
                if d is not None and max(b, a) > d - 1 + limit:
                    raise build_error("Pad", name, [x], "pad: %s paddings %s of dimension %d must be %s the size "
                                      "%d" % (mode, [b, a], i, "less than" if mode == "REFLECT" else "at most", d))
        out = None if dims is None else [None if d is None else d + b + a for d, (b, a) in zip(dims, known.tolist())]
    else:
        out = None if dims is None else [None] * len(dims)
    return make_param_op(PAD, [x], [paddings, constant_values], [(x.dtype, out)], name or "Pad",
                         kernel_params={"mode": mode}).outputs[0]


def _pad_grad_kernel(g, paddings, mode):
    pads = np.asarray(ints(paddings)).reshape(-1, 2)
    if mode == "CONSTANT":
        return g[tuple(slice(b, n - a) for (b, a), n in zip(pads.tolist(), g.shape))]
    xp = devices.array_module(g)
    for axis, ((b, a), n_out) in enumerate(zip(pads.tolist(), g.shape)):
        if b == 0 and a == 0:
            continue
        n = n_out - b - a
        # source index of each padded position; gradients of mirrored copies add up on their source
        src = np.pad(np.arange(n), (b, a), mode=mode.lower())
        fold = xp.asarray(src[:, None] == np.arange(n)[None, :], dtype=g.dtype)
        g = np.moveaxis(np.tensordot(g, fold, axes=([axis], [0])), -1, axis)
    return g


def _pad_grad(op, grad):
    x = op.inputs[0]
    g = make_param_op(PAD_GRAD, [grad], [op_params(op)[0]], [(grad.dtype, x.shape)], "PadGrad",
                      kernel_params={"mode": op.attrs["mode"]}).outputs[0]
    return data_grads(op, [g])


PAD = OpDef("Pad", _pad_kernel, grad=_pad_grad)
PAD_GRAD = OpDef("PadGrad", _pad_grad_kernel,
                 grad=lambda op, grad: data_grads(op, [pad(grad, op_params(op)[0], op.attrs["mode"])]))


# ---- reverse / broadcast_to ------------------------------------------------------------------
def reverse(tensor, axis, name=None):
    """Reverses ``tensor`` along each axis in ``axis`` (a list of ints).

    Example:
        >>> kf.reverse([[1, 2], [3, 4]], [1])   # [[2, 1], [4, 3]]
    """
    x = convert_to_tensor(tensor)
    rank = x.shape.ndims
    axes = tuple(sorted(set(canonical_axis("ReverseV2", name, [x], a, rank)
                            for a in (axis if isinstance(axis, (list, tuple, np.ndarray)) else [axis]))))
    return make_op(REVERSE, [x], [(x.dtype, x.shape)], name or "ReverseV2", params={"axis": axes}).outputs[0]


reverse_v2 = reverse
REVERSE = OpDef("ReverseV2", np.flip, grad=lambda op, grad: [reverse(grad, list(op.attrs["axis"]))], view=True)


def _broadcast_to_kernel(x, shape):
    return np.broadcast_to(x, ints(shape)).copy()  # a writable array, as fetches must be


def broadcast_to(input, shape, name=None):  # noqa: A002
    """``input`` broadcast (numpy rules) to ``shape``.

    Example:
        >>> kf.broadcast_to([1, 2, 3], [2, 3])   # [[1, 2, 3], [1, 2, 3]]
    """
    x = convert_to_tensor(input)
    target = partial_shape(shape)
    if target is not None and x.shape.dims is not None:
        try:
            out = shapes.broadcast_static(x.shape, target)
            if len(out.dims) != len(target):
                raise ValueError("the input has more dimensions (%d) than the target (%d)"
                                 % (len(x.shape.dims), len(target)))
            out = [t if t is not None else o for t, o in zip(target, out.dims)]
            if any(t is not None and o is not None and t != o for t, o in zip(target, out)):
                raise ValueError("the input does not broadcast to %s" % (target,))
        except ValueError as e:
            raise build_error("BroadcastTo", name, [x], "broadcast_to: cannot broadcast shape %s to %s: %s"
                              % (x.shape, target, e)) from None
    else:
        out = target
    return make_param_op(BROADCAST_TO, [x], [shape], [(x.dtype, out)], name or "BroadcastTo").outputs[0]


BROADCAST_TO = OpDef("BroadcastTo", _broadcast_to_kernel,
                     grad=lambda op, grad: data_grads(op, [unbroadcast(grad, op.inputs[0])]))
