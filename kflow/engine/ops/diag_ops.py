"""Diagonals and bands of matrices: matrix_band_part, matrix_diag, matrix_diag_part, matrix_set_diag, and TF1's
diag/diag_part (a rank-k tensor to its rank-2k diagonal tensor and back). Each acts on the last two axes of
a batch of matrices (diag/diag_part on the whole tensor), beside its gradient.

Example:
    >>> kf.matrix_band_part(m, -1, 0)            # lower triangle of each matrix
    >>> kf.matrix_diag([[1, 2], [3, 4]])         # two 2x2 diagonal matrices
    >>> kf.matrix_set_diag(m, kf.zeros([n]))     # m with a zero diagonal
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import zeros_like
from kflow.engine.ops.params import constant_value


def _band_kernel(x, num_lower, num_upper):
    xp = devices.array_module(x)
    m, n = x.shape[-2:]
    i, j = xp.arange(m)[:, None], xp.arange(n)[None, :]
    keep = xp.ones((m, n), bool)
    if num_lower >= 0:
        keep &= i - j <= num_lower
    if num_upper >= 0:
        keep &= j - i <= num_upper
    return xp.where(keep, x, xp.zeros((), x.dtype))


def _matrix_diag_kernel(d):
    xp = devices.array_module(d)
    n = d.shape[-1]
    out = xp.zeros(d.shape + (n,), d.dtype)
    idx = xp.arange(n)
    out[..., idx, idx] = d
    return out


def _matrix_diag_part_kernel(x):
    return devices.array_module(x).diagonal(x, axis1=-2, axis2=-1).copy()


def _matrix_set_diag_kernel(x, d):
    out = x.copy()
    k = min(x.shape[-2:])
    idx = devices.array_module(x).arange(k)
    out[..., idx, idx] = d
    return out


def _diag_kernel(d):
    xp = devices.array_module(d)
    return xp.diag(d.reshape(-1)).reshape(d.shape + d.shape)


def _diag_part_kernel(x):
    k = x.ndim // 2
    n = int(np.prod(x.shape[:k]))
    return devices.array_module(x).diagonal(x.reshape(n, n)).reshape(x.shape[:k]).copy()


BAND_PART = OpDef("MatrixBandPart", _band_kernel,
                  grad=lambda op, grad: [matrix_band_part(grad, op.attrs["num_lower"], op.attrs["num_upper"])])
MATRIX_DIAG = OpDef("MatrixDiag", _matrix_diag_kernel, grad=lambda op, grad: [matrix_diag_part(grad)])
MATRIX_DIAG_PART = OpDef("MatrixDiagPart", _matrix_diag_part_kernel,
                         grad=lambda op, grad: [matrix_set_diag(zeros_like(op.inputs[0]), grad)])
MATRIX_SET_DIAG = OpDef("MatrixSetDiag", _matrix_set_diag_kernel,
                        grad=lambda op, grad: [matrix_set_diag(grad, zeros_like(op.inputs[1])),
                                               matrix_diag_part(grad)])
DIAG = OpDef("Diag", _diag_kernel, grad=lambda op, grad: [diag_part(grad)])
DIAG_PART = OpDef("DiagPart", _diag_part_kernel, grad=lambda op, grad: [diag(grad)])


def _matrices(op_type, name, x):
    x = convert_to_tensor(x)
    if x.shape.ndims is not None and x.shape.ndims < 2:
        raise build_error(op_type, name, [x], "%s: input must have rank >= 2 (a batch of matrices), got shape %s"
                          % (op_type, x.shape))
    return x


def matrix_band_part(input, num_lower, num_upper, name=None):  # noqa: A002 - TF's argument name
    """Keeps the entries within ``num_lower`` subdiagonals and ``num_upper`` superdiagonals (-1: all), zeroes
    the rest.

    Example:
        >>> kf.matrix_band_part(kf.ones([3, 3]), 0, -1)   # upper triangle
    """
    x = _matrices("MatrixBandPart", name, input)
    lo, hi = constant_value(num_lower), constant_value(num_upper)
    if lo is None or hi is None:
        raise build_error("MatrixBandPart", name, [x], "matrix_band_part: num_lower and num_upper must be known "
                          "when the graph is built")
    return make_op(BAND_PART, [x], [(x.dtype, x.shape)], name or "MatrixBandPart",
                   params={"num_lower": int(lo), "num_upper": int(hi)}).outputs[0]


def matrix_diag(diagonal, name=None):
    """Batched diagonal matrices: shape ``[..., n] -> [..., n, n]``.

    Example:
        >>> kf.matrix_diag([1, 2])   # [[1, 0], [0, 2]]
    """
    d = convert_to_tensor(diagonal)
    if d.shape.ndims == 0:
        raise build_error("MatrixDiag", name, [d], "matrix_diag: diagonal must have rank >= 1, got a scalar")
    dims = None if d.shape.dims is None else list(d.shape.dims)
    return make_op(MATRIX_DIAG, [d], [(d.dtype, None if dims is None else dims + [dims[-1]])],
                   name or "MatrixDiag").outputs[0]


def matrix_diag_part(input, name=None):  # noqa: A002
    """The main diagonals of a batch of (possibly non-square) matrices: ``[..., m, n] -> [..., min(m, n)]``.

    Example:
        >>> kf.matrix_diag_part([[1, 2], [3, 4]])   # [1, 4]
    """
    x = _matrices("MatrixDiagPart", name, input)
    dims = None if x.shape.dims is None else list(x.shape.dims)
    out = None
    if dims is not None:
        m, n = dims[-2:]
        out = dims[:-2] + [None if m is None or n is None else min(m, n)]
    return make_op(MATRIX_DIAG_PART, [x], [(x.dtype, out)], name or "MatrixDiagPart").outputs[0]


def matrix_set_diag(input, diagonal, name=None):  # noqa: A002
    """``input`` with the main diagonal of each matrix replaced by ``diagonal``.

    Example:
        >>> kf.matrix_set_diag(kf.ones([2, 2]), [5.0, 6.0])   # [[5, 1], [1, 6]]
    """
    x = _matrices("MatrixSetDiag", name, input)
    d = convert_to_tensor(diagonal, dtype=x.dtype)
    dims = None if x.shape.dims is None else list(x.shape.dims)
    if dims is not None and dims[-2] is not None and dims[-1] is not None:
        want = dims[:-2] + [min(dims[-2:])]
        if not d.shape.is_compatible_with(want):
            raise build_error("MatrixSetDiag", name, [x, d], "matrix_set_diag: diagonal must have shape %s for "
                              "input shape %s, got %s" % (want, x.shape, d.shape))
    return make_op(MATRIX_SET_DIAG, [x, d], [(x.dtype, x.shape)], name or "MatrixSetDiag").outputs[0]


def diag(diagonal, name=None):
    """TF1's ``tf.diag``: a rank-k ``diagonal`` becomes the rank-2k tensor with it on the diagonal.

    Example:
        >>> kf.diag([1, 2])   # [[1, 0], [0, 2]]
    """
    d = convert_to_tensor(diagonal)
    if d.shape.ndims == 0:
        raise build_error("Diag", name, [d], "diag: diagonal must have rank >= 1, got a scalar")
    dims = None if d.shape.dims is None else list(d.shape.dims)
    return make_op(DIAG, [d], [(d.dtype, None if dims is None else dims + dims)], name or "Diag").outputs[0]


def diag_part(input, name=None):  # noqa: A002
    """TF1's ``tf.diag_part``, the inverse of ``diag``: a rank-2k tensor of shape ``s + s`` to its diagonal ``s``.

    Example:
        >>> kf.diag_part([[1, 0], [0, 2]])   # [1, 2]
    """
    x = convert_to_tensor(input)
    dims = None if x.shape.dims is None else list(x.shape.dims)
    if dims is not None:
        k = len(dims) // 2
        if len(dims) == 0 or len(dims) % 2 or not x.shape[:k].is_compatible_with(x.shape[k:]):
            raise build_error("DiagPart", name, [x], "diag_part: input must have an even rank and shape s + s, got "
                              "%s" % x.shape)
        dims = dims[:k]
    return make_op(DIAG_PART, [x], [(x.dtype, dims)], name or "DiagPart").outputs[0]
