"""Keras recurrent layers: SimpleRNN, LSTM, GRU (Keras weight layout: kernel, recurrent_kernel, bias).

Like ``kf.nn.dynamic_rnn`` they unroll over the static time dimension of the inputs
``[batch, time, features]``. Defaults follow Keras 2.2 / TF 1.x: ``recurrent_activation``
is "hard_sigmoid", the recurrent kernel is orthogonal, LSTM's forget-gate bias starts at 1,
and GRU uses ``reset_after=False``. A boolean ``mask`` ([batch, time], e.g. from
``Embedding(mask_zero=True)``) makes masked steps keep the previous output and state.

Example:
    >>> h = LSTM(32, return_sequences=True)(x)          # weights "lstm/kernel:0", "lstm/recurrent_kernel:0", ...
    >>> last, state_h = GRU(16, return_state=True)(h)
"""
import numpy as np

from kflow.engine import shapes
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.concat_ops import concat, split, stack, unstack
from kflow.engine.ops.constant_op import convert_to_tensor, constant
from kflow.engine.ops.shape_ops import expand_dims
from kflow import initializers
from kflow.layers import activations, regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.kernel_bias import serialize


class _RNN(Layer):
    """Shared unrolling; subclasses give the gate count, the state count and ``_step``."""

    _gates = 1
    _n_states = 1

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, return_sequences=False, return_state=False, go_backwards=False,
                 stateful=False, unroll=False, dropout=0.0, recurrent_dropout=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        if dropout or recurrent_dropout or stateful:
            raise NotImplementedError("%s: dropout, recurrent_dropout and stateful are not supported by kflow"
                                      % type(self).__name__)
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.input_spec = InputSpec(ndim=3)
        self.supports_masking = True

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None or dims[-1] is None:
            raise ValueError("%s: the feature dimension of the inputs must be known, got %s"
                             % (type(self).__name__, shapes.as_shape(input_shape)))
        n = self._gates * self.units
        self.kernel = self.add_weight("kernel", [dims[-1], n], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", [self.units, n],
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)
        self.bias = self.add_weight("bias", [n], initializer=self._bias_init(), regularizer=self.bias_regularizer) \
            if self.use_bias else None
        self.built = True

    def _bias_init(self):
        return self.bias_initializer

    def _inputs_part(self, x):
        z = math_ops.matmul(x, self.kernel)
        return z + self.bias if self.use_bias else z

    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = convert_to_tensor(inputs)
        dims = x.shape.dims
        if dims[1] is None:
            raise ValueError("%s: kflow unrolls recurrent layers over the time dimension, which must be known when "
                             "the graph is built (got input shape %s)" % (type(self).__name__, x.shape))
        steps = unstack(x, num=dims[1], axis=1)
        masks = unstack(convert_to_tensor(mask), num=dims[1], axis=1) if mask is not None else [None] * len(steps)
        order = list(range(len(steps)))[::-1] if self.go_backwards else list(range(len(steps)))
        if initial_state is None:
            batch = dims[0] if dims[0] is not None else array_ops.shape(x)[0]
            states = [array_ops.zeros([batch, self.units], x.dtype) for _ in range(self._n_states)]
        else:
            states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        output = states[0]
        outputs = []
        for t in order:
            new_output, new_states = self._step(steps[t], states)
            if masks[t] is not None:  # masked steps carry the previous output and states
                keep = expand_dims(masks[t], 1)
                new_output = array_ops.where(keep, new_output, output)
                new_states = [array_ops.where(keep, n, s) for n, s in zip(new_states, states)]
            output, states = new_output, new_states
            outputs.append(output)
        result = stack(outputs, axis=1) if self.return_sequences else output
        return [result] + list(states) if self.return_state else result

    def compute_mask(self, inputs, mask=None):
        # the time mask still applies to a returned sequence; a last output has no time axis left
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        out = shapes.TensorShape([dims[0], dims[1], self.units] if self.return_sequences else [dims[0], self.units])
        if self.return_state:
            return [out] + [shapes.TensorShape([dims[0], self.units])] * self._n_states
        return out

    def get_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias, "return_sequences": self.return_sequences,
                  "return_state": self.return_state, "go_backwards": self.go_backwards}
        for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
            config[key] = serialize(initializers, getattr(self, key))
        for key in ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer"):
            config[key] = serialize(regularizers, getattr(self, key))
        return dict(super().get_config(), **config)


class SimpleRNN(_RNN):
    """``h' = activation(x W + h U + b)``."""

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def _step(self, x, states):
        h = self.activation(self._inputs_part(x) + math_ops.matmul(states[0], self.recurrent_kernel))
        return h, [h]

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config


class LSTM(_RNN):
    """Keras LSTM, gates in the order i, f, c, o; states ``[h, c]``.

    ``unit_forget_bias=True`` initializes the forget-gate bias to 1.
    """

    _gates = 4
    _n_states = 2

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None, partition_info=None):
            return concat([base([u], dtype=dtype), constant(np.ones(u), dtype=dtype), base([2 * u], dtype=dtype)], 0)

        return init

    def _step(self, x, states):
        h, c = states
        z = self._inputs_part(x) + math_ops.matmul(h, self.recurrent_kernel)
        zi, zf, zc, zo = split(z, 4, axis=1)
        rec = self.recurrent_activation
        c = rec(zf) * c + rec(zi) * self.activation(zc)
        h = rec(zo) * self.activation(c)
        return h, [h, c]

    def get_config(self):
        return dict(super().get_config(), unit_forget_bias=self.unit_forget_bias)


class GRU(_RNN):
    """Keras GRU (``reset_after=False``), gates in the order z, r, h; state ``[h]``."""

    _gates = 3

    def __init__(self, units, reset_after=False, **kwargs):
        if reset_after:
            raise NotImplementedError("GRU: reset_after=True (the CuDNN variant) is not supported by kflow")
        super().__init__(units, **kwargs)

    def _step(self, x, states):
        h = states[0]
        xz, xr, xh = split(self._inputs_part(x), 3, axis=1)
        uz, ur, uh = split(self.recurrent_kernel, 3, axis=1)
        rec = self.recurrent_activation
        z = rec(xz + math_ops.matmul(h, uz))
        r = rec(xr + math_ops.matmul(h, ur))
        candidate = self.activation(xh + math_ops.matmul(r * h, uh))
        new_h = z * h + (1 - z) * candidate
        return new_h, [new_h]
