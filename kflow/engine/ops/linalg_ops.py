"""Linear algebra on batches of matrices (the last two axes): inverse, determinants, Cholesky, QR, SVD,
symmetric eigendecomposition, solves; each kernel calls the array module's ``linalg`` (numpy or cupy), each
gradient is built from kflow ops (the formulas TF uses; Murray 2016 for Cholesky).

Composites (lstsq, cholesky_solve, logdet, norm, trace, matvec) combine these and get their gradients for free.

Example:
    >>> x = kf.linalg.solve(a, b)              # a @ x == b
    >>> l = kf.linalg.cholesky(a)              # a == l @ l^T for symmetric positive definite a
    >>> e, v = kf.linalg.eigh(a)
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.diag_ops import matrix_band_part, matrix_diag, matrix_diag_part, matrix_set_diag
from kflow.engine.ops.elementwise import zeros_like, ones_like
from kflow.engine.ops.math_ops import matmul
from kflow.engine.ops.array_ops import eye
from kflow.engine.ops.reduction_ops import reduce_sum, reduce_max
from kflow.engine.ops.shape_ops import expand_dims, transpose, squeeze
from kflow.engine.ops.unary_math_ops import log, sqrt, abs as _abs, square


def _lin(x):
    return devices.array_module(x).linalg


def _matrices(op_type, name, x, square=True):
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


def _dims(x):
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
        return _lin(x).inv(x)
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
    x = _matrices("MatrixInverse", name, input)
    if adjoint:
        x = matrix_transpose(x)
    return make_op(MATRIX_INVERSE, [x], [(x.dtype, x.shape)], name or "MatrixInverse").outputs[0]


def _inverse_transposed(x):
    return matrix_transpose(matrix_inverse(x))


def _det_grad(op, grad):
    x, d = op.inputs[0], op.outputs[0]
    return [expand_dims(expand_dims(grad * d, -1), -1) * _inverse_transposed(x)]


MATRIX_DETERMINANT = OpDef("MatrixDeterminant", lambda x: _lin(x).det(x), grad=_det_grad)


def matrix_determinant(input, name=None):  # noqa: A002
    """The determinant of each square matrix: shape ``[..., n, n] -> [...]``.

    Example:
        >>> kf.linalg.det([[1.0, 2.0], [3.0, 4.0]])   # -2
    """
    x = _matrices("MatrixDeterminant", name, input)
    dims = _dims(x)
    return make_op(MATRIX_DETERMINANT, [x], [(x.dtype, None if dims is None else dims[:-2])],
                   name or "MatrixDeterminant").outputs[0]


def _slogdet_kernel(x):
    sign, logabs = _lin(x).slogdet(x)
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
    x = _matrices("LogMatrixDeterminant", name, input)
    dims = _dims(x)
    out = None if dims is None else dims[:-2]
    op = make_op(LOG_MATRIX_DETERMINANT, [x], [(x.dtype, out), (x.dtype, out)], name or "LogMatrixDeterminant")
    return op.outputs[0], op.outputs[1]


# ---- Cholesky --------------------------------------------------------------------------------
def _cholesky_kernel(x):
    try:
        return _lin(x).cholesky(x)
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
    x = _matrices("Cholesky", name, input)
    return make_op(CHOLESKY, [x], [(x.dtype, x.shape)], name or "Cholesky").outputs[0]


# ---- solves -----------------------------------------------------------------------------------
def _solve_kernel(a, b, adjoint):
    if adjoint:
        a = a.swapaxes(-1, -2)
    try:
        return _lin(a).solve(a, b)
    except np.linalg.LinAlgError as e:
        raise ValueError("matrix_solve: matrix (shape %s) is singular: %s" % (a.shape, e)) from None


def _solve_grad(op, grad):
    a, x, adj = op.inputs[0], op.outputs[0], op.attrs["adjoint"]
    grad_b = matrix_solve(a, grad, adjoint=not adj)
    grad_a = -matmul(x, grad_b, transpose_b=True) if adj else -matmul(grad_b, x, transpose_b=True)
    return [grad_a, grad_b]


MATRIX_SOLVE = OpDef("MatrixSolve", _solve_kernel, grad=_solve_grad)


def _rhs(op_type, name, matrix, rhs):
    a = _matrices(op_type, name, matrix)
    b = convert_to_tensor(rhs, dtype=a.dtype)
    if b.dtype != a.dtype:
        raise build_error(op_type, name, [a, b], "%s: rhs dtype %s does not match the matrix's %s"
                          % (op_type, b.dtype.name, a.dtype.name), TypeError)
    ad, bd = _dims(a), _dims(b)
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
    a = _matrices("MatrixSolveLs", name, matrix, square=False)
    b = convert_to_tensor(rhs, dtype=a.dtype)
    dims = _dims(a)
    if dims is None or dims[-1] is None or dims[-2] is None:
        raise build_error("MatrixSolveLs", name, [a, b], "lstsq: the matrix dimensions must be known")
    m, n = dims[-2:]
    if m >= n:
        gram = matmul(a, a, transpose_a=True) + l2_regularizer * eye(n, dtype=a.dtype)
        return matrix_solve(gram, matmul(a, b, transpose_a=True), name=name)
    gram = matmul(a, a, transpose_b=True) + l2_regularizer * eye(m, dtype=a.dtype)
    return matmul(a, matrix_solve(gram, b), transpose_a=True, name=name)


# ---- decompositions ---------------------------------------------------------------------------
def _qr_kernel(x, full_matrices):
    return _lin(x).qr(x, mode="complete" if full_matrices else "reduced")


def _upper_solve_right(x, r):
    """``x @ inv(r)^T`` for upper-triangular ``r``."""
    return matrix_transpose(matrix_triangular_solve(r, matrix_transpose(x), lower=False))


def _qr_grad(op, dq, dr):
    a = op.inputs[0]
    q, r = op.outputs
    dims = _dims(a)
    if dims is None or dims[-1] is None or dims[-2] is None or dims[-2] < dims[-1]:
        raise NotImplementedError("qr gradient: needs static shapes with rows >= columns (input %s, op '%s')"
                                  % (a.shape, op.name))
    if op.attrs["full_matrices"] and dims[-2] > dims[-1]:
        raise NotImplementedError("qr gradient: not defined for full_matrices=True with rows > columns (op '%s')"
                                  % op.name)
    dq = zeros_like(q) if dq is None else dq
    dr = zeros_like(r) if dr is None else dr
    qdq = matmul(q, dq, transpose_a=True)
    qdq_ = qdq - matrix_transpose(qdq)
    rdr = matmul(r, dr, transpose_b=True)
    rdr_ = rdr - matrix_transpose(rdr)
    tril = matrix_band_part(qdq_ + rdr_, -1, 0)
    grad_a = matmul(q, dr + _upper_solve_right(tril, r))
    grad_b = _upper_solve_right(dq - matmul(q, qdq), r)
    return [grad_a + grad_b]


QR = OpDef("Qr", _qr_kernel, grad=_qr_grad)


def qr(input, full_matrices=False, name=None):  # noqa: A002
    """``(q, r)`` with ``q`` orthonormal columns and ``r`` upper triangular, ``q @ r == input``.

    Example:
        >>> q, r = kf.linalg.qr(kf.random_normal([5, 3]))   # q [5, 3], r [3, 3]
    """
    x = _matrices("Qr", name, input, square=False)
    dims = _dims(x)
    qs = rs = None
    if dims is not None and dims[-1] is not None and dims[-2] is not None:
        m, n = dims[-2:]
        k = m if full_matrices else min(m, n)
        qs, rs = dims[:-2] + [m, k], dims[:-2] + [k, n]
    op = make_op(QR, [x], [(x.dtype, qs), (x.dtype, rs)], name or "Qr", params={"full_matrices": bool(full_matrices)})
    return op.outputs[0], op.outputs[1]


def _svd_kernel(x, compute_uv, full_matrices):
    lin = _lin(x)
    if not compute_uv:
        return lin.svd(x, compute_uv=False)
    u, s, vh = lin.svd(x, full_matrices=full_matrices)
    return s, u, vh.swapaxes(-1, -2)


def _svd_grad(op, grad_s, *grad_uv):
    if any(g is not None for g in grad_uv):
        raise NotImplementedError("svd gradient: only the singular values are differentiable in kflow (op '%s'); "
                                  "differentiate through s, or through an eigh/qr formulation" % op.name)
    x = op.inputs[0]
    if op.attrs["compute_uv"] and not op.attrs["full_matrices"]:
        u, v = op.outputs[1], op.outputs[2]
    else:
        _, u, v = svd(x, full_matrices=False, compute_uv=True)
    return [matmul(u * expand_dims(grad_s, -2), v, transpose_b=True)]


SVD = OpDef("Svd", _svd_kernel, grad=_svd_grad)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values ``s`` (descending) and, with ``compute_uv``, ``u``, ``v`` with ``tensor == u diag(s) v^T``.

    Returns:
        ``s`` alone when ``compute_uv`` is False, else ``(s, u, v)`` (TF's order).

    Example:
        >>> s, u, v = kf.linalg.svd(kf.random_normal([4, 3]))   # s [3], u [4, 3], v [3, 3]
    """
    x = _matrices("Svd", name, tensor, square=False)
    dims = _dims(x)
    ss = us = vs = None
    if dims is not None and dims[-1] is not None and dims[-2] is not None:
        m, n = dims[-2:]
        k = min(m, n)
        ss = dims[:-2] + [k]
        us, vs = dims[:-2] + [m, m if full_matrices else k], dims[:-2] + [n, n if full_matrices else k]
    specs = [(x.dtype, ss)] + ([(x.dtype, us), (x.dtype, vs)] if compute_uv else [])
    op = make_op(SVD, [x], specs, name or "Svd",
                 params={"compute_uv": bool(compute_uv), "full_matrices": bool(full_matrices)})
    return tuple(op.outputs) if compute_uv else op.outputs[0]


def _eigh_kernel(x, compute_v):
    lin = _lin(x)
    return lin.eigh(x) if compute_v else lin.eigvalsh(x)


def _eigh_grad(op, grad_e, grad_v=None):
    # the kernel reads only the lower triangle: the gradient is symmetrized and kept there, as TF's
    e = op.outputs[0]
    grad_e = zeros_like(e) if grad_e is None else grad_e
    if op.attrs["compute_v"]:
        v = op.outputs[1]
        inner = matrix_diag(grad_e)
        if grad_v is not None:
            gaps = expand_dims(e, -2) - expand_dims(e, -1)  # [i, j] = e_j - e_i
            f = matrix_set_diag(1.0 / matrix_set_diag(gaps, ones_like(e)), zeros_like(e))
            inner = inner + f * matmul(v, grad_v, transpose_a=True)
    else:
        _, v = self_adjoint_eig(op.inputs[0])
        inner = matrix_diag(grad_e)
    grad_a = matmul(v, matmul(inner, v, transpose_b=True))
    grad_a = matrix_band_part(grad_a + matrix_transpose(grad_a), -1, 0)
    return [matrix_set_diag(grad_a, 0.5 * matrix_diag_part(grad_a))]


SELF_ADJOINT_EIG = OpDef("SelfAdjointEigV2", _eigh_kernel, grad=_eigh_grad)


def _eigh(tensor, compute_v, name):
    x = _matrices("SelfAdjointEigV2", name, tensor)
    dims = _dims(x)
    es = None if dims is None else dims[:-1]
    specs = [(x.dtype, es)] + ([(x.dtype, x.shape)] if compute_v else [])
    return make_op(SELF_ADJOINT_EIG, [x], specs, name or "SelfAdjointEigV2",
                   params={"compute_v": compute_v}).outputs


def self_adjoint_eig(tensor, name=None):
    """Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices; reads the lower triangle.

    Example:
        >>> e, v = kf.linalg.eigh([[2.0, 1.0], [1.0, 2.0]])   # e [1, 3]
    """
    e, v = _eigh(tensor, True, name)
    return e, v


def self_adjoint_eigvals(tensor, name=None):
    """The eigenvalues (ascending) of symmetric matrices.

    Example:
        >>> kf.linalg.eigvalsh([[2.0, 1.0], [1.0, 2.0]])   # [1, 3]
    """
    return _eigh(tensor, False, name)[0]


# ---- reductions over matrices -----------------------------------------------------------------
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


_NORM_ORDS = ("euclidean", "fro", 1, 2, np.inf)


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


