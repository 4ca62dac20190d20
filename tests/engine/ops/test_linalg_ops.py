"""kf.linalg's ops: values against numpy.linalg, float64 numerical gradients of every differentiable one (inputs
of the ops that read one triangle are symmetrized first), and clear errors for bad shapes/dtypes/singular input."""
import types

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import decomposition_ops, linalg_composites, linalg_ops, matrix_functions

L = types.SimpleNamespace(**{**vars(linalg_ops), **vars(decomposition_ops), **vars(linalg_composites),
                             **vars(matrix_functions)})

RNG = np.random.RandomState(0)
A = RNG.randn(2, 3, 3) + 2 * np.eye(3)
SPD = A @ A.transpose(0, 2, 1) + 3 * np.eye(3)
B = RNG.randn(2, 3, 2)
TALL = RNG.randn(5, 3)


def _run(*tensors):
    with kf.Session() as sess:
        return sess.run(list(tensors))


def _sym(x):
    return 0.5 * (x + L.matrix_transpose(x))


def test_inverse_determinants_cholesky_against_numpy():
    inv, adj, det, (sign, logabs), chol, logdet = _run(
        L.matrix_inverse(A), L.matrix_inverse(A, adjoint=True), L.matrix_determinant(A), L.slogdet(A),
        L.cholesky(SPD), L.logdet(SPD))
    np.testing.assert_allclose(inv, np.linalg.inv(A))
    np.testing.assert_allclose(adj, np.linalg.inv(A.transpose(0, 2, 1)))
    np.testing.assert_allclose(det, np.linalg.det(A))
    np.testing.assert_allclose(sign * np.exp(logabs), np.linalg.det(A))
    np.testing.assert_allclose(chol, np.linalg.cholesky(SPD))
    np.testing.assert_allclose(logdet, np.linalg.slogdet(SPD)[1])


def test_solves_against_numpy():
    got = _run(L.matrix_solve(A, B), L.matrix_solve(A, B, adjoint=True), L.matrix_triangular_solve(A, B),
               L.matrix_triangular_solve(A, B, lower=False, adjoint=True), L.cholesky_solve(L.cholesky(SPD), B),
               L.matrix_solve_ls(TALL, B[0, :, :1].repeat(5, 0)[:5]), L.matrix_solve_ls(TALL.T, B[0], 0.1))
    at = A.transpose(0, 2, 1)
    np.testing.assert_allclose(got[0], np.linalg.solve(A, B))
    np.testing.assert_allclose(got[1], np.linalg.solve(at, B))
    np.testing.assert_allclose(got[2], np.linalg.solve(np.tril(A), B))
    np.testing.assert_allclose(got[3], np.linalg.solve(np.triu(A).transpose(0, 2, 1), B))
    np.testing.assert_allclose(got[4], np.linalg.solve(SPD, B))
    np.testing.assert_allclose(got[5], np.linalg.lstsq(TALL, B[0, :, :1].repeat(5, 0)[:5], rcond=None)[0])
    wide = TALL.T
    np.testing.assert_allclose(got[6], wide.T @ np.linalg.solve(wide @ wide.T + 0.1 * np.eye(3), B[0]))


def test_decompositions_reconstruct_their_input():
    (q, r), (s, u, v), s_only, (e, vecs), vals = _run(L.qr(TALL), L.svd(TALL), L.svd(TALL, compute_uv=False),
                                                      L.self_adjoint_eig(SPD), L.self_adjoint_eigvals(SPD))
    assert q.shape == (5, 3) and r.shape == (3, 3) and np.allclose(np.tril(r, -1), 0)
    np.testing.assert_allclose(q @ r, TALL, atol=1e-12)
    np.testing.assert_allclose(u * s @ v.T, TALL, atol=1e-12)
    np.testing.assert_allclose(s_only, np.linalg.svd(TALL, compute_uv=False))
    np.testing.assert_allclose(e, np.linalg.eigvalsh(SPD))
    np.testing.assert_allclose(vals, e)
    np.testing.assert_allclose(vecs * e[:, None, :] @ vecs.transpose(0, 2, 1), SPD, atol=1e-10)
    (full_q, full_r), (fs, fu, fv) = _run(L.qr(TALL, full_matrices=True), L.svd(TALL, full_matrices=True))
    assert full_q.shape == (5, 5) and full_r.shape == (5, 3) and fu.shape == (5, 5) and fv.shape == (3, 3)


def test_norms_trace_and_matrix_products():
    m = RNG.randn(2, 4, 3)
    got = _run(L.norm(m), L.norm(m, axis=-1), L.norm(m, ord=1, axis=-1), L.norm(m, ord=np.inf, axis=1),
               L.norm(m, ord=3, axis=-1), L.norm(m, "fro", axis=[-2, -1]), L.norm(m, 1, axis=[1, 2]),
               L.norm(m, np.inf, axis=[1, 2]), L.norm(m, 2, axis=[1, 2], keepdims=True), L.trace(A),
               L.matvec(A, B[..., 0]), L.adjoint(m))
    want = [np.linalg.norm(m.ravel()), np.linalg.norm(m, axis=-1), np.linalg.norm(m, 1, axis=-1),
            np.linalg.norm(m, np.inf, axis=1), np.linalg.norm(m, 3, axis=-1), np.linalg.norm(m, "fro", axis=(1, 2)),
            np.linalg.norm(m, 1, axis=(1, 2)), np.linalg.norm(m, np.inf, axis=(1, 2)),
            np.linalg.norm(m, 2, axis=(1, 2), keepdims=True), np.trace(A, axis1=1, axis2=2),
            np.einsum("bij,bj->bi", A, B[..., 0]), m.transpose(0, 2, 1)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w)


def _expm_series(a):
    out = term = np.eye(a.shape[-1])
    for k in range(1, 80):
        term = term @ a / k
        out = out + term
    return out


def test_matrix_functions_against_references():
    scaled = A * 8.0  # 1-norm past Pade-13's range: scaling and squaring
    e, big, rot, p, rank, c, (unit, length) = _run(
        L.expm(A), L.expm(scaled), L.expm(kf.constant([[0.0, 1.0], [-1.0, 0.0]])), L.pinv(TALL),
        L.matrix_rank([[1.0, 2.0], [2.0, 4.0]]), L.cross(B[..., 0], A[..., 0]), L.normalize([3.0, 4.0]))
    np.testing.assert_allclose(e, np.stack([_expm_series(m) for m in A]), rtol=1e-12)
    np.testing.assert_allclose(big, np.stack([np.linalg.matrix_power(_expm_series(m), 8) for m in A]), rtol=1e-9)
    np.testing.assert_allclose(rot, [[np.cos(1), np.sin(1)], [-np.sin(1), np.cos(1)]], rtol=1e-6)
    assert rot.dtype == np.float32
    np.testing.assert_allclose(p, np.linalg.pinv(TALL))
    assert rank == 1
    np.testing.assert_allclose(c, np.cross(B[..., 0], A[..., 0]))
    np.testing.assert_allclose(unit, [0.6, 0.8], rtol=1e-6)
    assert length.tolist() == [5.0]
    with pytest.raises(ValueError, match="size 3"):
        L.cross([1.0, 2.0], [3.0, 4.0])


GRADIENTS = {
    "expm": (lambda a: L.expm(a), [A]),
    "expm_scaled": (lambda a: L.expm(a), [A * 3.0]),
    "pinv": (lambda a: L.pinv(a), [TALL]),
    "cross": (lambda a, b: L.cross(a, b), [B[..., 0], A[..., 0]]),
    "normalize": (lambda a: L.normalize(a, axis=1)[0], [TALL]),
    "inv": (lambda a: L.matrix_inverse(a), [A]),
    "inv_adjoint": (lambda a: L.matrix_inverse(a, adjoint=True), [A]),
    "det": (lambda a: L.matrix_determinant(a), [A]),
    "slogdet": (lambda a: L.slogdet(a)[1], [A]),
    "cholesky": (lambda a: L.cholesky(_sym(a)), [SPD]),
    "solve": (lambda a, b: L.matrix_solve(a, b), [A, B]),
    "solve_adjoint": (lambda a, b: L.matrix_solve(a, b, adjoint=True), [A, B]),
    "triangular_solve": (lambda a, b: L.matrix_triangular_solve(a, b), [A, B]),
    "triangular_solve_upper_adjoint": (lambda a, b: L.matrix_triangular_solve(a, b, lower=False, adjoint=True),
                                       [A, B]),
    "qr_tall": (lambda a: L.qr(a), [TALL]),
    "qr_square": (lambda a: L.qr(a), [A]),
    "svd_values": (lambda a: L.svd(a, compute_uv=False), [TALL]),
    "svd_values_of_full": (lambda a: L.svd(a)[0], [TALL]),
    # singular vectors are defined up to sign (pairs flip together): check sign-free functions of them
    "svd_vectors_tall": (lambda a: (lambda s, u, v: [s, u * u, v * v, kf.matmul(u, v, transpose_b=True)])(*L.svd(a)),
                         [TALL]),
    "svd_vectors_wide": (lambda a: (lambda s, u, v: [u * u, v * v, kf.matmul(u * s[None], v, transpose_b=True)])(
        *L.svd(a)), [TALL.T.copy()]),
    "svd_vectors_square_batch": (lambda a: (lambda s, u, v: [s, u * u, v * v])(*L.svd(a)), [A]),
    # eigenvectors are defined up to sign: check a sign-free function of them
    "eigh": (lambda a: (lambda e, v: [e, v * v])(*L.self_adjoint_eig(_sym(a))), [SPD]),
    "eigvalsh": (lambda a: L.self_adjoint_eigvals(_sym(a)), [SPD]),
    "logdet": (lambda a: L.logdet(_sym(a)), [SPD]),
    "lstsq_tall": (lambda a, b: L.matrix_solve_ls(a, b), [TALL, RNG.randn(5, 2)]),
    "lstsq_wide_l2": (lambda a, b: L.matrix_solve_ls(a, b, l2_regularizer=0.1), [TALL.T.copy(), RNG.randn(3, 2)]),
    "cholesky_solve": (lambda a, b: L.cholesky_solve(L.cholesky(_sym(a)), b), [SPD, B]),
    "norms": (lambda a: [L.norm(a), L.norm(a, ord=1, axis=[0, 1]), L.norm(a, ord=2, axis=[0, 1]),
                         L.norm(a, 3, axis=0), L.norm(a, np.inf, axis=[0, 1])], [TALL]),
    "trace": (lambda a: L.trace(a), [A]),
    "matvec": (lambda a, b: L.matvec(a, b), [A, B[..., 0]]),
}


@pytest.mark.parametrize("case", sorted(GRADIENTS))
def test_linalg_gradients(case):
    fn, inputs = GRADIENTS[case]
    check_gradients(fn, inputs)


def test_svd_vectors_of_full_matrices_are_not_differentiated_silently():
    x = kf.constant(TALL)
    s, u, v = L.svd(x, full_matrices=True)
    with pytest.raises(NotImplementedError, match="full_matrices=False"):
        kf.gradients(kf.reduce_sum(u), x)


def test_errors_name_op_shapes_and_dtypes():
    with pytest.raises(ValueError, match=r"square matrices.*\(2, 3\)"):
        L.matrix_inverse(np.zeros([2, 3]))
    with pytest.raises(TypeError, match="float32 or float64, got int32"):
        L.cholesky([[1, 0], [0, 1]])
    with pytest.raises(ValueError, match="rank >= 2"):
        L.matrix_determinant([1.0, 2.0])
    with pytest.raises(ValueError, match=r"rows 3 vs 4"):
        L.matrix_solve(A, np.zeros([2, 4, 1]))
    with pytest.raises(kf.errors.InvalidArgumentError, match="not invertible"):
        _run(L.matrix_inverse(np.zeros([2, 2])))
    with pytest.raises(kf.errors.InvalidArgumentError, match="not symmetric positive definite"):
        _run(L.cholesky(-np.eye(2)))
    with pytest.raises(ValueError, match="ord must be"):
        L.norm(TALL, ord=0.5)
