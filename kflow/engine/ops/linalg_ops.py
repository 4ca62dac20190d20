"""Linear algebra on batches of matrices (the last two axes): transpose, inverse, determinants, Cholesky and
solves. Each kernel calls the array module's ``linalg`` (numpy or cupy); each gradient is built from kflow ops
(the formulas TF uses; Murray 2016 for Cholesky). Decompositions are in decomposition_ops, composites (lstsq,
norm, trace, logdet, cholesky_solve) in linalg_composites.

Example:
    >>> x = kf.linalg.solve(a, b)              # a @ x == b
    >>> l = kf.linalg.cholesky(a)              # a == l @ l^T for symmetric positive definite a
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.diag_ops import matrix_band_part, matrix_diag_part, matrix_set_diag
from kflow.engine.ops.math_ops import matmul
from kflow.engine.ops.shape_ops import expand_dims, transpose, squeeze


def linalg_module(x):
    """The linalg module (numpy.linalg or cupy.linalg) of ``x``'s array library."""
    return devices.array_module(x).linalg


def matrix_input(op_type, name, x, square=True):
    """``x`` as a float tensor of rank >= 2 (square matrices unless ``square`` is False)."""
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise build_error(op_type, name, [x], "%s: input must be float32 or float64, got %s"
                          % (op_type, x.dtype.name), TypeError)
    dims = x.shape.dims
    if dims is not None:
        if len(dims) < 2:
            raise build_error(op_type, name, [x], "%s: input must be a (batch of) matrices of rank >= 2, got shape "
                              "%s" % (op_type, x.shape))
        if square and dims[-1] is not None and dims[-2] is not None and dims[-1] != dims[-2]:
            raise build_error(op_type, name, [x], "%s: input must be a (batch of) square matrices, got shape %s"
                              % (op_type, x.shape))
    return x


def static_dims(x):
    """``x``'s static dims as a list (None entries unknown), or None for an unknown rank."""
    return None if x.shape.dims is None else list(x.shape.dims)


def matrix_transpose(a, name="matrix_transpose", conjugate=False):
    """Swaps the last two axes of ``a`` (rank must be known).

    Example:
        >>> kf.linalg.matrix_transpose(kf.ones([5, 2, 3])).shape   # (5, 3, 2)
    """
    a = convert_to_tensor(a)
    rank = a.shape.ndims
    if rank is None or rank < 2:
        raise build_error("Transpose", name, [a], "matrix_transpose: input must have a known rank >= 2, got %s"
                          % a.shape)
    return transpose(a, list(range(rank - 2)) + [rank - 1, rank - 2], name=name)


adjoint = matrix_transpose  # kflow has no complex dtypes: the adjoint is the transpose


def matvec(a, b, transpose_a=False, adjoint_a=False, name=None):
    """``a @ b`` for matrices ``a`` [..., m, n] and vectors ``b`` [..., n].

    Example:
        >>> kf.linalg.matvec([[1.0, 2.0], [3.0, 4.0]], [1.0, 1.0])   # [3, 7]
    """
    b = convert_to_tensor(b)
    return squeeze(matmul(a, expand_dims(b, -1), transpose_a=transpose_a or adjoint_a), [-1], name=name)


# ---- inverse and determinants --------------------------------------------------------------------
def _inverse_kernel(x):
    try:
        return linalg_module(x).inv(x)
    except np.linalg.LinAlgError as e:
        raise ValueError("matrix_inverse: input (shape %s) is not invertible: %s" % (x.shape, e)) from None


def _inverse_grad(op, grad):
    y = op.outputs[0]
    return [-matmul(y, matmul(grad, y, transpose_b=True), transpose_a=True)]


MATRIX_INVERSE = OpDef("MatrixInverse", _inverse_kernel, grad=_inverse_grad)


def matrix_inverse(input, adjoint=False, name=None):  # noqa: A002 - TF's argument names
    """The inverse of each square matrix (of its transpose when ``adjoint``).

    Example:
        >>> kf.linalg.inv([[2.0, 0.0], [0.0, 4.0]])   # [[0.5, 0], [0, 0.25]]
    """
    x = matrix_input("MatrixInverse", name, input)
    if adjoint:
        x = matrix_transpose(x)
    return make_op(MATRIX_INVERSE, [x], [(x.dtype, x.shape)], name or "MatrixInverse").outputs[0]


def _inverse_transposed(x):
    return matrix_transpose(matrix_inverse(x))


def _det_grad(op, grad):
    x, d = op.inputs[0], op.outputs[0]
    return [expand_dims(expand_dims(grad * d, -1), -1) * _inverse_transposed(x)]


MATRIX_DETERMINANT = OpDef("MatrixDeterminant", lambda x: linalg_module(x).det(x), grad=_det_grad)


def matrix_determinant(input, name=None):  # noqa: A002
    """The determinant of each square matrix: shape ``[..., n, n] -> [...]``.

    Example:
        >>> kf.linalg.det([[1.0, 2.0], [3.0, 4.0]])   # -2
    """
    x = matrix_input("MatrixDeterminant", name, input)
    dims = static_dims(x)
    return make_op(MATRIX_DETERMINANT, [x], [(x.dtype, None if dims is None else dims[:-2])],
                   name or "MatrixDeterminant").outputs[0]


def _slogdet_kernel(x):
    sign, logabs = linalg_module(x).slogdet(x)
    return sign.astype(x.dtype), logabs.astype(x.dtype)


def _slogdet_grad(op, grad_sign, grad_logabs):
    if grad_logabs is None:
        return [None]
    return [expand_dims(expand_dims(grad_logabs, -1), -1) * _inverse_transposed(op.inputs[0])]


LOG_MATRIX_DETERMINANT = OpDef("LogMatrixDeterminant", _slogdet_kernel, grad=_slogdet_grad)


def slogdet(input, name=None):  # noqa: A002
    """``(sign, log|det|)`` of each square matrix; stable where the determinant itself would overflow.

    Example:
        >>> sign, logabs = kf.linalg.slogdet([[1.0, 2.0], [3.0, 4.0]])   # -1, log(2)
    """
    x = matrix_input("LogMatrixDeterminant", name, input)
    dims = static_dims(x)
    out = None if dims is None else dims[:-2]
    op = make_op(LOG_MATRIX_DETERMINANT, [x], [(x.dtype, out), (x.dtype, out)], name or "LogMatrixDeterminant")
    return op.outputs[0], op.outputs[1]


# ---- Cholesky --------------------------------------------------------------------------------
def _cholesky_kernel(x):
    try:
        return linalg_module(x).cholesky(x)
    except np.linalg.LinAlgError as e:
        raise ValueError("cholesky: input (shape %s) is not symmetric positive definite: %s" % (x.shape, e)) \
            from None


def _cholesky_grad(op, grad):
    # the kernel reads only the lower triangle; the gradient is symmetrized, as TF's
    l = op.outputs[0]  # noqa: E741
    l_inverse = matrix_inverse(l)
    middle = matmul(l, grad, transpose_a=True)
    middle = matrix_band_part(matrix_set_diag(middle, 0.5 * matrix_diag_part(middle)), -1, 0)
    grad_a = matmul(matmul(l_inverse, middle, transpose_a=True), l_inverse)
    return [(grad_a + matrix_transpose(grad_a)) * 0.5]


CHOLESKY = OpDef("Cholesky", _cholesky_kernel, grad=_cholesky_grad)


def cholesky(input, name=None):  # noqa: A002
    """The lower-triangular ``L`` with ``L @ L^T == input`` for symmetric positive definite matrices.

    Example:
        >>> kf.linalg.cholesky([[4.0, 2.0], [2.0, 2.0]])   # [[2, 0], [1, 1]]
    """
    x = matrix_input("Cholesky", name, input)
    return make_op(CHOLESKY, [x], [(x.dtype, x.shape)], name or "Cholesky").outputs[0]


# ---- solves -----------------------------------------------------------------------------------
def _solve_kernel(a, b, adjoint):
    if adjoint:
        a = a.swapaxes(-1, -2)
    try:
        return linalg_module(a).solve(a, b)
    except np.linalg.LinAlgError as e:
        raise ValueError("matrix_solve: matrix (shape %s) is singular: %s" % (a.shape, e)) from None


def _solve_grad(op, grad):
    a, x, adj = op.inputs[0], op.outputs[0], op.attrs["adjoint"]
    grad_b = matrix_solve(a, grad, adjoint=not adj)
    grad_a = -matmul(x, grad_b, transpose_b=True) if adj else -matmul(grad_b, x, transpose_b=True)
    return [grad_a, grad_b]


MATRIX_SOLVE = OpDef("MatrixSolve", _solve_kernel, grad=_solve_grad)


def _rhs(op_type, name, matrix, rhs):
    a = matrix_input(op_type, name, matrix)
    b = convert_to_tensor(rhs, dtype=a.dtype)
    if b.dtype != a.dtype:
        raise build_error(op_type, name, [a, b], "%s: rhs dtype %s does not match the matrix's %s"
                          % (op_type, b.dtype.name, a.dtype.name), TypeError)
    ad, bd = static_dims(a), static_dims(b)
    if bd is not None and len(bd) < 2:
        raise build_error(op_type, name, [a, b], "%s: rhs must be a (batch of) matrices [..., m, k], got shape %s"
                          % (op_type, b.shape))
    if ad is not None and bd is not None and ad[-1] is not None and bd[-2] is not None and ad[-1] != bd[-2]:
        raise build_error(op_type, name, [a, b], "%s: matrix shape %s and rhs shape %s do not match (rows %d vs "
                          "%d)" % (op_type, a.shape, b.shape, ad[-1], bd[-2]))
    return a, b


def matrix_solve(matrix, rhs, adjoint=False, name=None):
    """``x`` with ``matrix @ x == rhs`` (``matrix^T @ x == rhs`` when ``adjoint``); rhs is [..., m, k].

    Example:
        >>> kf.linalg.solve([[2.0, 0.0], [0.0, 4.0]], [[2.0], [2.0]])   # [[1], [0.5]]
    """
    a, b = _rhs("MatrixSolve", name, matrix, rhs)
    return make_op(MATRIX_SOLVE, [a, b], [(a.dtype, b.shape)], name or "MatrixSolve",
                   params={"adjoint": bool(adjoint)}).outputs[0]


def _triangular_solve_kernel(a, b, lower, adjoint):
    xp = devices.array_module(a)
    a = xp.tril(a) if lower else xp.triu(a)  # the other triangle is ignored, as TF
    return _solve_kernel(a, b, adjoint)


def _triangular_solve_grad(op, grad):
    a, x = op.inputs[0], op.outputs[0]
    lower, adj = op.attrs["lower"], op.attrs["adjoint"]
    grad_b = matrix_triangular_solve(a, grad, lower=lower, adjoint=not adj)
    grad_a = -matmul(x, grad_b, transpose_b=True) if adj else -matmul(grad_b, x, transpose_b=True)
    return [matrix_band_part(grad_a, -1, 0) if lower else matrix_band_part(grad_a, 0, -1), grad_b]


MATRIX_TRIANGULAR_SOLVE = OpDef("MatrixTriangularSolve", _triangular_solve_kernel, grad=_triangular_solve_grad)


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False, name=None):
    """Solves ``matrix @ x == rhs`` for a lower (or upper) triangular ``matrix``; the other triangle is ignored.

    Example:
        >>> kf.linalg.triangular_solve([[2.0, 0.0], [1.0, 1.0]], [[2.0], [3.0]])   # [[1], [2]]
    """
    a, b = _rhs("MatrixTriangularSolve", name, matrix, rhs)
    return make_op(MATRIX_TRIANGULAR_SOLVE, [a, b], [(a.dtype, b.shape)], name or "MatrixTriangularSolve",
                   params={"lower": bool(lower), "adjoint": bool(adjoint)}).outputs[0]
