"""Elementwise one-input math (neg, square, sqrt, rsqrt, exp, log, abs, sign, sin, tanh, sigmoid, ...),
each kernel beside its gradient.

The ops are exported as ``kf.*`` (through ``math_ops``, which re-exports them). Piecewise-constant ops follow
TF: Sign has a zero gradient, Floor / Ceil / Round have none (None).

Example:
    >>> y = kf.sqrt(kf.square(x) + 1.0)
"""
import numpy as np

from kflow.engine.operation import make_op, register_gradient, not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor


def unary_op(op_type, kernel, x, name=None, out_dtype=None, require_float=False):
    """Builds an elementwise op ``kernel(x)`` keeping ``x``'s shape."""
    x = convert_to_tensor(x)
    if require_float and not x.dtype.is_floating:
        raise build_error(op_type, name, [x], "%s requires a floating-point input, got %s" % (
            op_type, x.dtype.name), TypeError)
    return make_op(op_type, [x], kernel, [(out_dtype or x.dtype, x.shape)], name).outputs[0]


def _elementwise(py_name, op_type, kernel, require_float=True):
    """The ``kf.<py_name>(x, name=None)`` function building the elementwise op ``op_type``."""
    def fn(x, name=None):
        return unary_op(op_type, kernel, x, name, require_float=require_float)
    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = "Elementwise ``%s`` of ``x`` (op type %s)%s." % (
        py_name, op_type, "; ``x`` must be floating point" if require_float else "")
    return fn


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


def _sigmoid(x):
    # 0.5 * (1 + tanh(x / 2)) is exact and never overflows, unlike 1 / (1 + exp(-x)).
    y = np.tanh(x * 0.5)
    y += 1.0
    y *= 0.5
    return y


negative = neg = _elementwise("negative", "Neg", np.negative, require_float=False)
square = _elementwise("square", "Square", np.square, require_float=False)
abs = _elementwise("abs", "Abs", np.abs, require_float=False)  # noqa: A001 - TF's public name
sign = _elementwise("sign", "Sign", np.sign, require_float=False)
round = _elementwise("round", "Round", np.round, require_float=False)  # noqa: A001 - TF's public name
sqrt = _elementwise("sqrt", "Sqrt", np.sqrt)
rsqrt = _elementwise("rsqrt", "Rsqrt", _rsqrt)
reciprocal = _elementwise("reciprocal", "Reciprocal", np.reciprocal)
exp = _elementwise("exp", "Exp", np.exp)
log = _elementwise("log", "Log", np.log)
log1p = _elementwise("log1p", "Log1p", np.log1p)
sin = _elementwise("sin", "Sin", np.sin)
cos = _elementwise("cos", "Cos", np.cos)
tanh = _elementwise("tanh", "Tanh", np.tanh)
sigmoid = _elementwise("sigmoid", "Sigmoid", _sigmoid)
floor = _elementwise("floor", "Floor", np.floor)
ceil = _elementwise("ceil", "Ceil", np.ceil)


@register_gradient("Neg")
def _neg_grad(op, grad):
    return [negative(grad)]


@register_gradient("Square")
def _square_grad(op, grad):
    return [grad * (2.0 * op.inputs[0])]


@register_gradient("Sqrt")
def _sqrt_grad(op, grad):
    return [grad * 0.5 / op.outputs[0]]


@register_gradient("Rsqrt")
def _rsqrt_grad(op, grad):
    y = op.outputs[0]
    return [grad * -0.5 * y * y * y]


@register_gradient("Reciprocal")
def _reciprocal_grad(op, grad):
    y = op.outputs[0]
    return [negative(grad) * y * y]


@register_gradient("Exp")
def _exp_grad(op, grad):
    return [grad * op.outputs[0]]


@register_gradient("Log")
def _log_grad(op, grad):
    return [grad / op.inputs[0]]


@register_gradient("Log1p")
def _log1p_grad(op, grad):
    return [grad / (1.0 + op.inputs[0])]


@register_gradient("Abs")
def _abs_grad(op, grad):
    return [grad * sign(op.inputs[0])]


@register_gradient("Sign")
def _sign_grad(op, grad):
    # TF returns zeros (not None): a loss reaching a variable only through sign still "has" a gradient, so
    # optimizers apply a zero update instead of raising "No gradients provided".
    from kflow.engine.ops.array_ops import zeros_like  # array_ops imports this module's importer

    return [zeros_like(op.inputs[0])]


@register_gradient("Sin")
def _sin_grad(op, grad):
    return [grad * cos(op.inputs[0])]


@register_gradient("Cos")
def _cos_grad(op, grad):
    return [negative(grad) * sin(op.inputs[0])]


@register_gradient("Tanh")
def _tanh_grad(op, grad):
    y = op.outputs[0]
    return [grad * (1.0 - y * y)]


@register_gradient("Sigmoid")
def _sigmoid_grad(op, grad):
    y = op.outputs[0]
    return [grad * y * (1.0 - y)]


not_differentiable("Floor", "Ceil", "Round")
