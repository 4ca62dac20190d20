"""The tensor functions of the Keras backend (``K.mean``, ``K.square``, ``K.clip``...), as thin names over
kflow ops, so custom losses and metrics written for Keras run unchanged. ``kf.keras.backend`` re-exports them.

Keras spells reductions ``K.mean(x, axis=None, keepdims=False)`` and takes Python axes, as here.

Example:
    >>> from kflow.keras import backend as K
    >>> def rmse(y_true, y_pred):
    ...     return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))
"""
from kflow.engine import dtypes
from kflow.engine.graph_session import get_session
from kflow.engine.ops import array_ops, clip_ops, comparison_ops, concat_ops, math_ops, nn_ops
from kflow.engine.ops import reduction_ops as R
from kflow.engine.ops import gather_ops, random_ops, shape_ops, unary_math_ops as U
from kflow.engine.ops.constant_op import constant as _constant, convert_to_tensor, placeholder as _placeholder
from kflow.engine.ops.control_flow_ops import stop_gradient
from kflow.engine.variables import Variable
from kflow.keras import crossentropy
from kflow.keras.backend_config import floatx


def _reduce(op):
    def reduce(x, axis=None, keepdims=False):
        return op(x, axis=axis, keepdims=keepdims)

    reduce.__name__ = op.__name__.replace("reduce_", "")
    reduce.__doc__ = "``%s(x, axis=None, keepdims=False)``: ``kf.%s``." % (reduce.__name__, op.__name__)
    return reduce


mean, sum, max, min, prod = (_reduce(op) for op in (  # noqa: A001 - Keras's names
    R.reduce_mean, R.reduce_sum, R.reduce_max, R.reduce_min, R.reduce_prod))
any, all = (_reduce(op) for op in (R.reduce_any, R.reduce_all))  # noqa: A001

square, sqrt, abs, exp, log, sign, round = (U.square, U.sqrt, U.abs, U.exp, U.log, U.sign, U.round)  # noqa: A001
tanh, sigmoid = U.tanh, U.sigmoid
maximum, minimum, cast = math_ops.maximum, math_ops.minimum, math_ops.cast
equal, not_equal, greater, greater_equal, less, less_equal = (
    comparison_ops.equal, comparison_ops.not_equal, comparison_ops.greater, comparison_ops.greater_equal,
    comparison_ops.less, comparison_ops.less_equal)
ones_like, zeros_like, reshape, one_hot, gather = (array_ops.ones_like, array_ops.zeros_like, array_ops.reshape,
                                                   array_ops.one_hot, gather_ops.gather)
transpose, tile, expand_dims = shape_ops.transpose, shape_ops.tile, shape_ops.expand_dims
stack = concat_ops.stack
relu, elu, softplus = nn_ops.relu, nn_ops.elu, nn_ops.softplus


def pow(x, a):  # noqa: A001 - Keras's name
    return math_ops.pow(x, a)


def clip(x, min_value, max_value):
    return clip_ops.clip_by_value(x, min_value, max_value)


def argmax(x, axis=-1):
    return R.argmax(x, axis=axis)


def argmin(x, axis=-1):
    return R.argmin(x, axis=axis)


def squeeze(x, axis):
    return shape_ops.squeeze(x, [axis])


def concatenate(tensors, axis=-1):
    return concat_ops.concat(list(tensors), axis=axis)


def flatten(x):
    return array_ops.reshape(x, [-1])


def batch_flatten(x):
    return array_ops.reshape(x, [array_ops.shape(x)[0], -1])


def dot(x, y):
    """``x @ y``; an ``x`` of rank > 2 times a matrix ``y`` contracts ``x``'s last axis, as Keras does."""
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    if x.shape.ndims is not None and x.shape.ndims > 2 and y.shape.ndims == 2:
        lead = array_ops.shape(x)[:-1]
        flat = math_ops.matmul(array_ops.reshape(x, [-1, x.shape.dims[-1]]), y)
        return array_ops.reshape(flat, concat_ops.concat([lead, array_ops.shape(y)[1:]], axis=0))
    return math_ops.matmul(x, y)


def softmax(x, axis=-1):
    return nn_ops.softmax(x, axis=axis)


def shape(x):
    return array_ops.shape(x)


def int_shape(x):
    """The static shape as a tuple with None for unknown dims (None when the rank is unknown)."""
    dims = convert_to_tensor(x).shape.as_list() if convert_to_tensor(x).shape.ndims is not None else None
    return None if dims is None else tuple(dims)


def ndim(x):
    return convert_to_tensor(x).shape.ndims


def dtype(x):
    return convert_to_tensor(x).dtype.name


def constant(value, dtype=None, shape=None, name=None):
    return _constant(value, dtype=dtype or floatx(), shape=shape, name=name)


def variable(value, dtype=None, name=None):
    """A Variable holding ``value``, initialized at once in its graph's Keras session (as Keras does)."""
    v = Variable(value, dtype=dtype or floatx(), name=name)
    get_session(v.graph).run(v.initializer)
    return v


def placeholder(shape=None, ndim=None, dtype=None, name=None):
    if shape is None and ndim is not None:
        shape = [None] * ndim
    return _placeholder(dtype or floatx(), shape, name=name)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal draws (new each run), e.g. the sampling layer of a variational autoencoder."""
    return random_ops.random_normal(shape, mean=mean, stddev=stddev, dtype=dtype or floatx(), seed=seed)


def random_uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    return random_ops.random_uniform(shape, minval=minval, maxval=maxval, dtype=dtype or floatx(), seed=seed)


def categorical_crossentropy(target, output, from_logits=False, axis=-1):
    """Keras's backend form (``target`` first); ``output`` holds probabilities unless ``from_logits``."""
    return crossentropy.categorical_crossentropy(target, output, from_logits=from_logits)


def sparse_categorical_crossentropy(target, output, from_logits=False, axis=-1):
    return crossentropy.sparse_categorical_crossentropy(target, output, from_logits=from_logits)


def binary_crossentropy(target, output, from_logits=False):
    """Element-wise (not averaged over the last axis, unlike the loss of the same name)."""
    return crossentropy.binary_crossentropy_elements(target, output, from_logits=from_logits)


__all__ = ["mean", "sum", "max", "min", "prod", "any", "all", "square", "sqrt", "abs", "exp", "log", "sign",
           "round", "tanh", "sigmoid", "maximum", "minimum", "cast", "equal", "not_equal", "greater",
           "greater_equal", "less", "less_equal", "ones_like", "zeros_like", "reshape", "one_hot", "gather",
           "transpose", "tile", "expand_dims", "stack", "relu", "elu", "softplus", "pow", "clip", "argmax",
           "argmin", "squeeze", "concatenate", "flatten", "batch_flatten", "dot", "softmax", "shape", "int_shape",
           "ndim", "dtype", "constant", "variable", "placeholder", "stop_gradient", "random_normal", "random_uniform",
           "categorical_crossentropy",
           "sparse_categorical_crossentropy", "binary_crossentropy"]
