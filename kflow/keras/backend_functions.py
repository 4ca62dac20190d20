"""The rest of the Keras 2 backend (``K.*``) that public Keras examples use, over kflow ops: variables and
their updates, the learning phase switches, ``K.rnn``, convolutions and pooling, shape utilities, statistics,
``K.print_tensor``, ``K.gradients``. ``kf.keras.backend`` re-exports them (as it does ``backend_ops``).

``K.backend()`` answers "tensorflow": kflow runs TF 1.x programs, and Keras code that branches on the backend
name must take its TensorFlow path.

Example:
    >>> from kflow.keras import backend as K
    >>> K.backend()
    'tensorflow'
    >>> y = K.batch_dot(a, b, axes=(2, 1))
    >>> last, outputs, states = K.rnn(step, inputs, [K.zeros_like(inputs[:, 0])])
"""
import itertools

import numpy as np

from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.gradients import gradients as _gradients
from kflow.engine.graph_session import get_session
from kflow.engine.learning_phase import set_learning_phase_default
from kflow.engine.ops import (array_ops, comparison_ops, concat_ops, conv_ops, depthwise_conv_ops,
                              functional_ops, logging_ops, math_ops, nn_ops, pool_ops, random_ops, reduction_ops as R,
                              reshape_ops, shape_ops, unary_math_ops as U)
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.dropout_op import dropout as _dropout
from kflow.engine.ops.gather_ops import slice as _slice
from kflow.engine.ops.normalization_ops import batch_normalization as _batch_norm, l2_normalize, moments
from kflow.engine.ops.topk_ops import in_top_k as _in_top_k
from kflow.engine.variables import Variable
from kflow.keras import backend_config
from kflow.keras.backend_config import set_floatx  # noqa: F401 - K.set_floatx
from kflow.layers import activations, training_flag
from kflow.layers.batch_dot import batch_dot  # noqa: F401 - K.batch_dot
from kflow.layers.interpolation import resize_images as _resize
from kflow.layers.recurrent import expand_mask, time_major, zero_step_output
from kflow.layers.resizing import repeat_elements as _repeat_axis
from kflow.sparse.sparse_ops import to_dense as _sparse_to_dense
from kflow.sparse.sparse_tensor import SparseTensor

control_dependencies = graph_mod.control_dependencies
name_scope = graph_mod.name_scope
get_graph = graph_mod.get_default_graph
sin, cos, softsign, hard_sigmoid = U.sin, U.cos, nn_ops.softsign, activations.hard_sigmoid
permute_dimensions, reverse, size = shape_ops.transpose, shape_ops.reverse, reshape_ops.size
cumsum = R.cumsum
gradients = _gradients


def backend():
    """The backend's name: "tensorflow" (see the module docstring)."""
    return "tensorflow"


# ---- settings -------------------------------------------------------------------------------
def cast_to_floatx(x):
    return np.asarray(x, dtype=backend_config.floatx())


def set_image_data_format(data_format):
    """Only "channels_last" (kflow's layers default to it); give ``data_format=`` to a layer for channels first."""
    if data_format != "channels_last":
        raise ValueError("set_image_data_format: kflow's layers default to 'channels_last'; pass "
                         "data_format=%r to each layer instead (got %r)" % (data_format, data_format))


def image_dim_ordering():
    return "tf"


def set_image_dim_ordering(dim_ordering):
    if dim_ordering != "tf":
        raise ValueError("set_image_dim_ordering: only 'tf' (channels last) is supported, got %r" % (dim_ordering,))


_UIDS = {}


def get_uid(prefix=""):
    """1, 2, 3... per ``prefix`` (Keras's layer-name counter)."""
    _UIDS[prefix] = _UIDS.get(prefix, 0) + 1
    return _UIDS[prefix]


def reset_uids():
    _UIDS.clear()


# ---- learning phase -----------------------------------------------------------------------------
def set_learning_phase(value):
    """Makes ``value`` (0 = test, 1 = train) the default of the graph's learning-phase flag, for layers built
    from now on; ``fit`` still feeds True while training."""
    if value not in (0, 1):
        raise ValueError("set_learning_phase: expected 0 or 1, got %r" % (value,))
    set_learning_phase_default(bool(value))


def _value(x):
    return x() if callable(x) else x


def switch(condition, then_expression, else_expression):
    """``then`` where ``condition`` (a bool or a bool tensor) holds, else ``else``; either may be a callable."""
    return training_flag.smart_select(condition, lambda: convert_to_tensor(_value(then_expression)),
                                      lambda: convert_to_tensor(_value(else_expression)))


def in_train_phase(x, alt, training=None):
    """``x`` while training (the learning phase, or ``training``), else ``alt``."""
    return switch(training_flag.resolve(training), x, alt)


def in_test_phase(x, alt, training=None):
    return switch(training_flag.resolve(training), alt, x)


# ---- variables ------------------------------------------------------------------------------
def _floatx(dtype):
    return dtypes.as_dtype(dtype or backend_config.floatx())


def _initialized(value, dtype, name):
    v = Variable(np.asarray(value, dtype=_floatx(dtype).as_numpy_dtype), name=name)
    get_session(v.graph).run(v.initializer)
    return v


def zeros(shape, dtype=None, name=None):
    """A Variable of zeros (Keras returns variables here), initialized at once."""
    return _initialized(np.zeros(shape), dtype, name)


def ones(shape, dtype=None, name=None):
    return _initialized(np.ones(shape), dtype, name)


def eye(size, dtype=None, name=None):
    return _initialized(np.eye(size), dtype, name)


def random_uniform_variable(shape, low, high, dtype=None, name=None, seed=None):
    return _initialized(np.random.RandomState(seed).uniform(low, high, shape), dtype, name)


def random_normal_variable(shape, mean, scale, dtype=None, name=None, seed=None):
    return _initialized(np.random.RandomState(seed).normal(mean, scale, shape), dtype, name)


def count_params(x):
    """The number of scalars in ``x`` (its static shape must be known)."""
    dims = convert_to_tensor(x).shape.as_list()
    if any(d is None for d in dims):
        raise ValueError("count_params: the shape of %s is not fully known (%s)" % (x.name, dims))
    return int(np.prod(dims))


def update(x, new_x):
    return x.assign(new_x)


def update_add(x, increment):
    return x.assign_add(increment)


def update_sub(x, decrement):
    return x.assign_sub(decrement)


def moving_average_update(x, value, momentum):
    """``x = momentum * x + (1 - momentum) * value``."""
    return x.assign_sub((x - value) * (1.0 - momentum))


def eval(x):  # noqa: A001 - Keras's name
    """The value of a tensor or Variable, from its graph's Keras session."""
    return get_session(x.graph).run(x)


def is_tensor(x):
    return hasattr(x, "graph") and hasattr(x, "dtype") and hasattr(x, "op")


def is_keras_tensor(x):
    """Whether ``x`` was made by a Keras layer or ``Input`` (it has Keras history).

    Raises:
        ValueError: ``x`` is not a tensor at all (as Keras does).
    """
    if not is_tensor(x) and not isinstance(x, Variable):
        raise ValueError("Unexpectedly found an instance of type `%s`. Expected a symbolic tensor instance."
                         % type(x))
    return hasattr(x, "_keras_history")


def is_placeholder(x):
    return is_tensor(x) and x.op.type in ("Placeholder", "PlaceholderWithDefault")


def is_sparse(x):
    return isinstance(x, SparseTensor)


def to_dense(x):
    return _sparse_to_dense(x) if is_sparse(x) else x


# ---- tensors ------------------------------------------------------------------------------------
def _axis(x, axis):
    return axis % x.shape.ndims if axis is not None and axis < 0 else axis


def var(x, axis=None, keepdims=False):
    x = convert_to_tensor(x)
    mean = R.reduce_mean(x, axis=axis, keepdims=True)
    return R.reduce_mean(U.square(x - mean), axis=axis, keepdims=keepdims)


def std(x, axis=None, keepdims=False):
    return U.sqrt(var(x, axis=axis, keepdims=keepdims))


def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))``, computed stably (the max is taken out first)."""
    x = convert_to_tensor(x)
    peak = R.reduce_max(x, axis=axis, keepdims=True)
    out = U.log(R.reduce_sum(U.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else (shape_ops.squeeze(out, None if axis is None else
                                                    [axis] if isinstance(axis, int) else list(axis))
                                 if axis is not None else array_ops.reshape(out, []))


def cumprod(x, axis=0):
    """Running products along ``axis`` (whose size must be known)."""
    x = convert_to_tensor(x)
    parts = concat_ops.unstack(x, axis=axis)
    return concat_ops.stack(list(itertools.accumulate(parts, math_ops.multiply)), axis=axis)


def arange(start, stop=None, step=1, dtype="int32"):
    return array_ops.range(start, stop, step, dtype=dtypes.as_dtype(dtype))


def repeat_elements(x, rep, axis):
    x = convert_to_tensor(x)
    return _repeat_axis(x, _axis(x, axis), int(rep))


def repeat(x, n):
    """``[batch, dim] -> [batch, n, dim]``."""
    return shape_ops.tile(shape_ops.expand_dims(x, 1), [1, n, 1])


def slice(x, start, size):  # noqa: A001 - Keras's name
    return _slice(x, start, size)


def temporal_padding(x, padding=(1, 1)):
    return shape_ops.pad(x, [[0, 0], list(padding), [0, 0]])


def spatial_2d_padding(x, padding=((1, 1), (1, 1)), data_format=None):
    pads = [list(p) for p in padding]
    return shape_ops.pad(x, [[0, 0], [0, 0]] + pads if data_format == "channels_first" else
                         [[0, 0]] + pads + [[0, 0]])


def spatial_3d_padding(x, padding=((1, 1), (1, 1), (1, 1)), data_format=None):
    pads = [list(p) for p in padding]
    return shape_ops.pad(x, [[0, 0], [0, 0]] + pads if data_format == "channels_first" else
                         [[0, 0]] + pads + [[0, 0]])


def resize_images(x, height_factor, width_factor, data_format="channels_last", interpolation="nearest"):
    """Upsamples the images by integer factors (nearest or bilinear; known height and width)."""
    x = convert_to_tensor(x)
    axes = (2, 3) if data_format == "channels_first" else (1, 2)
    dims = x.shape.dims
    if interpolation == "nearest":
        return _repeat_axis(_repeat_axis(x, axes[0], int(height_factor)), axes[1], int(width_factor))
    return _resize(x, (dims[axes[0]] * height_factor, dims[axes[1]] * width_factor), interpolation, axes)


def resize_volumes(x, depth_factor, height_factor, width_factor, data_format="channels_last"):
    x = convert_to_tensor(x)
    first = 2 if data_format == "channels_first" else 1
    for axis, factor in zip(range(first, first + 3), (depth_factor, height_factor, width_factor)):
        x = _repeat_axis(x, axis, int(factor))
    return x


def normalize_batch_in_training(x, gamma, beta, reduction_axes, epsilon=1e-3):
    """``(normalized, mean, variance)`` of ``x`` over ``reduction_axes``."""
    mean, variance = moments(x, reduction_axes)
    return _batch_norm(x, mean, variance, beta, gamma, epsilon), mean, variance


def batch_normalization(x, mean, var, beta, gamma, axis=-1, epsilon=1e-3):  # noqa: A002 - Keras's names
    return _batch_norm(x, mean, var, beta, gamma, epsilon)


def dropout(x, level, noise_shape=None, seed=None):
    return _dropout(x, rate=level, noise_shape=noise_shape, seed=seed)


def in_top_k(predictions, targets, k):
    return _in_top_k(predictions, targets, k)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    return random_ops.truncated_normal(shape, mean, stddev, dtype=_floatx(dtype), seed=seed)


def random_binomial(shape, p=0.0, dtype=None, seed=None):
    """1 with probability ``p``, else 0."""
    dtype = _floatx(dtype)
    return math_ops.cast(comparison_ops.less(random_ops.random_uniform(shape, dtype=dtype, seed=seed), p), dtype)


def bias_add(x, bias, data_format=None):
    return nn_ops.bias_add(x, bias, data_format="NCHW" if data_format == "channels_first" else None)


# ---- convolution and pooling ------------------------------------------------------------------
def _padding(padding):
    if padding not in ("same", "valid"):
        raise ValueError("padding must be 'same' or 'valid', got %r" % (padding,))
    return padding.upper()


def conv1d(x, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    if padding == "causal":
        x = temporal_padding(x, (dilation_rate * (kernel.shape.dims[0] - 1), 0))
        padding = "valid"
    return conv_ops.conv1d(x, kernel, stride=strides, padding=_padding(padding),
                           data_format="NCW" if data_format == "channels_first" else "NWC",
                           dilations=dilation_rate)


def conv2d(x, kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    fmt = "NCHW" if data_format == "channels_first" else "NHWC"
    st = [1, 1] + list(strides) if fmt == "NCHW" else [1] + list(strides) + [1]
    dl = [1, 1] + list(dilation_rate) if fmt == "NCHW" else [1] + list(dilation_rate) + [1]
    return conv_ops.conv2d(x, kernel, strides=st, padding=_padding(padding), data_format=fmt, dilations=dl)


def conv2d_transpose(x, kernel, output_shape, strides=(1, 1), padding="valid", data_format=None):
    fmt = "NCHW" if data_format == "channels_first" else "NHWC"
    st = [1, 1] + list(strides) if fmt == "NCHW" else [1] + list(strides) + [1]
    return conv_ops.conv2d_transpose(x, kernel, output_shape, strides=st, padding=_padding(padding),
                                     data_format=fmt)


def _nhwc_args(data_format, strides, dilation_rate):
    """Keras's (h, w) strides and dilations as the 4-vectors of the NHWC/NCHW ops, and the format."""
    fmt = "NCHW" if data_format == "channels_first" else "NHWC"
    st = [1, 1] + list(strides) if fmt == "NCHW" else [1] + list(strides) + [1]
    return fmt, st, list(dilation_rate)


def depthwise_conv2d(x, depthwise_kernel, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1)):
    """Each channel filtered by its own ``[kh, kw, 1, M]`` slice of ``depthwise_kernel`` (see DepthwiseConv2D)."""
    fmt, st, dl = _nhwc_args(data_format, strides, dilation_rate)
    return depthwise_conv_ops.depthwise_conv2d(x, depthwise_kernel, st, _padding(padding), data_format=fmt,
                                               dilations=dl)


def separable_conv2d(x, depthwise_kernel, pointwise_kernel, strides=(1, 1), padding="valid", data_format=None,
                     dilation_rate=(1, 1)):
    fmt, st, dl = _nhwc_args(data_format, strides, dilation_rate)
    return depthwise_conv_ops.separable_conv2d(x, depthwise_kernel, pointwise_kernel, st, _padding(padding),
                                               data_format=fmt, dilations=dl)


def separable_conv1d(x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                     dilation_rate=1):
    """SeparableConv1D's computation; the kernels are ``[k, C, M]`` and ``[1, C * M, F]``."""
    axis = 2 if data_format == "channels_first" else 1
    image = shape_ops.expand_dims(x, axis)
    out = separable_conv2d(image, shape_ops.expand_dims(depthwise_kernel, 0),
                           shape_ops.expand_dims(pointwise_kernel, 0), (1, strides), padding, data_format,
                           (1, dilation_rate))
    return shape_ops.squeeze(out, [axis])


def pool2d(x, pool_size, strides=(1, 1), padding="valid", data_format=None, pool_mode="max"):
    if pool_mode not in ("max", "avg"):
        raise ValueError("pool2d: pool_mode must be 'max' or 'avg', got %r" % (pool_mode,))
    fmt = "NCHW" if data_format == "channels_first" else "NHWC"
    window = lambda v: [1, 1] + list(v) if fmt == "NCHW" else [1] + list(v) + [1]  # noqa: E731
    pool = pool_ops.max_pool if pool_mode == "max" else pool_ops.avg_pool
    return pool(x, window(pool_size), window(strides), _padding(padding), data_format=fmt)


# ---- loops (on the engine's While op, so the sizes may be unknown) ------------------------------
def rnn(step_function, inputs, initial_states, go_backwards=False, mask=None, constants=None, unroll=False,
        input_length=None):
    """Runs ``step_function(input_t, states [+ constants]) -> (output_t, new_states)`` over the time axis
    (axis 1) of ``inputs`` in one ``kf.scan`` (a While loop, so the number of steps may be unknown); returns
    ``(last_output, outputs, new_states)``, the outputs in the order the steps ran.

    A ``[batch, time]`` ``mask`` makes masked steps keep the previous output (zeros before the first) and
    states. ``unroll`` and ``input_length`` are accepted for Keras compatibility.
    """
    inputs = convert_to_tensor(inputs)
    if inputs.shape.ndims is None or inputs.shape.ndims < 3:
        raise ValueError("rnn: inputs must have a known rank >= 3 ([batch, time, ...]), got shape %s"
                         % inputs.shape)
    extra = list(constants or [])
    states = [convert_to_tensor(s) for s in initial_states]
    elems = [time_major(inputs)] + ([time_major(convert_to_tensor(mask))] if mask is not None else [])
    if go_backwards:
        elems = [shape_ops.reverse(e, [0]) for e in elems]

    def step(carry, elem):
        previous, old_states = carry[0], list(carry[1:])
        out, new_states = step_function(elem[0], old_states + extra)
        new_states = list(new_states)
        if mask is not None:
            out = array_ops.where(expand_mask(elem[1], out), out, previous)
            new_states = [array_ops.where(expand_mask(elem[1], s), n, s) for n, s in zip(new_states, old_states)]
        return [out] + new_states

    xs = elems[0]
    batch = xs.shape.dims[1] if xs.shape.dims[1] is not None else reshape_ops.shape(xs)[1]
    first = zero_step_output(convert_to_tensor(step_function(xs[0], states + extra)[0]), batch)
    carries = functional_ops.scan(step, elems, [first] + states)
    return carries[0][-1], time_major(carries[0]), [c[-1] for c in carries[1:]]


def map_fn(fn, elems, name=None, dtype=None):
    """``fn`` over the first axis of ``elems``, stacked (``kf.map_fn``)."""
    return functional_ops.map_fn(fn, elems, dtype=dtype, name=name)


def foldl(fn, elems, initializer=None, name=None):
    """``acc = fn(acc, e)`` from the first element to the last (``kf.foldl``)."""
    return functional_ops.foldl(fn, elems, initializer=initializer, name=name)


def foldr(fn, elems, initializer=None, name=None):
    """``acc = fn(acc, e)`` from the last element to the first (``kf.foldr``)."""
    return functional_ops.foldr(fn, elems, initializer=initializer, name=name)


# ---- printing -------------------------------------------------------------------------------------
def print_tensor(x, message=""):
    """``x``, printing ``message`` and its value each time it is computed (use the returned tensor); as
    Keras's TensorFlow backend, this is ``kf.Print(x, [x], message)``."""
    return logging_ops.Print(x, [x], message, name="print_tensor")


__all__ = ["control_dependencies", "name_scope", "get_graph", "sin", "cos", "softsign", "hard_sigmoid",
           "permute_dimensions", "reverse", "size", "cumsum", "gradients", "backend", "set_floatx", "cast_to_floatx",
           "set_image_data_format", "image_dim_ordering", "set_image_dim_ordering", "get_uid", "reset_uids",
           "set_learning_phase", "switch", "in_train_phase", "in_test_phase", "zeros", "ones", "eye",
           "random_uniform_variable", "random_normal_variable", "count_params", "update", "update_add", "update_sub",
           "moving_average_update", "eval", "is_tensor", "is_keras_tensor", "is_placeholder", "is_sparse",
           "to_dense", "var", "std", "logsumexp", "cumprod", "arange", "repeat_elements", "repeat", "slice",
           "temporal_padding", "spatial_2d_padding", "spatial_3d_padding", "resize_images", "resize_volumes",
           "batch_dot", "normalize_batch_in_training", "batch_normalization", "dropout", "in_top_k",
           "truncated_normal", "random_binomial", "bias_add", "conv1d", "conv2d", "conv2d_transpose",
           "depthwise_conv2d", "separable_conv2d", "separable_conv1d", "pool2d",
           "rnn", "map_fn", "foldl", "foldr", "print_tensor", "identity", "l2_normalize"]
