"""The orthogonal initializer: the Q factor of the QR decomposition of a normal matrix.

Shapes of rank > 2 are flattened to ``[prod(shape[:-1]), shape[-1]]``; the rows (or the
columns, whichever are fewer) are orthonormal, times ``gain``.

Example:
    >>> w = kf.get_variable("w", [64, 64], initializer=kf.orthogonal_initializer())
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops import random_ops
from kflow.initializers.base import Initializer, as_float_dtype


def _orthogonalize(a, rows, cols, gain, shape):
    xp = devices.array_module(a)
    q, r = xp.linalg.qr(a.astype(np.float64))
    q = q * xp.sign(xp.diagonal(r))  # makes the decomposition unique, hence uniformly distributed
    if rows < cols:
        q = q.T
    return (gain * q).reshape(shape).astype(a.dtype)


ORTHOGONALIZE = OpDef("Orthogonalize", _orthogonalize, grad=None)


class Orthogonal(Initializer):
    """An (semi-)orthogonal matrix times ``gain``; needs a shape of rank >= 2."""

    def __init__(self, gain=1.0, seed=None, dtype=dtypes.float32):
        self.gain = gain
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = as_float_dtype(dtype if dtype is not None else self.dtype, "Orthogonal")
        shape = [int(d) for d in shape]
        if len(shape) < 2:
            raise ValueError("The tensor to initialize must be at least two-dimensional, got shape %s" % shape)
        rows, cols = int(np.prod(shape[:-1])), shape[-1]
        flat = random_ops.random_normal([max(rows, cols), min(rows, cols)], dtype=dtype, seed=self.seed)
        return make_op(ORTHOGONALIZE, [flat], [(dtype, shape)], "orthogonal",
                       params={"rows": rows, "cols": cols, "gain": self.gain, "shape": tuple(shape)}).outputs[0]

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}

orthogonal_initializer = Orthogonal
