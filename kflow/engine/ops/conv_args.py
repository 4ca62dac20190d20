"""Argument handling shared by the convolution and 3-D pooling ops (conv_ops, depthwise_conv_ops,
conv3d_ops): input checks, TF1's strides/padding/dilations normalized to one ``conf`` tuple, the
NCHW <-> NHWC moves of the 2-D ops (whose kernels are NHWC only), and the gradients of a convolution and
its two backprops (ConvolutionGrads).

Example:
    >>> (x, w), conf, fmt = prepare_2d("Conv2D", None, [x, w], [1, 1, 1, 1], "SAME", None, "NHWC")
    >>> (x, w), conf = prepare_3d("Conv3D", None, [x, w], (5, 5), [1, 2, 2, 2, 1], "VALID", None, "NDHWC")
"""
from kflow.engine.operation import build_error
from kflow.engine.ops import array_ops, shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.params import data_grads, make_param_op, partial_shape
from kflow.engine.ops.window_geometry import Window, four_tuple, normalize_padding


def check_inputs(op_type, name, tensors, ranks):
    """The ``tensors`` as tensors of one floating dtype with the given ``ranks`` (where the rank is known).

    Raises:
        TypeError / ValueError: naming the op, the dtypes or the tensor of the wrong rank.
    """
    ts = [convert_to_tensor(t) for t in tensors]
    dt = ts[0].dtype
    if not dt.is_floating or any(t.dtype is not dt for t in ts):
        raise build_error(op_type, name, ts, "%s: inputs must share one floating dtype, got %s" % (
            op_type, ", ".join(t.dtype.name for t in ts)), TypeError)
    for t, r in zip(ts, ranks):
        if t.shape.ndims is not None and t.shape.ndims != r:
            raise build_error(op_type, name, ts, "%s: expected a rank-%d tensor, got shape %s for '%s'" % (
                op_type, r, t.shape, t.name))
    return ts


def prepare_2d(op_type, name, tensors, strides, padding, dilations, data_format, ranks=(4, 4)):
    """Checks the inputs and normalizes (strides, padding, dilations) to NHWC (h, w) pairs: ``(ts, conf, fmt)``."""
    ts = check_inputs(op_type, name, tensors, ranks)
    fmt = (data_format or "NHWC").upper()
    if fmt not in ("NHWC", "NCHW"):
        raise build_error(op_type, name, ts, "%s: data_format must be 'NHWC' or 'NCHW', got %r" % (op_type, fmt))
    try:
        conf = (four_tuple(1 if strides is None else strides, "strides", fmt),
                normalize_padding(padding, fmt) if padding is not None else _missing("padding"),
                four_tuple(1 if dilations is None else dilations, "dilations", fmt))
        Window((1, 1), conf[0], conf[1], conf[2])
    except ValueError as e:
        raise build_error(op_type, name, ts, "%s: %s" % (op_type, e)) from None
    return ts, conf, fmt


def _missing(arg):
    raise ValueError("the %s argument is required" % arg)


def to_nhwc(t, fmt):
    """``t`` in NHWC (transposed from NCHW when ``fmt`` says so)."""
    return t if fmt == "NHWC" else shape_ops.transpose(t, [0, 2, 3, 1])


def from_nhwc(t, fmt):
    """An NHWC result back in ``fmt``."""
    return t if fmt == "NHWC" else shape_ops.transpose(t, [0, 3, 1, 2])


def sizes_to_nhwc(sizes, fmt):
    """A 4-vector of sizes (list or int32 tensor) given in ``fmt``, in NHWC order."""
    if fmt == "NHWC":
        return sizes
    known = partial_shape(sizes)
    if known is not None and None not in known:
        return [known[0], known[2], known[3], known[1]]
    return gather(convert_to_tensor(sizes), [0, 2, 3, 1])


def triple(value, name):
    """A 3-D ``strides``/``ksize``/``dilations``: an int, 3 ints or TF1's ``[1, d, h, w, 1]``, as (d, h, w)."""
    if isinstance(value, int):
        return (value,) * 3
    vals = [int(v) for v in value]
    if len(vals) == 3:
        return tuple(vals)
    if len(vals) == 5 and vals[0] == vals[4] == 1:
        return tuple(vals[1:4])
    raise ValueError("%s must be an int, 3 ints or [1, d, h, w, 1], got %r" % (name, value))


def same_or_valid(padding):
    """``padding`` ("SAME"/"VALID", any case, str or bytes) in upper case."""
    p = padding.decode() if isinstance(padding, bytes) else padding
    if not isinstance(p, str) or p.upper() not in ("SAME", "VALID"):
        raise ValueError("padding must be 'SAME' or 'VALID', got %r" % (padding,))
    return p.upper()


def prepare_3d(op_type, name, tensors, ranks, strides, padding, dilations, data_format):
    """Checks the inputs (NDHWC only) and normalizes the window arguments to (d, h, w): ``(ts, conf)``."""
    ts = check_inputs(op_type, name, tensors, ranks)
    if (data_format or "NDHWC").upper() != "NDHWC":
        raise build_error(op_type, name, ts, "%s: kflow supports data_format 'NDHWC' only, got %r"
                          % (op_type, data_format))
    try:
        conf = (triple(1 if strides is None else strides, "strides"), same_or_valid(padding),
                triple(1 if dilations is None else dilations, "dilations"))
    except ValueError as e:
        raise build_error(op_type, name, ts, "%s: %s" % (op_type, e)) from None
    return ts, conf


def backprop_op(op_def, inputs, sizes, conf, name=None):
    """A convolution backprop ``op_def`` on ``inputs`` (the input or the filter, then out_backprop): its result
    has the shape ``sizes`` (a list or an int32 tensor) and out_backprop's dtype."""
    return make_param_op(op_def, inputs, [sizes], [(inputs[1].dtype, partial_shape(sizes))], name or op_def.type,
                         kernel_params={"conf": conf}).outputs[0]


class ConvolutionGrads:
    """The gradients of a convolution ``y = conv(x, w)`` and of its two backprops, which are linear in each
    input, so each gradient is again a convolution or a backprop (second order works). One object per op
    family, from its graph builders ``conv(x, w, conf)``, ``backprop_input(sizes, w, dy, conf)`` and
    ``backprop_filter(x, sizes, dy, conf)``; the ops' normalized ``conf`` is ``op.attrs["conf"]``.

    Example:
        >>> GRADS = ConvolutionGrads(lambda *a: _conv3d(*a), lambda *a: _backprop_input(*a),
        ...                          lambda *a: _backprop_filter(*a))    # lambdas: builders defined below
        >>> CONV3D = OpDef("Conv3D", _conv3d_kernel, grad=GRADS.conv)
    """

    def __init__(self, conv, backprop_input, backprop_filter):
        self._conv, self._input, self._filter = conv, backprop_input, backprop_filter

    def conv(self, op, grad):
        x, w = op.inputs
        conf = op.attrs["conf"]
        return [self._input(array_ops.shape(x), w, grad, conf), self._filter(x, array_ops.shape(w), grad, conf)]

    def backprop_input(self, op, grad):
        w, dy = op.inputs[:2]
        conf = op.attrs["conf"]
        return data_grads(op, [self._filter(grad, array_ops.shape(w), dy, conf), self._conv(grad, w, conf)])

    def backprop_filter(self, op, grad):
        x, dy = op.inputs[:2]
        conf = op.attrs["conf"]
        return data_grads(op, [self._input(array_ops.shape(x), grad, dy, conf), self._conv(x, grad, conf)])
