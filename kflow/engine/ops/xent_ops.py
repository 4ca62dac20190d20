"""Fused, numerically stable cross-entropy ops: softmax (dense and sparse labels) and sigmoid.

As in TF, each forward kernel computes the loss *and* the backprop (``softmax - labels``,
``sigmoid - labels``) in one pass over the logits and returns it as a second output; the gradient
only scales that output by the incoming loss gradient. Logits are shifted by their row maximum, so
huge logits (1e4) give finite losses.

Example:
    >>> loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z))
    >>> bce = kf.nn.sigmoid_cross_entropy_with_logits(labels=t, logits=z)
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops import array_ops, math_ops, shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.control_flow_ops import stop_gradient
from kflow.engine.ops.nn_ops import softmax, log_softmax
from kflow.engine.ops.reduction_ops import reduce_sum


# ---- kernels (2-D logits [batch, classes]) and gradients ---------------------------------------------
def _row_scale(grad_loss):
    return shape_ops.expand_dims(grad_loss, -1)


def _softmax_xent(logits, labels):
    if logits.shape != labels.shape:
        raise ValueError("softmax_cross_entropy_with_logits: logits and labels must have the same shape, got "
                         "logits %s and labels %s" % (logits.shape, labels.shape))
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    # sum_j labels_j * (log(s) - shifted_j), without a [batch, classes] temporary for log(s) - shifted
    loss = np.log(s[:, 0]) * labels.sum(axis=1)
    loss -= (labels * shifted).sum(axis=1)
    e /= s
    e -= labels
    return loss, e


def _softmax_xent_grad(op, grad_loss, grad_grad=None):
    logits = op.inputs[0]
    g = _row_scale(grad_loss) if grad_loss is not None else None
    dlogits = op.outputs[1] * g if g is not None else None
    if grad_grad is not None:  # second order: d(softmax - labels)/dlogits applied to grad_grad
        p = softmax(logits)
        extra = (grad_grad - reduce_sum(grad_grad * p, -1, keepdims=True)) * p
        dlogits = extra if dlogits is None else dlogits + extra
    dlabels = None
    if g is not None:
        dlabels = g * -log_softmax(logits)
    if grad_grad is not None:
        dlabels = -grad_grad if dlabels is None else dlabels - grad_grad
    return [dlogits, dlabels]


SOFTMAX_XENT = OpDef("SoftmaxCrossEntropyWithLogits", _softmax_xent, grad=_softmax_xent_grad)


def _sparse_softmax_xent(logits, labels):
    n, c = logits.shape
    if labels.shape != (n,):
        raise ValueError("sparse_softmax_cross_entropy_with_logits: labels must have shape %s (the logits' batch "
                         "shape), got %s" % ((n,), labels.shape))
    xp = devices.array_module(logits)
    # one reduction: viewed unsigned, negative labels become the largest values
    if xp is np and n and (labels.view(labels.dtype.str.replace("i", "u")).max() >= c if labels.dtype.kind == "i"
                           else labels.max() >= c):
        bad = labels[(labels < 0) | (labels >= c)][0]
        raise ValueError("Received a label value of %d which is outside the valid range of [0, %d)." % (bad, c))
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1)
    rows = xp.arange(n)
    loss = np.log(s)
    loss -= shifted[rows, labels]
    e /= s[:, None]
    e[rows, labels] -= 1
    return loss, e


def _sparse_softmax_xent_grad(op, grad_loss, grad_grad=None):
    dlogits = op.outputs[1] * _row_scale(grad_loss) if grad_loss is not None else None
    if grad_grad is not None:
        p = softmax(op.inputs[0])
        extra = (grad_grad - reduce_sum(grad_grad * p, -1, keepdims=True)) * p
        dlogits = extra if dlogits is None else dlogits + extra
    return [dlogits, None]


SPARSE_SOFTMAX_XENT = OpDef("SparseSoftmaxCrossEntropyWithLogits", _sparse_softmax_xent,
                            grad=_sparse_softmax_xent_grad)


def _sigmoid_xent(logits, labels):
    if logits.shape != labels.shape:
        raise ValueError("sigmoid_cross_entropy_with_logits: logits and labels must have the same shape (%s vs %s)"
                         % (logits.shape, labels.shape))
    t = np.exp(-np.abs(logits))  # in (0, 1]: neither exp overflows
    loss = np.maximum(logits, 0)
    loss -= logits * labels
    loss += np.log1p(t)
    sig = 1 / (1 + t)  # sigmoid(|x|); sigmoid(x) = t * sigmoid(|x|) for x < 0
    sig = np.where(logits >= 0, sig, t * sig)
    sig -= labels
    return loss, sig


def _sigmoid_xent_grad(op, grad_loss, grad_grad=None):
    logits, labels = op.inputs
    dlogits = dlabels = None
    if grad_loss is not None:
        dlogits = grad_loss * op.outputs[1]
        dlabels = -grad_loss * logits
    if grad_grad is not None:  # backprop = sigmoid(x) - z
        sig = op.outputs[1] + labels
        extra = grad_grad * sig * (1.0 - sig)
        dlogits = extra if dlogits is None else dlogits + extra
        dlabels = -grad_grad if dlabels is None else dlabels - grad_grad
    return [dlogits, dlabels]


SIGMOID_XENT = OpDef("SigmoidCrossEntropyWithLogits", _sigmoid_xent, grad=_sigmoid_xent_grad)


# ---- graph builders ---------------------------------------------------------------------------------
def _labels_like(op_type, labels, x, name, integer=False, cast_labels=False):
    if not is_tensor_like(labels) and not integer:
        return convert_to_tensor(labels, dtype=x.dtype)
    y = convert_to_tensor(labels)
    if cast_labels and y.dtype is not x.dtype and (y.dtype.is_floating or y.dtype.is_integer):
        return math_ops.cast(y, x.dtype)  # as TF: float64 one-hot labels against float32 logits
    ok = y.dtype.is_integer if integer else y.dtype is x.dtype
    if not ok:
        want = "an integer dtype" if integer else "dtype %s (the logits' dtype)" % x.dtype.name
        raise build_error(op_type, name, [x, y], "%s: labels must have %s, got %s" % (op_type, want, y.dtype.name),
                          TypeError)
    return y


def _check_logits(op_type, logits, name):
    x = convert_to_tensor(logits)
    if not x.dtype.is_floating:
        raise build_error(op_type, name, [x], "%s: logits must be floating point, got %s" % (op_type, x.dtype.name),
                          TypeError)
    if x.shape.ndims == 0:
        raise build_error(op_type, name, [x], "%s: logits must have rank >= 1" % op_type)
    return x


def _check_same_shape(op_type, x, y, name):
    if not x.shape.is_compatible_with(y.shape):
        raise build_error(op_type, name, [x, y], "%s: logits and labels must have the same shape (%s vs %s)"
                          % (op_type, x.shape, y.shape))


def _fused(op_def, x, y, name):
    n = None if x.shape.dims is None else x.shape.dims[0]
    op = make_op(op_def, [x, y], [(x.dtype, [n]), (x.dtype, x.shape)], name or op_def.type)
    return op.outputs[0]


def _as_2d(x, axis):
    """``x`` with ``axis`` moved last and flattened to [rows, classes]; and the shape to restore the loss to."""
    rank = x.shape.ndims
    if rank is not None:
        axis = axis % rank
        if axis != rank - 1:
            x = shape_ops.transpose(x, [i for i in range(rank) if i != axis] + [axis])
        if rank == 2:
            return x, None
    dims = x.shape.dims
    classes = dims[-1] if dims is not None and dims[-1] is not None else array_ops.shape(x)[-1]
    batch_shape = array_ops.shape(x)[:-1]
    if dims is not None and None not in dims[:-1]:
        batch_shape = list(dims[:-1])
    return array_ops.reshape(x, [-1, classes]), batch_shape


def _restore(loss, batch_shape):
    return loss if batch_shape is None else array_ops.reshape(loss, batch_shape)


def _require_named_arguments(fn_name, sentinel, labels, logits):
    """TF1's guard against positional calls (the first parameter is a ``_sentinel``) and missing arguments."""
    if sentinel is not None:
        raise ValueError("Only call `%s` with named arguments (labels=..., logits=..., ...)" % fn_name)
    if labels is None or logits is None:
        raise ValueError("Both labels= and logits= must be provided.")


def softmax_cross_entropy_with_logits_v2(labels=None, logits=None, axis=None, name=None, dim=None, _sentinel=None):
    """Softmax cross-entropy between ``logits`` and a probability distribution ``labels`` (same shape).

    Labels of another numeric dtype are cast to the logits' dtype, as TF does.

    Gradients flow into both logits and labels. Returns the per-row loss (the logits' shape without ``axis``).

    Example:
        >>> kf.nn.softmax_cross_entropy_with_logits_v2(labels=[[0.0, 1.0]], logits=[[1.0, 2.0]])   # [0.3133]
    """
    op_type = "SoftmaxCrossEntropyWithLogits"
    _require_named_arguments("softmax_cross_entropy_with_logits_v2", _sentinel, labels, logits)
    x = _check_logits(op_type, logits, name)
    y = _labels_like(op_type, labels, x, name, cast_labels=True)
    _check_same_shape(op_type, x, y, name)
    axis = -1 if axis is None and dim is None else (dim if axis is None else axis)
    x2, batch_shape = _as_2d(x, axis)
    y2, _ = _as_2d(y, axis)
    return _restore(_fused(SOFTMAX_XENT, x2, y2, name), batch_shape)


def softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, dim=-1, name=None, axis=None):
    """TF1's softmax cross-entropy: as ``_v2`` but no gradient flows into ``labels``.

    Example:
        >>> kf.nn.softmax_cross_entropy_with_logits(labels=onehot, logits=z)
    """
    _require_named_arguments("softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    if is_tensor_like(labels):
        labels = stop_gradient(labels)
    return softmax_cross_entropy_with_logits_v2(labels=labels, logits=logits, axis=axis if axis is not None else dim,
                                                name=name)


def sparse_softmax_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Softmax cross-entropy against integer class ids: ``labels`` has the logits' shape without the last axis.

    Raises (when run) on labels outside ``[0, num_classes)``, like TF on the CPU.

    Example:
        >>> kf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1], logits=[[1.0, 2.0]])   # [0.3133]
    """
    op_type = "SparseSoftmaxCrossEntropyWithLogits"
    _require_named_arguments("sparse_softmax_cross_entropy_with_logits", _sentinel, labels, logits)
    x = _check_logits(op_type, logits, name)
    y = _labels_like(op_type, labels, x, name, integer=True)
    xd, yd = x.shape.dims, y.shape.dims
    if xd is not None and yd is not None and (len(yd) != len(xd) - 1 or not y.shape.is_compatible_with(xd[:-1])):
        raise build_error(op_type, name, [x, y], "%s: labels shape %s must equal the logits shape %s without its "
                          "last dimension (rank %d labels for rank %d logits)" % (
                              op_type, y.shape, x.shape, len(xd) - 1, len(xd)))
    x2, batch_shape = _as_2d(x, -1)
    y2 = y if batch_shape is None else array_ops.reshape(y, [-1])
    return _restore(_fused(SPARSE_SOFTMAX_XENT, x2, y2, name), batch_shape)


def sigmoid_cross_entropy_with_logits(_sentinel=None, labels=None, logits=None, name=None):
    """Elementwise ``-z*log(sigmoid(x)) - (1-z)*log(1-sigmoid(x))``, as ``max(x,0) - x*z + log1p(exp(-|x|))``.

    Example:
        >>> kf.nn.sigmoid_cross_entropy_with_logits(labels=[1.0], logits=[0.0])   # [0.6931]
    """
    op_type = "SigmoidCrossEntropyWithLogits"
    _require_named_arguments("sigmoid_cross_entropy_with_logits", _sentinel, labels, logits)
    x = _check_logits(op_type, logits, name)
    y = _labels_like(op_type, labels, x, name)
    _check_same_shape(op_type, x, y, name)
    op = make_op(SIGMOID_XENT, [x, y], [(x.dtype, x.shape), (x.dtype, x.shape)], name or "logistic_loss")
    return op.outputs[0]


def weighted_cross_entropy_with_logits(labels=None, logits=None, pos_weight=None, name=None, targets=None):
    """Sigmoid cross-entropy with the positive term weighted by ``pos_weight`` (composed, stable).

    Example:
        >>> kf.nn.weighted_cross_entropy_with_logits(labels=t, logits=z, pos_weight=3.0)
    """
    labels = targets if labels is None else labels
    x = _check_logits("WeightedCrossEntropy", logits, name)
    z = _labels_like("WeightedCrossEntropy", labels, x, name)
    log_weight = 1.0 + (pos_weight - 1.0) * z
    softplus_neg = math_ops.log1p(math_ops.exp(-math_ops.abs(x))) + math_ops.maximum(-x, 0.0)
    return math_ops.add((1.0 - z) * x, log_weight * softplus_neg, name=name or "logistic_loss")
