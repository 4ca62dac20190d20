"""Functions of matrices: expm (the matrix exponential, Pade-13 scaling and squaring as Higham 2005, the method
TF and scipy use), pinv and matrix_rank (from the SVD).

expm's gradient is itself a matrix exponential: for ``E = expm(A)``, ``dL/dA`` is the top-right block of
``expm([[A^T, G], [0, A^T]])`` (Najfeld & Havel 1995), so it is exact and differentiable again.

Example:
    >>> kf.linalg.expm([[0.0, 1.0], [-1.0, 0.0]])   # rotation by 1 radian
    >>> kf.linalg.pinv(a)                             # a^+ with a @ a^+ @ a == a
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.comparison_ops import greater, where_v2
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.decomposition_ops import svd
from kflow.engine.ops.elementwise import cast, zeros_like
from kflow.engine.ops.linalg_ops import matrix_input, static_dims, matrix_transpose
from kflow.engine.ops.math_ops import matmul, maximum
from kflow.engine.ops.reduction_ops import reduce_max, reduce_sum
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.ops.unary_math_ops import reciprocal

_PADE13 = (64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
           10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0,
           1.0)
_THETA13 = 5.371920351148152  # the 1-norm up to which Pade-13 is accurate to double precision


def _expm_one(a, xp):
    b = _PADE13
    norm = float(xp.abs(a).sum(axis=0).max()) if a.size else 0.0
    squarings = max(0, int(np.ceil(np.log2(norm / _THETA13)))) if norm > 0 else 0
    a = a / (2.0 ** squarings)
    eye = xp.eye(a.shape[0], dtype=a.dtype)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = xp.linalg.solve(v - u, v + u)
    for _ in range(squarings):
        r = r @ r
    return r


def _expm_kernel(x):
    xp = devices.array_module(x)
    flat = x.reshape((-1,) + x.shape[-2:])
    compute = flat.astype(np.float64)  # float32 inputs: computed in float64, as the Pade terms are huge
    out = xp.stack([_expm_one(m, xp) for m in compute]) if len(flat) else compute
    return out.astype(x.dtype).reshape(x.shape)


def _expm_grad(op, grad):
    a = op.inputs[0]
    n = static_dims(a)[-1]
    at = matrix_transpose(a)
    block = concat([concat([at, grad], -1), concat([zeros_like(at), at], -1)], -2)
    return [expm(block)[..., :n, n:]]


EXPM = OpDef("MatrixExponential", _expm_kernel, grad=_expm_grad)


def expm(input, name=None):  # noqa: A002 - TF's argument name
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix.

    Example:
        >>> kf.linalg.expm(kf.zeros([2, 2]))   # the identity
    """
    x = matrix_input("MatrixExponential", name, input)
    dims = static_dims(x)
    if dims is None or dims[-1] is None:
        raise build_error("MatrixExponential", name, [x], "expm: the matrix size must be known, got shape %s"
                          % x.shape)
    return make_op(EXPM, [x], [(x.dtype, x.shape)], name or "MatrixExponential").outputs[0]


def _cutoff(s, rcond, dims, dtype):
    if rcond is None:  # as numpy / TF: 10 * max(m, n) * eps
        rcond = 10.0 * max(dims[-2:]) * np.finfo(dtype.as_numpy_dtype).eps
    return rcond * reduce_max(s, -1, keepdims=True)


def pinv(a, rcond=None, validate_args=False, name=None):
    """The Moore-Penrose pseudo-inverse: singular values below ``rcond * max(s)`` count as zero.

    Example:
        >>> kf.linalg.pinv([[1.0, 0.0], [0.0, 0.0]])   # [[1, 0], [0, 0]]
    """
    x = matrix_input("Pinv", name, a, square=False)
    dims = static_dims(x)
    if dims is None or None in dims[-2:]:
        raise build_error("Pinv", name, [x], "pinv: the matrix dimensions must be known, got %s" % x.shape)
    s, u, v = svd(x, full_matrices=False)
    keep = greater(s, _cutoff(s, rcond, dims, x.dtype))
    s_inv = where_v2(keep, reciprocal(maximum(s, _cutoff(s, rcond, dims, x.dtype))), zeros_like(s))
    return matmul(v * expand_dims(s_inv, -2), u, transpose_b=True, name=name)


def matrix_rank(a, tol=None, validate_args=False, name=None):
    """The number of singular values above ``tol`` (default ``10 * max(m, n) * eps * max(s)``), as int32.

    Example:
        >>> kf.linalg.matrix_rank([[1.0, 2.0], [2.0, 4.0]])   # 1
    """
    x = matrix_input("MatrixRank", name, a, square=False)
    dims = static_dims(x)
    if dims is None or None in dims[-2:]:
        raise build_error("MatrixRank", name, [x], "matrix_rank: the matrix dimensions must be known, got %s"
                          % x.shape)
    s = svd(x, compute_uv=False)
    cutoff = _cutoff(s, None, dims, x.dtype) if tol is None else tol
    return reduce_sum(cast(greater(s, cutoff), dtypes.int32), -1, name=name)
