"""Winograd transform matrices F(m x m, r x r) (Cook-Toom, exact in Fractions) and the choice of tile per output size.

``winograd`` runs the convolutions; this module builds ``(A^T, G, B^T)`` from interpolation points and says which
of the transforms for a kernel size covers an output with the fewest transformed elements.

Example:
    >>> at, g, bt = cook_toom(4, 3, [0, 1, -1, 2, Fraction(-1, 2)])
    >>> transform(5, 14, 14).m                     # 4: F(4x4, 5x5) for the deep-MNIST conv2
"""
from fractions import Fraction

import numpy as np


def _inverse(matrix):
    """The exact inverse of a square matrix of Fractions (Gauss-Jordan)."""
    n = len(matrix)
    rows = [list(r) + [Fraction(int(i == j)) for j in range(n)] for i, r in enumerate(matrix)]
    for c in range(n):
        pivot = next(i for i in range(c, n) if rows[i][c] != 0)
        rows[c], rows[pivot] = rows[pivot], rows[c]
        rows[c] = [v / rows[c][c] for v in rows[c]]
        for i in range(n):
            if i != c and rows[i][c] != 0:
                f = rows[i][c]
                rows[i] = [a - f * b for a, b in zip(rows[i], rows[c])]
    return [r[n:] for r in rows]


def _evaluation(points, k):
    """Rows evaluating a polynomial of k coefficients at each point, the last row at infinity (its leading one)."""
    return [[p ** i for i in range(k)] for p in points] + [[Fraction(int(i == k - 1)) for i in range(k)]]


def cook_toom(m, r, points):
    """``(A^T, G, B^T)`` (float64) of F(m, r) from the ``m + r - 2`` finite interpolation points (and infinity).

    Correlation ``y = A^T [(G g) (.) (B^T d)]`` is the transpose of the polynomial product evaluated at the
    points; ``B^T`` rows are scaled to monic polynomials, their factors moved into ``G``.
    """
    n = m + r - 1
    pts = [Fraction(p) for p in points]
    if len(pts) != n - 1 or len(set(pts)) != n - 1:
        raise ValueError("F(%d, %d) needs %d distinct finite points, got %r" % (m, r, n - 1, points))
    bt = [list(col) for col in zip(*_inverse(_evaluation(pts, n)))]
    g = _evaluation(pts, r)
    for j in range(n):
        lead = next(v for v in reversed(bt[j]) if v != 0)
        bt[j] = [v / lead for v in bt[j]]
        g[j] = [v * lead for v in g[j]]
    at = [list(col) for col in zip(*_evaluation(pts, m))]
    return tuple(np.array(mat, dtype=np.float64) for mat in (at, g, bt))


class Transform:
    """F(m x m, r x r): tile sizes and the three transform matrices, cast once per dtype."""

    def __init__(self, m, r, points):
        self.m, self.r, self.a = m, r, m + r - 1
        self.points = tuple(points)
        self._mats = {np.dtype(np.float64): cook_toom(m, r, points)}

    def matrices(self, dtype):
        """``(A^T, G, B^T)`` in ``dtype``."""
        dtype = np.dtype(dtype)
        if dtype not in self._mats:
            self._mats[dtype] = tuple(mat.astype(dtype) for mat in self._mats[np.dtype(np.float64)])
        return self._mats[dtype]

    def __repr__(self):
        return "Transform(F(%dx%d, %dx%d), points=%s)" % (self.m, self.m, self.r, self.r,
                                                           [str(p) for p in self.points])


_HALF = Fraction(1, 2)
# per kernel size, the transforms ``transform`` picks from
TRANSFORMS = {3: (Transform(4, 3, [0, 1, -1, 2, -_HALF]),),
              5: (Transform(3, 5, [0, 1, -1, _HALF, -_HALF, 2]),
                  Transform(4, 5, [0, 1, -1, 2, -2, _HALF, -_HALF]))}


def tile_count(size, t):
    """Tiles of ``t`` along an output axis of ``size`` pixels (the last one cropped)."""
    return -(-size // t.m)


def transformed_elements(t, oh, ow):
    """Transformed elements per channel (a*a per tile) for an oh x ow output: what the GEMMs and transforms scale
    with."""
    return tile_count(oh, t) * tile_count(ow, t) * t.a * t.a


def transform(r, oh, ow):
    """The ``Transform`` for an r x r kernel and an oh x ow output: the one with the fewest transformed elements
    (ties: the smaller tile, whose float32 error is lower). 14x14 (deep MNIST conv2): F(4x4, 5x5) 16 tiles of 64
    points, F(3x3, 5x5) 25 of 49; 9x9: F(3x3, 5x5)."""
    return min(TRANSFORMS[r], key=lambda t: (transformed_elements(t, oh, ow), t.a))
