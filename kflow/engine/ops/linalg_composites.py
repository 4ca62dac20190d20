"""Linear algebra built from the core ops (their gradients come for free): cholesky_solve, lstsq
(matrix_solve_ls), trace, logdet, norm, normalize and cross.

Example:
    >>> x = kf.linalg.lstsq(a, b, l2_regularizer=0.1)
    >>> kf.norm(m, ord="fro", axis=[-2, -1])
"""
import numpy as np

from kflow.engine.operation import build_error
from kflow.engine.ops.array_ops import eye
from kflow.engine.ops.concat_ops import stack, unstack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.decomposition_ops import svd
from kflow.engine.ops.diag_ops import matrix_diag_part
from kflow.engine.ops.linalg_ops import matrix_input, static_dims, cholesky, matrix_solve, matrix_triangular_solve
from kflow.engine.ops.math_ops import matmul
from kflow.engine.ops.reduction_ops import reduce_sum, reduce_max
from kflow.engine.ops.shape_ops import expand_dims, transpose, squeeze
from kflow.engine.ops.unary_math_ops import log, sqrt, abs as _abs, square


def cholesky_solve(chol, rhs, name=None):
    """``x`` with ``A @ x == rhs`` given ``chol = cholesky(A)``.

    Example:
        >>> kf.linalg.cholesky_solve(kf.linalg.cholesky(a), b)
    """
    y = matrix_triangular_solve(chol, rhs, lower=True)
    return matrix_triangular_solve(chol, y, lower=True, adjoint=True, name=name)


def matrix_solve_ls(matrix, rhs, l2_regularizer=0.0, fast=True, name=None):
    """Least squares: ``x`` minimizing ``|matrix @ x - rhs|^2 + l2_regularizer * |x|^2`` (normal equations,
    as TF's ``fast`` path; needs a full-rank ``matrix``).

    Example:
        >>> kf.linalg.lstsq([[1.0], [1.0]], [[1.0], [3.0]])   # [[2]]
    """
    a = matrix_input("MatrixSolveLs", name, matrix, square=False)
    b = convert_to_tensor(rhs, dtype=a.dtype)
    dims = static_dims(a)
    if dims is None or dims[-1] is None or dims[-2] is None:
        raise build_error("MatrixSolveLs", name, [a, b], "lstsq: the matrix dimensions must be known")
    m, n = dims[-2:]
    if m >= n:
        gram = matmul(a, a, transpose_a=True) + l2_regularizer * eye(n, dtype=a.dtype)
        return matrix_solve(gram, matmul(a, b, transpose_a=True), name=name)
    gram = matmul(a, a, transpose_b=True) + l2_regularizer * eye(m, dtype=a.dtype)
    return matmul(a, matrix_solve(gram, b), transpose_a=True, name=name)


def trace(x, name=None):
    """The sum of each matrix's main diagonal: ``[..., m, n] -> [...]``.

    Example:
        >>> kf.linalg.trace([[1.0, 2.0], [3.0, 4.0]])   # 5
    """
    return reduce_sum(matrix_diag_part(x), -1, name=name)


def logdet(matrix, name=None):
    """``log(det(matrix))`` of symmetric positive definite matrices, through the Cholesky factor (stable).

    Example:
        >>> kf.linalg.logdet([[4.0, 0.0], [0.0, 1.0]])   # log(4)
    """
    return 2.0 * reduce_sum(log(matrix_diag_part(cholesky(matrix))), -1, name=name)


def norm(tensor, ord="euclidean", axis=None, keepdims=None, name=None, keep_dims=None):  # noqa: A002
    """Vector norms (``ord`` 1, 2/'euclidean', inf, or any p >= 1) over one axis or the whole tensor, and matrix
    norms ('fro'/'euclidean', 1, 2, inf) over an axis pair.

    Example:
        >>> kf.norm([3.0, 4.0])                          # 5
        >>> kf.norm([[1.0, -2.0], [3.0, 4.0]], ord=1, axis=[-2, -1])   # 6 (largest column sum)
    """
    x = convert_to_tensor(tensor)
    keep = bool(keepdims if keepdims is not None else keep_dims)
    if not x.dtype.is_floating:
        raise build_error("Norm", name, [x], "norm: input must be floating point, got %s" % x.dtype.name, TypeError)
    matrix = axis is not None and not isinstance(axis, (int, np.integer)) and len(axis) == 2
    if isinstance(ord, str) and ord not in ("euclidean", "fro") or \
            not isinstance(ord, str) and not ord >= 1:
        raise build_error("Norm", name, [x], "norm: ord must be 'euclidean', 'fro', 1, 2, inf or a number >= 1, "
                          "got %r" % (ord,))
    if not matrix:
        if ord == "fro":
            raise build_error("Norm", name, [x], "norm: ord='fro' needs a pair of axes")
        if ord in ("euclidean", 2):
            return sqrt(reduce_sum(square(x), axis, keepdims=keep), name=name)
        if ord == np.inf:
            return reduce_max(_abs(x), axis, keepdims=keep, name=name)
        if ord == 1:
            return reduce_sum(_abs(x), axis, keepdims=keep, name=name)
        return reduce_sum(_abs(x) ** float(ord), axis, keepdims=keep) ** (1.0 / ord)
    rank = x.shape.ndims
    if rank is None:
        raise build_error("Norm", name, [x], "norm: a matrix norm needs an input of known rank")
    rows, cols = (a % rank for a in axis)
    if ord in ("euclidean", "fro"):
        return sqrt(reduce_sum(square(x), [rows, cols], keepdims=keep), name=name)
    if ord in (1, np.inf):
        inner, outer = (rows, cols) if ord == 1 else (cols, rows)  # 1: max column sum; inf: max row sum
        out = reduce_max(reduce_sum(_abs(x), inner, keepdims=True), outer, keepdims=True)
        return out if keep else squeeze(out, sorted([rows, cols]), name=name)
    if ord == 2:
        perm = [i for i in range(rank) if i not in (rows, cols)] + [rows, cols]
        top = reduce_max(svd(transpose(x, perm), compute_uv=False), -1)
        if not keep:
            return top
        for a in sorted([rows, cols]):
            top = expand_dims(top, a)
        return top
    raise build_error("Norm", name, [x], "norm: matrix norm ord must be 'fro', 1, 2 or inf, got %r" % (ord,))


def cross(a, b, name=None):
    """The cross product of 3-vectors in the last axis of ``a`` and ``b``.

    Example:
        >>> kf.linalg.cross([1.0, 0.0, 0.0], [0.0, 1.0, 0.0])   # [0, 0, 1]
    """
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    for t in (a, b):
        if t.shape.dims is not None and t.shape.dims[-1] not in (None, 3):
            raise build_error("Cross", name, [a, b], "cross: the last axis must have size 3, got shapes %s and %s"
                              % (a.shape, b.shape))
    a0, a1, a2 = unstack(a, 3, axis=-1)
    b0, b1, b2 = unstack(b, 3, axis=-1)
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1, name=name or "Cross")


def normalize(tensor, ord="euclidean", axis=None, name=None):
    """``(tensor / norm(tensor), norm)`` with the norm kept broadcastable (``keepdims``).

    Example:
        >>> unit, length = kf.linalg.normalize([3.0, 4.0])   # [0.6, 0.8], [5]
    """
    x = convert_to_tensor(tensor)
    n = norm(x, ord=ord, axis=axis, keepdims=True)
    return x / n, n
