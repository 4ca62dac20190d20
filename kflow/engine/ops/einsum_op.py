"""``kf.einsum``: Einstein summation over numpy's subscript language, with its gradient.

The gradient for operand ``k`` is itself an einsum: the output gradient contracted with the other
operands (and a ones tensor shaped like operand ``k``, which supplies the letters only ``k`` has),
summed back over broadcast ``...`` dimensions.

Example:
    >>> kf.einsum("bij,bjk->bik", a, b)   # batched matmul
    >>> kf.einsum("ii->", m)              # trace (forward only: repeated letters have no gradient)
"""
import numpy as np

from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.array_ops import ones_like
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.math_ops import unbroadcast


def _parse(equation, n):
    eq = equation.replace(" ", "")
    if "->" in eq:
        lhs, out = eq.split("->")
    else:  # implicit output: the letters that appear once, in alphabetical order (numpy's rule)
        lhs = eq
        letters = lhs.replace(",", "").replace(".", "")
        out = ("..." if "..." in lhs else "") + "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    ins = lhs.split(",")
    if len(ins) != n:
        raise ValueError("equation %r has %d operands but %d tensors were given" % (equation, len(ins), n))
    return ins, out


def _static_shape(ins, out, tensors):
    if "." in "".join(ins) + out:
        return None  # broadcast "..." dims: leave the shape to run time
    seen = {}  # letter -> sizes seen (None: unknown); size-1 axes broadcast
    for sub, t in zip(ins, tensors):
        dims = t.shape.dims
        if dims is None:
            for c in sub:
                seen.setdefault(c, set()).add(None)
            continue
        if len(dims) != len(sub):
            raise ValueError("operand %r has rank %d but its subscripts %r name %d axes"
                             % (t.name, len(dims), sub, len(sub)))
        for c, d in zip(sub, dims):
            seen.setdefault(c, set()).add(d)
    sizes = {}
    for c, ds in seen.items():
        big = ds - {None, 1}
        if len(big) > 1:
            raise ValueError("subscript %r has sizes %s" % (c, sorted(big)))
        sizes[c] = big.pop() if big else (None if None in ds else 1)
    return [sizes.get(c) for c in out]


def _einsum(*operands, equation):
    return np.einsum(equation, *operands, optimize=True)


def _einsum_grad(op, grad):
    lhs, out = op.attrs["equation"].split("->")
    ins = lhs.split(",")
    grads = []
    for k, (sub, x) in enumerate(zip(ins, op.inputs)):
        letters = sub.replace(".", "")
        if len(set(letters)) != len(letters):
            raise LookupError("einsum gradient: operand %d of '%s' (%r) repeats a subscript (a trace or diagonal), "
                              "which has no gradient in kflow" % (k, op.name, op.attrs["equation"]))
        others = [s for j, s in enumerate(ins) if j != k]
        eq = ",".join([out] + others + [sub]) + "->" + sub
        operands = [grad] + [t for j, t in enumerate(op.inputs) if j != k] + [ones_like(x)]
        grads.append(unbroadcast(einsum(eq, *operands), x) if "." in sub else einsum(eq, *operands))
    return grads


EINSUM = OpDef("Einsum", _einsum, grad=_einsum_grad, blas=True)


def einsum(equation, *inputs, **kwargs):
    """Einstein summation, e.g. ``"ij,jk->ik"`` (matmul), ``"i,i->"`` (dot), ``"bij->bji"``.

    Example:
        >>> kf.einsum("ij,j->i", m, v)
    """
    name = kwargs.pop("name", None)
    if len(inputs) == 1 and isinstance(inputs[0], (list, tuple)):
        inputs = inputs[0]
    tensors = [convert_to_tensor(x) for x in inputs]
    if any(t.dtype is not tensors[0].dtype for t in tensors):
        raise build_error("Einsum", name, tensors, "einsum: all operands must have one dtype, got %s"
                          % [t.dtype.name for t in tensors], TypeError)
    try:
        ins, out = _parse(equation, len(tensors))
        shape = _static_shape(ins, out, tensors)
    except ValueError as e:
        raise build_error("Einsum", name, tensors, "einsum %r: %s" % (equation, e)) from None
    eq = ",".join(ins) + "->" + out
    return make_op(EINSUM, tensors, [(tensors[0].dtype, shape)], name or "Einsum", params={"equation": eq}).outputs[0]
