"""Keras backend functions for volumes and unshared convolutions: ``K.conv3d``, ``K.conv3d_transpose``,
``K.pool3d``, ``K.local_conv1d``, ``K.local_conv2d`` (tf.keras 2.x signatures; channels_first inputs are
transposed to the engine's NDHWC ops and back).

Example:
    >>> from kflow.keras import backend as K
    >>> y = K.conv3d(volumes, kernel, strides=(1, 2, 2), padding="same")
    >>> p = K.pool3d(y, (2, 2, 2), strides=(2, 2, 2), pool_mode="avg")
"""
from kflow.engine.ops import conv3d_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.shape_ops import transpose
from kflow.layers.conv_utils import normalize_data_format
from kflow.layers.locally_connected import local_conv


def _padding(padding, function):
    if padding not in ("same", "valid"):
        raise ValueError("%s: padding must be 'same' or 'valid', got %r" % (function, padding))
    return padding.upper()


def _first(data_format):
    return normalize_data_format(data_format) == "channels_first"


def _to_last(x, data_format):
    x = convert_to_tensor(x)
    return transpose(x, [0, 2, 3, 4, 1]) if _first(data_format) else x


def _from_last(x, data_format):
    return transpose(x, [0, 4, 1, 2, 3]) if _first(data_format) else x


def conv3d(x, kernel, strides=(1, 1, 1), padding="valid", data_format=None, dilation_rate=(1, 1, 1)):
    """3-D convolution of ``x`` with ``kernel`` ``[kd, kh, kw, C, filters]``."""
    y = conv3d_ops.conv3d(_to_last(x, data_format), kernel, strides=[1, *strides, 1],
                          padding=_padding(padding, "conv3d"), dilations=[1, *dilation_rate, 1])
    return _from_last(y, data_format)


def conv3d_transpose(x, kernel, output_shape, strides=(1, 1, 1), padding="valid", data_format=None):
    """Transposed 3-D convolution; ``kernel`` ``[kd, kh, kw, filters, C]``, ``output_shape`` the full output shape
    in ``data_format`` (a tuple or an int tensor)."""
    if _first(data_format):  # the op's output is channels_last
        if isinstance(output_shape, (list, tuple)):
            output_shape = [output_shape[i] for i in (0, 2, 3, 4, 1)]
        else:
            output_shape = gather(convert_to_tensor(output_shape), [0, 2, 3, 4, 1])
    y = conv3d_ops.conv3d_backprop_input_v2(output_shape, kernel, _to_last(x, data_format), strides=[1, *strides, 1],
                                            padding=_padding(padding, "conv3d_transpose"))
    return _from_last(y, data_format)


def pool3d(x, pool_size, strides=(1, 1, 1), padding="valid", data_format=None, pool_mode="max"):
    """3-D max (``pool_mode="max"``) or average (``"avg"``) pooling."""
    if pool_mode not in ("max", "avg"):
        raise ValueError("pool3d: pool_mode must be 'max' or 'avg', got %r" % (pool_mode,))
    pool = conv3d_ops.max_pool3d if pool_mode == "max" else conv3d_ops.avg_pool3d
    y = pool(_to_last(x, data_format), [1, *pool_size, 1], [1, *strides, 1], _padding(padding, "pool3d"))
    return _from_last(y, data_format)


def local_conv1d(inputs, kernel, kernel_size, strides, data_format=None):
    """Unshared 1-D convolution (LocallyConnected1D's); ``kernel`` ``[out_steps, k * C, filters]``."""
    kernel = convert_to_tensor(kernel)
    return local_conv(inputs, kernel, tuple(kernel_size), tuple(strides), (kernel.shape.dims[0],), data_format)


def local_conv2d(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """Unshared 2-D convolution (LocallyConnected2D's); ``kernel`` ``[out_rows * out_cols, kh * kw * C, filters]``."""
    return local_conv(inputs, kernel, tuple(kernel_size), tuple(strides), tuple(output_shape), data_format)


__all__ = ["conv3d", "conv3d_transpose", "pool3d", "local_conv1d", "local_conv2d"]
