"""``kf.linalg``: TF 1.15's ``tf.linalg`` namespace over the engine's linear-algebra ops (batches of matrices in
the last two axes; gradients through every op but the SVD's singular vectors).

Example:
    >>> x = kf.linalg.solve(a, b)
    >>> sign, logabsdet = kf.linalg.slogdet(a)
    >>> e, v = kf.linalg.eigh(a)
"""
from kflow.engine.ops.array_ops import eye
from kflow.engine.ops.clip_ops import global_norm
from kflow.engine.ops.diag_ops import (matrix_band_part as band_part, matrix_diag as diag,
                                       matrix_diag_part as diag_part, matrix_set_diag as set_diag,
                                       diag as tensor_diag, diag_part as tensor_diag_part)
from kflow.engine.ops.einsum_op import einsum
from kflow.engine.ops.linalg_ops import (adjoint, matrix_transpose, matvec, cholesky, slogdet, matrix_inverse as inv,
                                         matrix_determinant as det, matrix_solve as solve,
                                         matrix_triangular_solve as triangular_solve)
from kflow.engine.ops.decomposition_ops import (qr, svd, self_adjoint_eig as eigh,
                                                self_adjoint_eigvals as eigvalsh)
from kflow.engine.ops.linalg_composites import (trace, logdet, norm, normalize, cross, cholesky_solve,
                                                matrix_solve_ls as lstsq)
from kflow.engine.ops.matrix_functions import expm, pinv, matrix_rank
from kflow.engine.ops.math_composites import tensordot
from kflow.engine.ops.math_ops import matmul
from kflow.engine.ops.normalization_ops import l2_normalize
from kflow.engine.ops.shape_ops import transpose
