"""Matrix decompositions: QR, SVD and the symmetric eigendecomposition (eigh), with TF's gradient formulas
(real matrices; the SVD's singular-vector gradient for full_matrices=False).

Example:
    >>> q, r = kf.linalg.qr(a)
    >>> s, u, v = kf.linalg.svd(a)             # a == u @ diag(s) @ v^T
    >>> e, v = kf.linalg.eigh(a)
"""
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.diag_ops import matrix_band_part, matrix_diag, matrix_diag_part, matrix_set_diag
from kflow.engine.ops.elementwise import zeros_like, ones_like
from kflow.engine.ops.linalg_ops import (linalg_module, matrix_input, static_dims, matrix_transpose,
                                         matrix_triangular_solve)
from kflow.engine.ops.math_ops import matmul
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.ops.unary_math_ops import reciprocal, square


def _qr_kernel(x, full_matrices):
    return linalg_module(x).qr(x, mode="complete" if full_matrices else "reduced")


def _upper_solve_right(x, r):
    """``x @ inv(r)^T`` for upper-triangular ``r``."""
    return matrix_transpose(matrix_triangular_solve(r, matrix_transpose(x), lower=False))


def _qr_grad(op, dq, dr):
    a = op.inputs[0]
    q, r = op.outputs
    dims = static_dims(a)
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
    x = matrix_input("Qr", name, input, square=False)
    dims = static_dims(x)
    qs = rs = None
    if dims is not None and dims[-1] is not None and dims[-2] is not None:
        m, n = dims[-2:]
        k = m if full_matrices else min(m, n)
        qs, rs = dims[:-2] + [m, k], dims[:-2] + [k, n]
    op = make_op(QR, [x], [(x.dtype, qs), (x.dtype, rs)], name or "Qr", params={"full_matrices": bool(full_matrices)})
    return op.outputs[0], op.outputs[1]


def _svd_kernel(x, compute_uv, full_matrices):
    lin = linalg_module(x)
    if not compute_uv:
        return lin.svd(x, compute_uv=False)
    u, s, vh = lin.svd(x, full_matrices=full_matrices)
    return s, u, vh.swapaxes(-1, -2)


def _safe_reciprocal(x, epsilon=1e-20):
    return x * reciprocal(x * x + epsilon)


def _svd_grad(op, grad_s, grad_u=None, grad_v=None):
    # TF's formula (Townsend 2016); infinite (nan) where singular values repeat, as TF's
    a = op.inputs[0]
    grad_s = zeros_like(op.outputs[0]) if grad_s is None else grad_s
    if not op.attrs["compute_uv"] or (grad_u is None and grad_v is None):
        _, u, v = (op.outputs if op.attrs["compute_uv"] and not op.attrs["full_matrices"] else
                   svd(a, full_matrices=False, compute_uv=True))
        return [matmul(u * expand_dims(grad_s, -2), v, transpose_b=True)]
    if op.attrs["full_matrices"]:
        raise NotImplementedError("svd gradient: the singular vectors of full_matrices=True are not "
                                  "differentiable in kflow (op '%s'); use full_matrices=False" % op.name)
    dims = static_dims(a)
    if dims is None or dims[-1] is None or dims[-2] is None:
        raise NotImplementedError("svd gradient: needs a static matrix shape (op '%s', input %s)"
                                  % (op.name, a.shape))
    s, u, v = op.outputs
    grad_u = zeros_like(u) if grad_u is None else grad_u
    grad_v = zeros_like(v) if grad_v is None else grad_v
    m, n = dims[-2:]
    transposed = m > n  # work on a^T = v s u^T, whose rows are fewer than its columns
    if transposed:
        u, v, grad_u, grad_v = v, u, grad_v, grad_u
    s2 = square(s)
    f = matrix_set_diag(_safe_reciprocal(expand_dims(s2, -2) - expand_dims(s2, -1)), zeros_like(s))
    s_mat = matrix_diag(s)
    f_u = f * matmul(u, grad_u, transpose_a=True)
    f_v = f * matmul(v, grad_v, transpose_a=True)
    inner = matrix_diag(grad_s) + matmul(f_u + matrix_transpose(f_u), s_mat) + \
        matmul(s_mat, f_v + matrix_transpose(f_v))
    grad_a = matmul(u, matmul(inner, v, transpose_b=True))
    if m != n:
        gvt = matrix_transpose(grad_v)
        outside = gvt - matmul(matmul(gvt, v), v, transpose_b=True)  # the part of grad_v outside span(v)
        grad_a = grad_a + matmul(u * expand_dims(_safe_reciprocal(s), -2), outside)
    return [matrix_transpose(grad_a) if transposed else grad_a]


SVD = OpDef("Svd", _svd_kernel, grad=_svd_grad)


def svd(tensor, full_matrices=False, compute_uv=True, name=None):
    """Singular values ``s`` (descending) and, with ``compute_uv``, ``u``, ``v`` with ``tensor == u diag(s) v^T``.

    Returns:
        ``s`` alone when ``compute_uv`` is False, else ``(s, u, v)`` (TF's order).

    Example:
        >>> s, u, v = kf.linalg.svd(kf.random_normal([4, 3]))   # s [3], u [4, 3], v [3, 3]
    """
    x = matrix_input("Svd", name, tensor, square=False)
    dims = static_dims(x)
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
    lin = linalg_module(x)
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
    x = matrix_input("SelfAdjointEigV2", name, tensor)
    dims = static_dims(x)
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
