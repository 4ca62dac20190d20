"""Keras recurrent cells: SimpleRNNCell, LSTMCell, GRUCell and StackedRNNCells.

A cell computes one time step, ``call(inputs [batch, features], states) -> (output, new_states)``; the ``RNN``
layer (``kflow.layers.recurrent``) runs it over a sequence. The step math and the weights (Keras layout:
``kernel``, ``recurrent_kernel``, ``bias``) live in mixins that the SimpleRNN/LSTM/GRU layers share, so a
layer and ``RNN(cell)`` compute the same thing with the same weights.

``dropout`` / ``recurrent_dropout`` drop inputs / recurrent states with one mask per sequence (the same units
at every step, Gal & Ghahramani 2016), made by ``begin_sequence`` while training.

Example:
    >>> h = RNN(LSTMCell(32))(x)                       # as LSTM(32)(x)
    >>> h = RNN(StackedRNNCells([GRUCell(16), GRUCell(8)]), return_sequences=True)(x)
"""
import numpy as np

from kflow.engine import shapes
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.concat_ops import concat, split
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.dropout_op import dropout
from kflow import initializers
from kflow.layers import activations, regularizers, training_flag
from kflow.layers.base import Layer
from kflow.layers.kernel_bias import serialize


def ones_rows(x, size):
    """Ones of shape ``[batch of x, size]`` in ``x``'s dtype."""
    return array_ops.fill(concat([array_ops.shape(x)[:1], constant([size])], 0), constant(1, x.dtype))


class CellWeights:
    """Mixin: the configuration, weights and dropout masks of a Keras recurrent cell (or layer)."""

    _gates = 1
    _n_states = 1

    def _set_cell_config(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                         kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                         bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                         bias_regularizer=None, dropout=0.0, recurrent_dropout=0.0):
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if not 0 <= rate < 1:
                raise ValueError("%s: %s must be in [0, 1), got %r" % (type(self).__name__, name, rate))
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
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        self._masks = (None, None)

    @property
    def state_size(self):
        return [self.units] * self._n_states if self._n_states > 1 else self.units

    @property
    def output_size(self):
        return self.units

    def _build_weights(self, input_dim):
        if input_dim is None:
            raise ValueError("%s: the feature dimension of the inputs must be known" % type(self).__name__)
        n = self._gates * self.units
        self.kernel = self.add_weight("kernel", [input_dim, n], initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer)
        self.recurrent_kernel = self.add_weight("recurrent_kernel", [self.units, n],
                                                initializer=self.recurrent_initializer,
                                                regularizer=self.recurrent_regularizer)
        self.bias = self.add_weight("bias", self._bias_shape(n), initializer=self._bias_init(),
                                    regularizer=self.bias_regularizer) if self.use_bias else None

    def _bias_shape(self, n):
        return [n]

    def _bias_init(self):
        return self.bias_initializer

    def begin_sequence(self, first_inputs, training=None):
        """Draws this sequence's dropout masks (ones outside training) from one step's inputs ``[batch, dim]``."""
        def mask(size, rate):
            if not rate:
                return None
            ones = ones_rows(first_inputs, size)
            return training_flag.smart_select(training_flag.resolve(training),
                                              lambda: dropout(ones, rate=rate), lambda: ones)

        self._masks = (mask(first_inputs.shape.dims[-1], self.dropout), mask(self.units, self.recurrent_dropout))

    def step(self, x, states):
        """One step with this sequence's dropout masks: ``(output, new_states)``."""
        x_mask, h_mask = self._masks
        if x_mask is not None:
            x = x * x_mask
        recurrent = states[0] * h_mask if h_mask is not None else states[0]
        return self._step(x, recurrent, states)

    def _inputs_part(self, x):
        z = math_ops.matmul(x, self.kernel)
        return z + self.bias if self.use_bias else z

    def _cell_config(self):
        config = {"units": self.units, "activation": activations.serialize(self.activation),
                  "recurrent_activation": activations.serialize(self.recurrent_activation),
                  "use_bias": self.use_bias, "dropout": self.dropout, "recurrent_dropout": self.recurrent_dropout}
        for key in ("kernel_initializer", "recurrent_initializer", "bias_initializer"):
            config[key] = serialize(initializers, getattr(self, key))
        for key in ("kernel_regularizer", "recurrent_regularizer", "bias_regularizer"):
            config[key] = serialize(regularizers, getattr(self, key))
        return config


class SimpleMath:
    """``h' = activation(x W + h U + b)``: no recurrent activation (dropped from the arguments and config)."""

    def __init__(self, units, activation="tanh", **kwargs):
        kwargs.pop("recurrent_activation", None)
        super().__init__(units, activation=activation, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("recurrent_activation")
        return config

    def _step(self, x, h_dropped, states):
        h = self.activation(self._inputs_part(x) + math_ops.matmul(h_dropped, self.recurrent_kernel))
        return h, [h]


class LSTMMath:
    """Keras LSTM, gates in the order i, f, c, o; states ``[h, c]``; ``unit_forget_bias`` starts f's bias at 1."""

    _gates = 4
    _n_states = 2

    def _bias_init(self):
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape, dtype=None, partition_info=None):
            return concat([base([u], dtype=dtype), constant(np.ones(u), dtype=dtype), base([2 * u], dtype=dtype)], 0)

        return init

    def _step(self, x, h_dropped, states):
        c = states[1]
        z = self._inputs_part(x) + math_ops.matmul(h_dropped, self.recurrent_kernel)
        zi, zf, zc, zo = split(z, 4, axis=1)
        rec = self.recurrent_activation
        c = rec(zf) * c + rec(zi) * self.activation(zc)
        h = rec(zo) * self.activation(c)
        return h, [h, c]


class GRUMath:
    """Keras GRU, gates in the order z, r, h; state ``[h]``. ``reset_after=False`` (Keras 2.2) applies the reset
    gate to the state before its matmul; ``reset_after=True`` (tf.keras 2 and CuDNN) after it, with a second,
    recurrent bias (bias shape ``[2, 3 * units]``)."""

    _gates = 3
    reset_after = False

    def _bias_shape(self, n):
        return [2, n] if self.reset_after else [n]

    def _inputs_part(self, x):
        z = math_ops.matmul(x, self.kernel)
        if not self.use_bias:
            return z
        return z + (self.bias[0] if self.reset_after else self.bias)

    def _step(self, x, h_dropped, states):
        h = states[0]
        xz, xr, xh = split(self._inputs_part(x), 3, axis=1)
        rec = self.recurrent_activation
        if self.reset_after:
            inner = math_ops.matmul(h_dropped, self.recurrent_kernel)
            if self.use_bias:
                inner = inner + self.bias[1]
            hz, hr, hh = split(inner, 3, axis=1)
            z, r = rec(xz + hz), rec(xr + hr)
            candidate = self.activation(xh + r * hh)
        else:
            uz, ur, uh = split(self.recurrent_kernel, 3, axis=1)
            z = rec(xz + math_ops.matmul(h_dropped, uz))
            r = rec(xr + math_ops.matmul(h_dropped, ur))
            candidate = self.activation(xh + math_ops.matmul(r * h_dropped, uh))
        new_h = z * h + (1 - z) * candidate
        return new_h, [new_h]


class _KerasCell(CellWeights, Layer):
    """A cell layer: ``call(inputs, states, training=None) -> (output, new_states)``."""

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None, dropout=0.0,
                 recurrent_dropout=0.0, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(**kwargs)
        self._set_cell_config(units, activation, recurrent_activation, use_bias, kernel_initializer,
                              recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                              bias_regularizer, dropout, recurrent_dropout)

    def __call__(self, inputs, states, **kwargs):
        return super().__call__(inputs, states, **kwargs)

    def build(self, input_shape):
        self._build_weights(shapes.as_shape(input_shape).dims[-1])
        self.built = True

    def call(self, inputs, states, training=None):
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        return self.step(convert_to_tensor(inputs), states)

    def get_config(self):
        return dict(super().get_config(), **self._cell_config())


class SimpleRNNCell(SimpleMath, _KerasCell):
    """The cell of SimpleRNN. Example: ``RNN(SimpleRNNCell(8))(x)``."""


class LSTMCell(LSTMMath, _KerasCell):
    """The cell of LSTM; states ``[h, c]``. Example: ``RNN(LSTMCell(8))(x)``."""

    def __init__(self, units, unit_forget_bias=True, implementation=1, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def get_config(self):
        return dict(super().get_config(), unit_forget_bias=self.unit_forget_bias)


class GRUCell(GRUMath, _KerasCell):
    """The cell of GRU. Example: ``RNN(GRUCell(8, reset_after=True))(x)``."""

    def __init__(self, units, reset_after=False, implementation=1, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def get_config(self):
        return dict(super().get_config(), reset_after=self.reset_after)


class AbstractRNNCell(Layer):
    """The base of a user's Keras cell for ``RNN``: define ``state_size``, ``output_size`` and
    ``call(inputs, states) -> (output, new_states)``; ``get_initial_state`` gives zeros.

    Example:
        >>> class MinimalCell(AbstractRNNCell):
        ...     state_size = output_size = 4
        ...     def build(self, shape): self.w = self.add_weight("w", [shape[-1], 4])
        ...     def call(self, inputs, states): h = kf.matmul(inputs, self.w) + states[0]; return h, [h]
        >>> RNN(MinimalCell())(x)
    """

    @property
    def state_size(self):
        raise NotImplementedError("%s must define state_size" % type(self).__name__)

    @property
    def output_size(self):
        raise NotImplementedError("%s must define output_size" % type(self).__name__)

    def __call__(self, inputs, states, **kwargs):
        return super().__call__(inputs, states, **kwargs)

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        batch = array_ops.shape(inputs)[0] if batch_size is None else batch_size
        sizes = _flat_sizes(self)
        states = [array_ops.zeros([batch, n], dtype or inputs.dtype) for n in sizes]
        return states if isinstance(self.state_size, (list, tuple)) else states[0]


def _flat_sizes(cell):
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


class StackedRNNCells(Layer):
    """Several cells as one: each step runs them in order, each feeding the next; the states are all the
    cells' states, in order.

    Example:
        >>> RNN(StackedRNNCells([LSTMCell(16), LSTMCell(8)]))(x).shape      # [batch, 8]
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        self.cells = list(cells)

    @property
    def state_size(self):
        return [n for cell in self.cells for n in _flat_sizes(cell)]

    @property
    def output_size(self):
        return self.cells[-1].output_size

    def __call__(self, inputs, states, **kwargs):
        return super().__call__(inputs, states, **kwargs)

    def build(self, input_shape):
        dim = shapes.as_shape(input_shape).dims[-1]
        for cell in self.cells:
            if not cell.built:
                if cell._dtype is None:
                    cell._dtype = self._dtype
                cell.build(shapes.TensorShape([None, dim]))
                cell.built = True
            dim = cell.output_size
        self.built = True

    def begin_sequence(self, first_inputs, training=None):
        x = first_inputs
        for cell in self.cells:
            cell.begin_sequence(x, training)
            x = ones_rows(x, cell.output_size)

    def step(self, x, states):
        new_states, at = [], 0
        for cell in self.cells:
            n = len(_flat_sizes(cell))
            x, cell_states = cell.step(x, states[at:at + n])
            new_states += cell_states
            at += n
        return x, new_states

    def call(self, inputs, states, training=None):
        return self.step(convert_to_tensor(inputs), list(states))

    def get_config(self):
        return dict(super().get_config(), cells=[{"class_name": type(c).__name__, "config": c.get_config()}
                                                 for c in self.cells])

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        config["cells"] = [cell_from_config(c, custom_objects) for c in config["cells"]]
        return cls(**config)


KERAS_CELLS = {c.__name__: c for c in (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells)}


def cell_from_config(entry, custom_objects=None):
    """A cell from ``{"class_name", "config"}``: custom_objects, then the Keras cells (not TF1's LSTMCell)."""
    name = entry["class_name"]
    cls = (custom_objects or {}).get(name) or KERAS_CELLS.get(name)
    if cls is None:
        raise ValueError("Unknown RNN cell: %s. For a custom cell, pass custom_objects={'%s': %s}."
                         % (name, name, name))
    if cls is StackedRNNCells:
        return cls.from_config(entry["config"], custom_objects)
    return cls.from_config(entry["config"])
