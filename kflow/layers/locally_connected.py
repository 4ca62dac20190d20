"""LocallyConnected1D / LocallyConnected2D (tf.keras 2.x, ``implementation=1``): convolutions whose weights are
not shared: every output position has its own kernel.

``local_conv`` (also ``K.local_conv1d`` / ``K.local_conv2d``) gathers every window of the input with one
gather (the windows' indices are fixed when the graph is built), flattens it as Keras does (``[k..., C]`` for
channels_last, ``[C, k...]`` for channels_first) and multiplies it by its position's ``[features, filters]``
kernel in one batched matmul. Weights have Keras's shapes, so ``.h5`` files match: kernel
``[positions, prod(kernel_size) * C, filters]``, bias ``[*output_spatial, filters]``.

Example:
    >>> h = LocallyConnected2D(8, 3)(images)       # images [batch, 28, 28, 1]: kernel [676, 9, 8], bias [26, 26, 8]
    >>> h = LocallyConnected1D(4, 2, strides=2)(seq)
"""
import itertools

import numpy as np

from kflow.engine import shapes
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.shape_ops import transpose
from kflow.layers import regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.conv_utils import conv_output_length, normalize_data_format, normalize_tuple
from kflow.layers.kernel_bias import KernelBias


def _window_indices(in_sizes, kernel_size, strides, out_sizes):
    """``[positions, window]`` flat indices into the input's spatial axes, positions and window row-major."""
    flat = np.arange(int(np.prod(in_sizes))).reshape(in_sizes)
    rows = []
    for position in itertools.product(*[range(o) for o in out_sizes]):
        window = tuple(slice(p * s, p * s + k) for p, s, k in zip(position, strides, kernel_size))
        rows.append(flat[window].ravel())
    return np.array(rows, dtype=np.int32)


def local_conv(inputs, kernel, kernel_size, strides, output_shape, data_format=None):
    """Unshared-weight convolution, as Keras's ``backend.local_conv``.

    Args:
        inputs: ``[batch, *spatial, C]`` (or ``[batch, C, *spatial]`` for "channels_first"); spatial sizes known.
        kernel: ``[prod(output_shape), prod(kernel_size) * C, filters]``.
        kernel_size, strides: tuples, one entry per spatial axis.
        output_shape: the output's spatial sizes.

    Returns:
        ``[batch, *output_shape, filters]`` (or ``[batch, filters, *output_shape]``).
    """
    x, w = convert_to_tensor(inputs), convert_to_tensor(kernel)
    rank = len(kernel_size)
    first = normalize_data_format(data_format) == "channels_first"
    dims = x.shape.dims
    if dims is None or len(dims) != rank + 2:
        raise ValueError("local_conv: inputs must have rank %d ([batch, spatial..., channels]), got shape %s"
                         % (rank + 2, x.shape))
    spatial, channels = (dims[2:], dims[1]) if first else (dims[1:-1], dims[-1])
    if None in spatial or channels is None:
        raise ValueError("local_conv: the spatial and channel sizes of the inputs must be known, got %s" % x.shape)
    positions, window = int(np.prod(output_shape)), int(np.prod(kernel_size))
    if w.shape.dims is not None and list(w.shape.dims[:2]) != [positions, window * channels]:
        raise ValueError("local_conv: the kernel must have shape [%d, %d, filters] for output %s, kernel size %s and "
                         "%d channels, got %s" % (positions, window * channels, tuple(output_shape),
                                                  tuple(kernel_size), channels, w.shape))
    indices = constant(_window_indices(spatial, kernel_size, strides, output_shape))
    if first:  # [B, C, S] -> [B, C, P, K] -> [P, B, C, K]: features ordered (C, k...)
        patches = transpose(gather(array_ops.reshape(x, [-1, channels, int(np.prod(spatial))]), indices, axis=2),
                            [2, 0, 1, 3])
    else:  # [B, S, C] -> [B, P, K, C] -> [P, B, K, C]: features ordered (k..., C)
        patches = transpose(gather(array_ops.reshape(x, [-1, int(np.prod(spatial)), channels]), indices, axis=1),
                            [1, 0, 2, 3])
    out = math_ops.matmul(array_ops.reshape(patches, [positions, -1, window * channels]), w)   # [P, B, filters]
    filters = w.shape.dims[-1]
    out = array_ops.reshape(out, list(output_shape) + [-1, filters])
    perm = [rank, rank + 1] + list(range(rank)) if first else [rank] + list(range(rank)) + [rank + 1]
    return transpose(out, perm)


class _LocallyConnected(KernelBias, Layer):
    """Shared by the 1-D and 2-D layers (``_rank`` spatial axes)."""

    _rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        layer = type(self).__name__
        if implementation != 1:
            raise NotImplementedError("%s: only implementation=1 is supported by kflow, got %r"
                                      % (layer, implementation))
        if str(padding).lower() != "valid":
            raise ValueError("%s: only padding='valid' is supported with implementation 1, got %r" % (layer, padding))
        self.filters = int(filters)
        self.kernel_size = normalize_tuple(kernel_size, self._rank, "kernel_size")
        self.strides = normalize_tuple(strides, self._rank, "strides")
        self.padding = "valid"
        self.data_format = normalize_data_format(data_format)
        self.implementation = implementation
        self._set_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(ndim=self._rank + 2)

    def _spatial_and_channels(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(self._rank + 2).dims
        return (dims[2:], dims[1]) if self.data_format == "channels_first" else (dims[1:-1], dims[-1])

    def _output_spatial(self, spatial):
        return [conv_output_length(d, k, "valid", s) for d, k, s in zip(spatial, self.kernel_size, self.strides)]

    def build(self, input_shape):
        spatial, channels = self._spatial_and_channels(input_shape)
        if None in spatial or channels is None:
            raise ValueError("%s: the spatial and channel sizes of the inputs must be known (the weights depend on "
                             "them), got input shape %s" % (type(self).__name__, shapes.as_shape(input_shape)))
        self.output_spatial = self._output_spatial(spatial)
        if min(self.output_spatial) <= 0:
            raise ValueError("%s: kernel_size %s does not fit in the input %s" % (type(self).__name__,
                                                                                 self.kernel_size, spatial))
        kernel_shape = [int(np.prod(self.output_spatial)), int(np.prod(self.kernel_size)) * channels, self.filters]
        self.kernel = self.add_weight("kernel", kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:  # a bias per output position (Keras's shape)
            self.bias = self.add_weight("bias", self.output_spatial + [self.filters],
                                        initializer=self.bias_initializer, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        out = local_conv(inputs, self.kernel, self.kernel_size, self.strides, self.output_spatial, self.data_format)
        if self.use_bias:
            # Keras's bias_add reshapes (it does not transpose) a [*spatial, filters] bias for channels_first
            bias = self.bias if self.data_format == "channels_last" else array_ops.reshape(
                self.bias, [self.filters] + self.output_spatial)
            out = out + bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(self._rank + 2).dims
        spatial = self._output_spatial(self._spatial_and_channels(input_shape)[0])
        if self.data_format == "channels_first":
            return shapes.TensorShape([dims[0], self.filters] + spatial)
        return shapes.TensorShape([dims[0]] + spatial + [self.filters])

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "data_format": self.data_format, "implementation": self.implementation}
        return dict(super().get_config(), **config, **self._kernel_bias_config())


class LocallyConnected1D(_LocallyConnected):
    """Unshared 1-D convolution over ``[batch, steps, channels]``; kernel ``[out_steps, k * C, filters]``, bias
    ``[out_steps, filters]``.

    Example:
        >>> LocallyConnected1D(4, 3)(kf.zeros([2, 10, 5])).shape           # [2, 8, 4]
    """

    _rank = 1


class LocallyConnected2D(_LocallyConnected):
    """Unshared 2-D convolution over ``[batch, rows, cols, channels]``; kernel
    ``[out_rows * out_cols, kh * kw * C, filters]``, bias ``[out_rows, out_cols, filters]``.

    Example:
        >>> LocallyConnected2D(8, 3)(kf.zeros([2, 6, 6, 1])).shape         # [2, 4, 4, 8]
    """

    _rank = 2
