"""The TensorArray's ops: a TensorArray's value is two plain tensors, a dense buffer and a written-mask.

A TensorArray of ``n`` elements of shape ``E`` is carried as ``buffer`` (``[n, *E]``, the array's dtype) and
``written`` (``[n]`` bool). Ops never change them in place: a write returns new ones (``ta = ta.write(...)``
as in TF1), so a TensorArray is an ordinary loop variable of the While op, whose recorded history and
gradient plan need nothing special: the buffer's gradient is a dense ``[n, *E]`` tensor.

* ``TensorArrayScatter(buffer, written, indices, value)``: write (``indices`` a scalar) and scatter; grows a
  ``dynamic_size`` array; allocates the buffer at the first write when the element shape was unknown
  (until then the buffer is a placeholder of shape ``[0]``).
* ``TensorArrayGather(buffer, written, indices)``: read (scalar index) and gather; checks the entries were
  written. ``TensorArrayStack`` returns the whole buffer once every entry is written.

Errors name the TensorArray, the index and the shapes (an unwritten read, a second write, an index out
of range of a fixed-size array, an element of the wrong shape).

A write fills its rows in place when nothing else can see the buffer (``_sole_owner``: a loop writing
``ta = ta.write(t, x)`` costs O(1) per step), and copies it otherwise. Elements of one array share one shape
(``concat``/``split`` of unequal pieces are not supported).

Example:
    >>> buf, written = tensor_array_init(kf.constant(3), kf.float32, [2], "ta")
    >>> buf, written = scatter(buf, written, 0, kf.ones([2]), "ta", False)
"""
import functools

import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import gather, scatter_add
from kflow.engine.ops.reshape_ops import reshape_like


def _host_indices(indices):
    return np.asarray(devices.to_numpy(indices)).astype(np.int64)


def _fail(ta_name, message):
    raise errors.InvalidArgumentError(None, None, "TensorArray '%s': %s" % (ta_name, message))


def _holds(buf, n):
    """What an array holds, for error messages."""
    if n and buf.shape[:1] != (n,):
        return "no element written yet"
    return "elements of shape %s" % (list(buf.shape[1:]),)


def _check_range(flat, buf, n, ta_name, what, dynamic_size=False):
    bad = flat[(flat < 0) | ((flat >= n) & (not dynamic_size))]
    if bad.size:
        _fail(ta_name, "cannot %s index %d: it is out of range for a TensorArray of size %d%s (%s)"
              % (what, bad[0], n, " (dynamic_size=False)" if what.startswith(("write", "scatter")) else "",
                 _holds(buf, n)))


# ---- creation -------------------------------------------------------------------------------------
def _init_kernel(size, *, dtype, element_shape):
    n = int(size)
    if n < 0:
        raise errors.InvalidArgumentError(None, None, "TensorArray: size must be >= 0, got %d" % n)
    buf = np.zeros((n,) + element_shape if element_shape is not None else (0,), dtype)
    return buf, np.zeros(n, bool)


TENSOR_ARRAY = OpDef("TensorArrayV3", _init_kernel, grad=None, host_only=True)


def tensor_array_init(size, dtype, element_shape, name):
    """A new TensorArray's (buffer, written) tensors; ``element_shape`` a fully known list, or None."""
    size = convert_to_tensor(size)
    static_n = _static_int(size)
    known = tuple(element_shape) if element_shape is not None else None
    buf_shape = [static_n] + list(known) if known is not None else None
    op = make_op(TENSOR_ARRAY, [size], [(dtype, buf_shape), (dtypes.bool, [static_n])], name,
                 params={"dtype": dtype.as_numpy_dtype, "element_shape": known})
    return op.outputs[0], op.outputs[1]


def _static_int(t):
    value = t.op.attrs.get("value") if t.op.type == "Const" else None
    return int(value) if value is not None else None


# ---- write / scatter ------------------------------------------------------------------------------
def _scatter_kernel(buf, written, indices, value, *, ta_name, dynamic_size, in_place=False):
    xp = devices.array_module(buf)
    idx = _host_indices(indices)
    flat = idx.reshape(-1)
    what = "write" if idx.ndim == 0 else "scatter to"
    if value.shape[:idx.ndim] != idx.shape:
        _fail(ta_name, "scatter: %d indices but a value of shape %s" % (flat.size, value.shape))
    n = len(written)
    _check_range(flat, buf, n, ta_name, what, dynamic_size)
    if len(np.unique(flat)) != flat.size:
        _fail(ta_name, "scatter: an index appears twice in %s" % flat.tolist())
    elem = tuple(value.shape[idx.ndim:])
    was_written = devices.to_numpy(written)
    if buf.shape[:1] != (n,) or tuple(buf.shape[1:]) != elem:
        if was_written.any():
            _fail(ta_name, "cannot %s index %d an element of shape %s: the array holds elements of shape %s"
                  % (what, flat[0], list(elem), list(buf.shape[1:])))
        buf = xp.zeros((n,) + elem, buf.dtype)  # the first write fixes the element shape
    old = flat[flat < n]
    again = old[was_written[old]]
    if again.size:
        _fail(ta_name, "cannot %s index %d: it was already written (a TensorArray entry is written once; "
              "size %d, elements of shape %s)" % (what, again[0], n, list(elem)))
    need = int(flat.max()) + 1 if flat.size else n
    if need > n:  # dynamic_size: the array grows to the largest index written
        buf = xp.concatenate([buf, xp.zeros((need - n,) + elem, buf.dtype)])
        written = xp.concatenate([written, xp.zeros(need - n, bool)])
    else:
        if not in_place:
            buf = buf.copy()
        written = written.copy()  # (small; gradients read the mask each write saw)
    buf[idx] = value
    written[flat] = True
    return buf, written


def _clear_rows_kernel(g, written_before, indices):
    """The gradient reaching the buffer a scatter wrote into: rows it overwrote get none, rows it added
    (growth) belong to no earlier buffer."""
    n = len(written_before)
    out = g[:n].copy()
    flat = _host_indices(indices).reshape(-1)
    out[flat[flat < n]] = 0
    return out


CLEAR_ROWS = OpDef("TensorArrayScatterGrad", _clear_rows_kernel)


def _scatter_grad(op, g_buf, g_written):
    if g_buf is None:
        return [None] * 4
    _, written, indices, value = op.inputs
    g_old = make_op(CLEAR_ROWS, [g_buf, written, indices], [(g_buf.dtype, op.inputs[0].shape)],
                    "TensorArrayScatterGrad").outputs[0]
    return [g_old, None, None, gather(g_buf, indices)]


def _sole_owner(op, buf):
    """Whether ``op`` may fill rows of the array ``buf`` holds in place: nothing else can see that array.

    True when ``buf`` has no other reader and was made fresh for this run (by the TensorArray's creation
    or by a write), or is a loop variable whose value only comes from such a buffer and from the body's
    own writes. A write fills only unwritten rows, so views of written rows (reads) stay valid; every
    other reader of the whole buffer (stack, identity, a user op on ``flow``) makes ``op`` copy.
    """
    if [c for c in buf.consumers() if c is not op]:
        return False
    src = buf.op
    if src.type in ("TensorArrayV3", "TensorArrayScatterV3"):
        return True
    if src.type != "LoopValue":
        return False
    for loop in src.graph.get_operations():
        loop_vars = loop.attrs.get("loop_vars") if loop.type == "While" else None
        if loop_vars and any(v is buf for v in loop_vars):
            k = [i for i, v in enumerate(loop_vars) if v is buf][0]
            body_out = loop.attrs["body"][k]
            return (body_out.op.type == "TensorArrayScatterV3" and not body_out.consumers()
                    and _sole_owner(loop, loop.inputs[1 + k]))
    return False


def _bind_scatter(op, session):
    a = op.attrs
    return functools.partial(_scatter_kernel, ta_name=a["ta_name"], dynamic_size=a["dynamic_size"],
                             in_place=_sole_owner(op, op.inputs[0]))


# each write copies the buffer unless no one else can see it (then a loop of n writes costs O(n), not O(n^2))
SCATTER = OpDef("TensorArrayScatterV3", grad=_scatter_grad, bind=_bind_scatter)


def scatter(buf, written, indices, value, ta_name, dynamic_size, elem_shape=None):
    """(buffer, written) after writing ``value`` at ``indices`` (a scalar index writes one element)."""
    indices = convert_to_tensor(indices)
    if not indices.dtype.is_integer:
        raise TypeError("TensorArray '%s': indices must be integers, got %s" % (ta_name, indices.dtype.name))
    value = convert_to_tensor(value, dtype=buf.dtype)
    n = None if (written.shape.dims is None or dynamic_size) else written.shape.dims[0]
    elem = elem_shape if elem_shape is not None else shapes.TensorShape(None)
    buf_shape = shapes.TensorShape([n]).concatenate(elem) if elem.dims is not None else None
    op = make_op(SCATTER, [buf, written, indices, value], [(buf.dtype, buf_shape), (dtypes.bool, [n])],
                 "TensorArrayWrite" if indices.shape.ndims == 0 else "TensorArrayScatter",
                 params={"ta_name": ta_name, "dynamic_size": bool(dynamic_size)})
    return op.outputs[0], op.outputs[1]


# ---- read / gather / stack ------------------------------------------------------------------------
def _check_written(buf, written, flat, ta_name, what):
    _check_range(flat, buf, len(written), ta_name, what)
    was_written = devices.to_numpy(written)
    missing = flat[~was_written[flat]]
    if missing.size:
        _fail(ta_name, "cannot %s index %d: it has not been written (size %d, written indices %s, %s)"
              % (what, missing[0], len(written), np.flatnonzero(was_written).tolist(), _holds(buf, len(written))))


def _gather_kernel(buf, written, indices, *, ta_name):
    idx = _host_indices(indices)
    _check_written(buf, written, idx.reshape(-1), ta_name, "read" if idx.ndim == 0 else "gather")
    return buf[idx]


def _gather_grad_kernel(g, written, indices):
    idx = _host_indices(indices)
    out = devices.array_module(g).zeros((len(written),) + g.shape[idx.ndim:], g.dtype)
    return scatter_add(out, idx, g)


GATHER_GRAD = OpDef("TensorArrayGatherGrad", _gather_grad_kernel,
                    grad=lambda op, g: [gather(g, op.inputs[2]), None, None])


def _gather_grad(op, g):
    buf, written, indices = op.inputs
    return [make_op(GATHER_GRAD, [g, written, indices], [(g.dtype, buf.shape)], "TensorArrayGatherGrad")
            .outputs[0], None, None]


GATHER = OpDef("TensorArrayGatherV3", _gather_kernel, grad=_gather_grad)


def read(buf, written, indices, ta_name, elem_shape, name=None):
    """The element at ``indices`` (a scalar) or the elements stacked (a vector of indices)."""
    indices = convert_to_tensor(indices)
    if not indices.dtype.is_integer:
        raise TypeError("TensorArray '%s': indices must be integers, got %s" % (ta_name, indices.dtype.name))
    out = None
    if elem_shape.dims is not None and indices.shape.dims is not None:
        out = shapes.TensorShape(indices.shape.dims).concatenate(elem_shape)
    kind = "TensorArrayRead" if indices.shape.ndims == 0 else "TensorArrayGather"
    return make_op(GATHER, [buf, written, indices], [(buf.dtype, out)], name or kind,
                   params={"ta_name": ta_name}).outputs[0]


def _stack_kernel(buf, written, *, ta_name):
    if len(written) and not devices.to_numpy(written).all():
        _check_written(buf, written, np.arange(len(written)), ta_name, "stack")
    return buf


STACK = OpDef("TensorArrayStack", _stack_kernel, grad=lambda op, g: [g, None], view=True)


def stack(buf, written, ta_name, name=None):
    """All elements stacked: ``[size, *element_shape]`` (every entry must have been written)."""
    return make_op(STACK, [buf, written], [(buf.dtype, buf.shape)], name or "TensorArrayStack",
                   params={"ta_name": ta_name}).outputs[0]


# ---- size, split ----------------------------------------------------------------------------------
def _size_kernel(written):
    return np.int32(len(written))


SIZE = OpDef("TensorArraySizeV3", _size_kernel, grad=None, host_only=True)


def size(written, name=None):
    n = written.shape.dims[0] if written.shape.dims is not None else None
    return make_op(SIZE, [written], [(dtypes.int32, [])], name or "TensorArraySize",
                   attrs={"static_size": n}).outputs[0]


def _split_rows_kernel(value, lengths, *, ta_name):
    lengths = _host_indices(lengths).reshape(-1)
    if lengths.sum() != len(value) or (lengths.size and (lengths != lengths[0]).any()):
        _fail(ta_name, "split: lengths %s must be equal and add up to the value's first dimension %d "
              "(kflow's TensorArray stores elements of one shape)" % (lengths.tolist(), len(value)))
    return value.reshape((lengths.size, int(lengths[0]) if lengths.size else 0) + value.shape[1:])


def _split_rows_grad(op, g):
    return [reshape_like(g, op.inputs[0]), None]


SPLIT_ROWS = OpDef("TensorArraySplitRows", _split_rows_kernel, grad=_split_rows_grad, view=True)


def split_rows(value, lengths, ta_name):
    """``value`` as ``[len(lengths), length, ...]`` (equal lengths only)."""
    value = convert_to_tensor(value)
    lengths = convert_to_tensor(lengths)
    k = lengths.shape.dims[0] if lengths.shape.dims else None
    out = None
    if value.shape.dims is not None:
        out = [k, None] + list(value.shape.dims[1:])
    return make_op(SPLIT_ROWS, [value, lengths], [(value.dtype, out)], "TensorArraySplit",
                   params={"ta_name": ta_name}).outputs[0]
