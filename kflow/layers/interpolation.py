"""Image resizing as two matrix products: ``out = A_rows @ image @ A_cols^T`` per channel.

Bilinear and nearest-neighbour resizing are linear in the pixels, so each is a fixed ``[new, old]`` matrix per
spatial axis, built once in numpy when the layer is built. The forward pass is then two matmuls (so the same
code runs on CPU and GPU) and the gradient comes from matmul's own. The sampling grid is tf.image.resize's
(TF 2, half-pixel centers, no antialiasing), which Keras's Resizing and UpSampling2D(interpolation="bilinear")
use.

Example:
    >>> resize_matrix(2, 4, "bilinear")
    array([[1.  , 0.  ], [0.75, 0.25], [0.25, 0.75], [0.  , 1.  ]])
"""
import numpy as np

from kflow.engine.ops import math_ops, shape_ops
from kflow.engine.ops.constant_op import constant, convert_to_tensor

METHODS = ("bilinear", "nearest")


def resize_matrix(old, new, method):
    """The ``[new, old]`` matrix taking ``old`` samples to ``new`` by ``method`` ("bilinear" or "nearest")."""
    if method not in METHODS:
        raise ValueError("interpolation must be one of %s, got %r" % (METHODS, method))
    scale = old / new
    centers = (np.arange(new) + 0.5) * scale
    matrix = np.zeros((new, old))
    rows = np.arange(new)
    if method == "nearest":
        matrix[rows, np.minimum(np.floor(centers).astype(int), old - 1)] = 1.0
        return matrix
    source = centers - 0.5
    low = np.floor(source)
    frac = source - low
    low_index = np.clip(low, 0, old - 1).astype(int)
    high_index = np.clip(low + 1, 0, old - 1).astype(int)
    np.add.at(matrix, (rows, low_index), 1.0 - frac)
    np.add.at(matrix, (rows, high_index), frac)
    return matrix


def resize_axis(x, axis, new_size, method):
    """``x`` resized along ``axis`` (whose size must be known) to ``new_size``."""
    x = convert_to_tensor(x)
    old = x.shape.dims[axis]
    if old is None:
        raise ValueError("resize: the size of axis %d of the input must be known when the graph is built, got "
                         "shape %s" % (axis, x.shape))
    if old == new_size:
        return x
    rank = x.shape.ndims
    to_last = [a for a in range(rank) if a != axis] + [axis]
    back = list(np.argsort(to_last))
    matrix = constant(resize_matrix(old, new_size, method).T, dtype=x.dtype)
    return shape_ops.transpose(math_ops.matmul(shape_ops.transpose(x, to_last), matrix), back)


def resize_images(x, size, method, spatial_axes=(1, 2)):
    """``x`` with its spatial axes resized to ``size`` (a pair) by ``method``."""
    for axis, new_size in zip(spatial_axes, size):
        x = resize_axis(x, axis, int(new_size), method)
    return x
