"""Python operators on Tensors and Variables (+ - * / // % ** @, comparisons, unary, indexing).

``==`` and ``!=`` keep TF1's identity semantics (use kf.equal); ``<``, ``>`` etc. build ops.

Example:
    >>> y = 2.0 * x + b      # ops named "mul", "add" (types Mul, Add)
    >>> row = x[0, ::2]      # StridedSlice
"""
from kflow.engine.ops import comparison_ops, math_ops
from kflow.engine.ops.slicing import strided_slice_from_key
from kflow.engine.tensor import Tensor


def _binary(fn, op_name):
    # TF1 names operator-built ops in lowercase ("add", "mul", "truediv"), unlike kf.add's "Add".
    def forward(self, other):
        return fn(self, other, name=op_name)

    def reflected(self, other):
        return fn(other, self, name=op_name)

    return forward, reflected


_BINARY = {
    "add": math_ops.add, "sub": math_ops.subtract, "mul": math_ops.multiply, "truediv": math_ops.divide,
    "floordiv": math_ops.floordiv, "mod": math_ops.mod, "pow": math_ops.pow, "matmul": math_ops.matmul,
}
_LOGICAL = {"and": comparison_ops.logical_and, "or": comparison_ops.logical_or, "xor": comparison_ops.logical_xor}


def install(cls):
    """Attaches the operators to ``cls`` (Tensor; Variable delegates through its value)."""
    for name, fn in list(_BINARY.items()) + list(_LOGICAL.items()):
        forward, reflected = _binary(fn, name)
        setattr(cls, "__%s__" % name, forward)
        setattr(cls, "__r%s__" % name, reflected)
    cls.__div__ = cls.__truediv__
    cls.__rdiv__ = cls.__rtruediv__
    cls.__lt__ = lambda self, other: comparison_ops.less(self, other)
    cls.__le__ = lambda self, other: comparison_ops.less_equal(self, other)
    cls.__gt__ = lambda self, other: comparison_ops.greater(self, other)
    cls.__ge__ = lambda self, other: comparison_ops.greater_equal(self, other)
    cls.__neg__ = lambda self: math_ops.negative(self)
    cls.__abs__ = lambda self: math_ops.abs(self)
    cls.__invert__ = lambda self: comparison_ops.logical_not(self)
    cls.__pos__ = lambda self: self
    cls.__getitem__ = strided_slice_from_key


install(Tensor)
