"""ConvLSTM1D / 2D / 3D (Shi et al. 2015): an LSTM whose inputs, states and gates are sequences, images or
volumes, and whose matrix products are 1-, 2- or 3-D convolutions; inputs ``[batch, time, *spatial, channels]``
(or channels_first: ``[batch, time, channels, *spatial]``).

One class, ``ConvLSTM``, holds the recurrence for any rank ``_rank``; the three Keras layers only set it. It
is an ``RNN`` that is its own cell, so masking, ``return_sequences``, ``return_state``, ``go_backwards``
and ``initial_state`` work as for LSTM. The input convolution takes the layer's strides, padding and
dilation; the recurrent one is "same" with stride 1, so the state keeps the output's size.

Example:
    >>> h = ConvLSTM2D(16, 3, padding="same", return_sequences=True)(frames)   # [batch, time, rows, cols, 16]
    >>> h = ConvLSTM1D(8, 3)(signals)                                          # [batch, steps - 2, 8]
    >>> h = ConvLSTM3D(4, 3, padding="same")(volumes)                          # [batch, d, h, w, 4]
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops
from kflow.engine.ops.concat_ops import split
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import transpose
from kflow import nn
from kflow.layers import regularizers
from kflow.layers.base import InputSpec
from kflow.layers.conv_utils import conv_output_length, layer_padding_mode, normalize_data_format, normalize_tuple
from kflow.layers.recurrent import RNN
from kflow.layers.recurrent_cells import CellWeights, LSTMMath


def _convolve(rank, x, kernel, strides, padding, dilations):
    """The ``rank``-D convolution (channels_last) of ``x`` with ``kernel``."""
    if rank == 1:
        return nn.conv1d(x, kernel, stride=strides[0], padding=padding, dilations=dilations[0])
    conv = nn.conv2d if rank == 2 else nn.conv3d
    return conv(x, kernel, strides=[1, *strides, 1], padding=padding, dilations=[1, *dilations, 1])


class ConvLSTM(LSTMMath, CellWeights, RNN):
    """Convolutional LSTM over ``_rank`` spatial axes; weights ``kernel`` ``[*kernel_size, C, 4 * filters]``,
    ``recurrent_kernel`` ``[*kernel_size, filters, 4 * filters]``, ``bias`` ``[4 * filters]`` (gates i, f, c, o,
    as LSTM). Use ConvLSTM1D, ConvLSTM2D or ConvLSTM3D.

    ``dropout``, ``recurrent_dropout`` and ``stateful`` are not supported (NotImplementedError).
    """

    _rank = None

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 return_sequences=False, return_state=False, go_backwards=False, stateful=False, dropout=0.0,
                 recurrent_dropout=0.0, **kwargs):
        if self._rank is None:
            raise TypeError("ConvLSTM is the shared base: use ConvLSTM1D, ConvLSTM2D or ConvLSTM3D")
        if dropout or recurrent_dropout or stateful:
            raise NotImplementedError("%s: dropout, recurrent_dropout and stateful are not supported by kflow"
                                      % type(self).__name__)
        super().__init__(return_sequences=return_sequences, return_state=return_state, go_backwards=go_backwards,
                         activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self._set_cell_config(filters, activation, recurrent_activation, use_bias, kernel_initializer,
                              recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                              bias_regularizer)
        self.filters = self.units
        self.unit_forget_bias = unit_forget_bias
        rank = self._rank
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size")
        self.strides = normalize_tuple(strides, rank, "strides")
        self.padding = layer_padding_mode(padding)
        self.data_format = normalize_data_format(data_format)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate")
        self.input_spec = InputSpec(ndim=rank + 3)

    def _image_shape(self, input_shape):
        """``[batch, time, *spatial, channels]`` of ``input_shape``, whatever the data format."""
        dims = list(shapes.as_shape(input_shape).with_rank(self._rank + 3).dims)
        return dims[:2] + dims[3:] + [dims[2]] if self.data_format == "channels_first" else dims

    def build(self, input_shape):
        channels = self._image_shape(input_shape)[-1]
        if channels is None:
            raise ValueError("%s: the channel dimension of the inputs must be known, got %s"
                             % (type(self).__name__, shapes.as_shape(input_shape)))
        n = 4 * self.filters
        self.kernel = self.add_weight("kernel", list(self.kernel_size) + [channels, n],
                                      initializer=self.kernel_initializer, regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", list(self.kernel_size) + [self.filters, n],
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)
        self.bias = self.add_weight("bias", [n], initializer=self._bias_init(), regularizer=self.bias_regularizer) \
            if self.use_bias else None
        self.built = True

    def _input_conv(self, x, kernel):
        return _convolve(self._rank, x, kernel, self.strides, self.padding.upper(), self.dilation_rate)

    def _initial_states(self, x, initial_state):
        if initial_state is not None:
            return super()._initial_states(x, initial_state)
        # zeros of the output's image size: the input convolution of a zero frame with a zero kernel
        zero = self._input_conv(array_ops.zeros_like(x[:, 0]), array_ops.zeros_like(self.kernel[..., :self.filters]))
        return [zero, zero]

    def _inputs_part(self, x):
        z = self._input_conv(x, self.kernel)
        return z + self.bias if self.use_bias else z

    def _step(self, x, h, states):
        c = states[1]
        ones = (1,) * self._rank
        z = self._inputs_part(x) + _convolve(self._rank, h, self.recurrent_kernel, ones, "SAME", ones)
        zi, zf, zc, zo = split(z, 4, axis=-1)
        rec = self.recurrent_activation
        c = rec(zf) * c + rec(zi) * self.activation(zc)
        h = rec(zo) * self.activation(c)
        return h, [h, c]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = convert_to_tensor(inputs)
        first = self.data_format == "channels_first"
        r = self._rank
        if first:  # channels to the end: the convolutions are channels_last
            x = transpose(x, [0, 1] + list(range(3, r + 3)) + [2])
            if initial_state is not None:
                initial_state = [transpose(s, [0] + list(range(2, r + 2)) + [1]) for s in initial_state]
        out = super().call(x, mask=mask, training=training, initial_state=initial_state)
        if not first:
            return out

        def back(t):  # a sequence [batch, time, *spatial, C] or a state [batch, *spatial, C]
            lead = t.shape.ndims - r - 1
            return transpose(t, list(range(lead)) + [lead + r] + list(range(lead, lead + r)))

        return [back(t) for t in out] if isinstance(out, list) else back(out)

    def compute_output_shape(self, input_shape):
        dims = self._image_shape(input_shape)
        batch, time, spatial = dims[0], dims[1], dims[2:-1]
        spatial = [conv_output_length(d, k, self.padding, s, r) for d, k, s, r in
                   zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]
        image = spatial + [self.filters] if self.data_format == "channels_last" else [self.filters] + spatial
        out = shapes.TensorShape([batch, time] + image if self.return_sequences else [batch] + image)
        state = shapes.TensorShape([batch] + image)
        return [out, state, state] if self.return_state else out

    def get_config(self):
        config = dict(RNN.get_config(self), **self._cell_config(), filters=self.filters, kernel_size=self.kernel_size,
                      strides=self.strides, padding=self.padding, data_format=self.data_format,
                      dilation_rate=self.dilation_rate, unit_forget_bias=self.unit_forget_bias)
        for key in ("units", "dropout", "recurrent_dropout"):  # filters; no dropout
            config.pop(key)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class ConvLSTM1D(ConvLSTM):
    """ConvLSTM over sequences: inputs ``[batch, time, steps, channels]``; kernel ``[k, C, 4 * filters]``.

    Example:
        >>> ConvLSTM1D(8, 3, padding="same")(kf.zeros([2, 5, 10, 3])).shape          # [2, 10, 8]
    """

    _rank = 1


class ConvLSTM2D(ConvLSTM):
    """ConvLSTM over images: inputs ``[batch, time, rows, cols, channels]``; kernel ``[kh, kw, C, 4 * filters]``.

    Example:
        >>> ConvLSTM2D(8, 3)(kf.zeros([2, 5, 6, 6, 3])).shape                         # [2, 4, 4, 8]
    """

    _rank = 2


class ConvLSTM3D(ConvLSTM):
    """ConvLSTM over volumes: inputs ``[batch, time, depth, rows, cols, channels]``; kernel
    ``[kd, kh, kw, C, 4 * filters]``.

    Example:
        >>> ConvLSTM3D(4, 3, padding="same")(kf.zeros([2, 3, 4, 4, 4, 1])).shape      # [2, 4, 4, 4, 4]
    """

    _rank = 3
