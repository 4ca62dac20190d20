"""``batch_dot``: per-sample dot products (Keras's ``K.batch_dot``), under the Dot layer and the backend.

Example:
    >>> batch_dot(kf.ones([32, 20, 1]), kf.ones([32, 30, 20]), axes=(1, 2)).shape   # [32, 1, 30]
"""
import numpy as np

from kflow.engine.ops import array_ops, math_ops, shape_ops
from kflow.engine.ops import reduction_ops as R
from kflow.engine.ops.constant_op import convert_to_tensor


def batch_dot(x, y, axes=None):
    """Per-sample dot products: contracts ``x``'s axis ``axes[0]`` with ``y``'s ``axes[1]`` for each batch
    entry (default: x's last axis with y's second-to-last; two matrices give ``[batch, 1]``).

    Example:
        >>> K.batch_dot(kf.ones([32, 20, 1]), kf.ones([32, 30, 20]), axes=(1, 2)).shape   # [32, 1, 30]
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    nx, ny = x.shape.ndims, y.shape.ndims
    if axes is None:
        axes = (nx - 1, ny - 2 if ny > 2 else 1)
    axes = (axes, axes) if isinstance(axes, int) else tuple(axes)
    ax, ay = axes[0] % nx, axes[1] % ny
    if ax == 0 or ay == 0:
        raise ValueError("batch_dot: cannot contract the batch axis (axes=%r)" % (axes,))
    if nx == 2 and ny == 2:
        return R.reduce_sum(x * y, axis=1, keepdims=True)
    # x: [batch, ..., k] with k last; y: [batch, k, ...] with k second: then one batched matmul
    x_perm = [0] + [a for a in range(1, nx) if a != ax] + [ax]
    y_perm = [0, ay] + [a for a in range(1, ny) if a != ay]
    xt, yt = shape_ops.transpose(x, x_perm), shape_ops.transpose(y, y_perm)
    x_rest = [x.shape.dims[a] for a in x_perm[1:-1]]
    y_rest = [y.shape.dims[a] for a in y_perm[2:]]
    k = x.shape.dims[ax]
    if any(d is None for d in x_rest + y_rest + [k]):
        raise ValueError("batch_dot: all but the batch dimension must be known, got %s and %s" % (x.shape, y.shape))
    x3 = array_ops.reshape(xt, [-1, int(np.prod(x_rest)) if x_rest else 1, k])
    y3 = array_ops.reshape(yt, [-1, k, int(np.prod(y_rest)) if y_rest else 1])
    out = array_ops.reshape(math_ops.matmul(x3, y3), [-1] + x_rest + y_rest)
    return shape_ops.expand_dims(out, 1) if not x_rest and not y_rest else out
