"""Elementwise one-input math (neg, square, sqrt, rsqrt, exp, log, abs, sign, sin, tanh, sigmoid, ...),
each kernel beside its gradient.

The ops are exported as ``kf.*`` (through ``math_ops``, which re-exports them). Piecewise-constant ops follow
TF: Sign has a zero gradient, Floor / Ceil / Round have none (None).

Example:
    >>> y = kf.sqrt(kf.square(x) + 1.0)
"""
import numpy as np

from kflow.engine.op_def import OpDef
from kflow.engine.ops.elementwise import unary_op, zeros_like


def _elementwise(py_name, op_def, require_float=True):
    """The ``kf.<py_name>(x, name=None)`` function building the elementwise op ``op_def``."""
    def fn(x, name=None):
        return unary_op(op_def, x, name, require_float=require_float)
    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = "Elementwise ``%s`` of ``x`` (op type %s)%s." % (
        py_name, op_def.type, "; ``x`` must be floating point" if require_float else "")
    return fn


def _rsqrt(x):
    return 1.0 / np.sqrt(x)


def _sigmoid(x):
    # 0.5 * (1 + tanh(x / 2)) is exact and never overflows, unlike 1 / (1 + exp(-x)).
    y = np.tanh(x * 0.5)
    y += 1.0
    y *= 0.5
    return y


def _sign_grad(op, grad):
    # TF returns zeros (not None): a loss reaching a variable only through sign still "has" a gradient, so
    # optimizers apply a zero update instead of raising "No gradients provided".
    return [zeros_like(op.inputs[0])]


def _output_times(fn):
    """The gradient ``grad * fn(y)`` of an op whose derivative is a function of its output ``y``."""
    return lambda op, grad: [grad * fn(op.outputs[0])]


def _input_times(fn):
    """The gradient ``grad * fn(x)`` of an op whose derivative is a function of its input ``x``."""
    return lambda op, grad: [grad * fn(op.inputs[0])]


NEG = OpDef("Neg", np.negative, grad=lambda op, grad: [negative(grad)])
SQUARE = OpDef("Square", np.square, grad=_input_times(lambda x: 2.0 * x))
ABS = OpDef("Abs", np.abs, grad=_input_times(lambda x: sign(x)))
SIGN = OpDef("Sign", np.sign, grad=_sign_grad)
ROUND = OpDef("Round", np.round, grad=None)  # piecewise constant: no gradient, as TF
SQRT = OpDef("Sqrt", np.sqrt, grad=lambda op, grad: [grad * 0.5 / op.outputs[0]])
RSQRT = OpDef("Rsqrt", _rsqrt, grad=_output_times(lambda y: -0.5 * y * y * y))
RECIPROCAL = OpDef("Reciprocal", np.reciprocal, grad=lambda op, grad: [negative(grad) * op.outputs[0] * op.outputs[0]])
EXP = OpDef("Exp", np.exp, grad=_output_times(lambda y: y))
LOG = OpDef("Log", np.log, grad=lambda op, grad: [grad / op.inputs[0]])
LOG1P = OpDef("Log1p", np.log1p, grad=lambda op, grad: [grad / (1.0 + op.inputs[0])])
SIN = OpDef("Sin", np.sin, grad=_input_times(lambda x: cos(x)))
COS = OpDef("Cos", np.cos, grad=lambda op, grad: [negative(grad) * sin(op.inputs[0])])
TANH = OpDef("Tanh", np.tanh, grad=_output_times(lambda y: 1.0 - y * y))
SIGMOID = OpDef("Sigmoid", _sigmoid, grad=_output_times(lambda y: y * (1.0 - y)))
FLOOR = OpDef("Floor", np.floor, grad=None)
CEIL = OpDef("Ceil", np.ceil, grad=None)

negative = neg = _elementwise("negative", NEG, require_float=False)
square = _elementwise("square", SQUARE, require_float=False)
abs = _elementwise("abs", ABS, require_float=False)  # noqa: A001 - TF's public name
sign = _elementwise("sign", SIGN, require_float=False)
round = _elementwise("round", ROUND, require_float=False)  # noqa: A001 - TF's public name
sqrt = _elementwise("sqrt", SQRT)
rsqrt = _elementwise("rsqrt", RSQRT)
reciprocal = _elementwise("reciprocal", RECIPROCAL)
exp = _elementwise("exp", EXP)
log = _elementwise("log", LOG)
log1p = _elementwise("log1p", LOG1P)
sin = _elementwise("sin", SIN)
cos = _elementwise("cos", COS)
tanh = _elementwise("tanh", TANH)
sigmoid = _elementwise("sigmoid", SIGMOID)
floor = _elementwise("floor", FLOOR)
ceil = _elementwise("ceil", CEIL)
