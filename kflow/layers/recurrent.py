"""Keras recurrent layers: ``RNN(cell)`` and SimpleRNN, LSTM, GRU (Keras weight layout: kernel,
recurrent_kernel, bias).

Like ``kf.nn.dynamic_rnn`` they run the cell in a While loop over the time dimension of the inputs
``[batch, time, features]``, which may be unknown until run time (``Input(shape=(None, features))``);
``unroll=True`` repeats the step in the graph instead. Defaults follow Keras 2.2 / TF 1.x: ``recurrent_activation``
is "hard_sigmoid", the recurrent kernel is orthogonal, LSTM's forget-gate bias starts at 1,
and GRU uses ``reset_after=False``. A boolean ``mask`` ([batch, time], e.g. from
``Embedding(mask_zero=True)`` or ``Masking``) makes masked steps keep the previous output and state.
``dropout`` / ``recurrent_dropout`` drop inputs / states while training (one mask per sequence);
``stateful=True`` (with a fixed batch size) carries the last states of a batch over to the next until
``reset_states()``.

Example:
    >>> h = LSTM(32, return_sequences=True, dropout=0.2)(x)   # weights "lstm/kernel:0", "lstm/recurrent_kernel:0"
    >>> last, state_h = GRU(16, return_state=True)(h)
    >>> h = RNN(LSTMCell(32))(x)                              # the same computation as LSTM(32)
"""
import numpy as np

from kflow.engine import shapes
from kflow.engine.graph_session import get_session
from kflow.engine.ops import array_ops
from kflow.engine.ops.concat_ops import stack, unstack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.graph import control_dependencies
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.shape_ops import expand_dims, reverse, transpose
from kflow.engine.ops.while_op import build_loop
from kflow.engine.variables import Variable
from kflow.layers import regularizers
from kflow.layers.base import Layer, InputSpec
from kflow.layers.recurrent_cells import (CellWeights, GRUMath, LSTMMath, SimpleMath, StackedRNNCells,
                                          cell_from_config)


def time_major(x):
    """Swaps the batch and time axes (``[batch, time, ...]`` <-> ``[time, batch, ...]``)."""
    return transpose(x, [1, 0] + list(range(2, x.shape.ndims)))


def _batch(x):
    return x.shape.dims[0] if x.shape.dims[0] is not None else array_ops.shape(x)[0]


def zero_step_output(probe, batch):
    """Zeros shaped as a step's output ``probe`` with ``batch`` rows: the output before the first step, which
    masked steps carry on (the probe is a step built outside the loop only to learn that shape; it runs only
    when the shape is not known statically)."""
    dims = probe.shape.dims
    if dims is None or None in dims[1:]:
        return array_ops.zeros_like(probe)
    return array_ops.zeros([batch] + list(dims[1:]), probe.dtype)


def expand_mask(mask, x):
    """The ``[batch]`` step mask with trailing axes of size 1, to select rows of tensors shaped like ``x``."""
    while mask.shape.ndims < x.shape.ndims:
        mask = expand_dims(mask, -1)
    return mask


def _any_batch(shape):
    """A loop variable's shape invariant: its batch size may be known outside the loop only."""
    return shapes.TensorShape([None] + list(shape.dims[1:])) if shape.dims else shape


def _sizes(cell):
    size = cell.state_size
    return list(size) if isinstance(size, (list, tuple)) else [size]


class RNN(Layer):
    """Runs ``cell`` over the time axis of ``[batch, time, features]`` inputs.

    Args:
        cell: a cell (``SimpleRNNCell``, ``LSTMCell``, ``GRUCell``, ``StackedRNNCells``, a list of cells, or a
            custom cell layer with ``state_size`` and ``call(inputs, states) -> (output, new_states)``).
        return_sequences: return every step's output ``[batch, time, units]`` (default: the last only).
        return_state: also return the final states.
        go_backwards: read the sequence from its end.
        stateful: keep the final states for the next batch (needs a fixed batch size: ``batch_input_shape``
            or ``batch_size``); ``reset_states()`` zeroes them.
        unroll: repeat the step in the graph instead of a While loop (needs a known time dimension; faster
            to run only for short sequences, slower to build).

    Call: ``layer(inputs, mask=None, training=None, initial_state=None)``.
    """

    def __init__(self, cell=None, return_sequences=False, return_state=False, go_backwards=False, stateful=False,
                 unroll=False, time_major=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(cell, (list, tuple)):
            cell = StackedRNNCells(cell)
        self.cell = cell
        self.return_sequences = return_sequences
        self.return_state = return_state
        self.go_backwards = go_backwards
        self.stateful = stateful
        self.unroll = unroll
        if time_major:
            raise NotImplementedError("%s: time_major=True is not supported by kflow" % type(self).__name__)
        self.input_spec = InputSpec(ndim=3)
        self.supports_masking = True
        self.states = None

    @property
    def _cell(self):
        return self if self.cell is None else self.cell

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None or dims[-1] is None:
            raise ValueError("%s: the feature dimension of the inputs must be known, got %s"
                             % (type(self).__name__, shapes.as_shape(input_shape)))
        if self.cell is None:
            self._build_weights(dims[-1])
        elif not self.cell.built:
            if self.cell._dtype is None:
                self.cell._dtype = self._dtype  # weights in the inputs' dtype, as the layer's own
            self.cell.build(shapes.TensorShape([None, dims[-1]]))
            self.cell.built = True
        if self.stateful:
            if dims[0] is None:
                raise ValueError("%s: a stateful RNN needs a fixed batch size: give the first layer "
                                 "`batch_input_shape=(batch, time, features)` (or `batch_size=`); got input shape "
                                 "%s" % (type(self).__name__, shapes.as_shape(input_shape)))
            dtype = self._dtype.as_numpy_dtype if self._dtype is not None else np.float32
            # not weights (never saved, never trained): the carried-over states of the last batch
            self.states = [Variable(np.zeros((dims[0], n), dtype), trainable=False, name="states_%d" % i)
                           for i, n in enumerate(_sizes(self._cell))]
        self.built = True

    def reset_states(self, states=None):
        """Zeroes the carried states (or sets them to ``states``, a list of arrays)."""
        if not self.stateful:
            raise AttributeError("%s: reset_states needs stateful=True" % type(self).__name__)
        if self.states is None:
            return
        values = states if states is not None else [None] * len(self.states)
        values = values if isinstance(values, (list, tuple)) else [values]
        for var, value in zip(self.states, values):
            var.load(np.zeros(var.shape.as_list()) if value is None else value, get_session(var.graph))

    def _initial_states(self, x, initial_state):
        if initial_state is not None:
            return list(initial_state) if isinstance(initial_state, (list, tuple)) else [initial_state]
        if self.stateful:
            return [identity(v) for v in self.states]
        return [array_ops.zeros([_batch(x), n], x.dtype) for n in _sizes(self._cell)]

    def call(self, inputs, mask=None, training=None, initial_state=None):
        x = convert_to_tensor(inputs)
        cell = self._cell
        states = self._initial_states(x, initial_state)
        sliced = [time_major(x)] + ([time_major(convert_to_tensor(mask))] if mask is not None else [])
        if self.go_backwards:
            sliced = [reverse(s, [0]) for s in sliced]
        if hasattr(cell, "begin_sequence"):
            cell.begin_sequence(sliced[0][0], training)
            step = cell.step
        else:  # a user's cell: a layer called on (inputs, states)
            def step(inputs_t, states_t):
                output_t, new = cell(inputs_t, states_t)
                return output_t, list(new) if isinstance(new, (list, tuple)) else [new]
        # loop variables: the states, and with a mask the last output (which masked steps carry on)
        init = states + ([zero_step_output(step(sliced[0][0], states)[0], _batch(x))] if mask is not None else [])

        def body(vals, slices):
            old = vals[:len(states)]
            output, new_states = step(slices[0], old)
            if mask is not None:
                keep = expand_mask(slices[1], output)
                output = array_ops.where(keep, output, vals[-1])
                new_states = [array_ops.where(keep, n, o) for n, o in zip(new_states, old)]
            return list(new_states) + ([output] if mask is not None else []), [output]

        dims = x.shape.dims
        if self.unroll:
            final, outputs = self._unrolled(body, init, sliced, dims[1])
        else:
            final, (outputs,) = build_loop(None, body, init, [_any_batch(t.shape) for t in init], sliced=sliced,
                                           name="while", emit_length=dims[1])
        states = final[:len(states)]
        if self.return_sequences:
            result = time_major(outputs)
            result.set_shape([dims[0], dims[1]] + list(outputs.shape.dims[2:]))
        else:
            result = final[-1] if mask is not None else outputs[-1]
        if self.stateful:
            with control_dependencies([v.assign(s) for v, s in zip(self.states, states)]):
                result = identity(result)
        return [result] + list(states) if self.return_state else result

    def _unrolled(self, body, init, sliced, steps):
        """``unroll=True``: the loop body repeated for each of the ``steps`` (which must be known) in the graph:
        ``(final values, stacked outputs)``, as build_loop returns them."""
        if steps is None:
            raise ValueError("%s: unroll=True needs the time dimension, which must be known when the graph is "
                             "built (got input shape %s)" % (type(self).__name__, sliced[0].shape))
        vals, outputs = init, []
        for slices in zip(*[unstack(s, num=steps, axis=0) for s in sliced]):
            vals, (output,) = body(vals, list(slices))
            outputs.append(output)
        return vals, stack(outputs, axis=0)

    def compute_mask(self, inputs, mask=None):
        # the time mask still applies to a returned sequence; a last output has no time axis left
        return mask if self.return_sequences else None

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        units = self._cell.output_size
        out = shapes.TensorShape([dims[0], dims[1], units] if self.return_sequences else [dims[0], units])
        if self.return_state:
            return [out] + [shapes.TensorShape([dims[0], n]) for n in _sizes(self._cell)]
        return out

    def get_config(self):
        config = dict(super().get_config(), return_sequences=self.return_sequences, return_state=self.return_state,
                      go_backwards=self.go_backwards, stateful=self.stateful)
        if self.cell is not None:
            config["cell"] = {"class_name": type(self.cell).__name__, "config": self.cell.get_config()}
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if "cell" in config:
            config["cell"] = cell_from_config(config["cell"], custom_objects)
        return cls(**config)


class _BuiltinRNN(CellWeights, RNN):
    """SimpleRNN, LSTM, GRU: an RNN that is its own cell (weights "lstm/kernel:0", as Keras 2.2 names them)."""

    def __init__(self, units, activation="tanh", recurrent_activation="hard_sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal", bias_initializer="zeros",
                 kernel_regularizer=None, recurrent_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, implementation=1, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self._set_cell_config(units, activation, recurrent_activation, use_bias, kernel_initializer,
                              recurrent_initializer, bias_initializer, kernel_regularizer, recurrent_regularizer,
                              bias_regularizer, dropout, recurrent_dropout)

    def get_config(self):
        return dict(super().get_config(), **self._cell_config())

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return cls(**config)


class SimpleRNN(SimpleMath, _BuiltinRNN):
    """``h' = activation(x W + h U + b)``."""


class LSTM(LSTMMath, _BuiltinRNN):
    """Keras LSTM, gates in the order i, f, c, o; states ``[h, c]``.

    ``unit_forget_bias=True`` initializes the forget-gate bias to 1.
    """

    def __init__(self, units, unit_forget_bias=True, **kwargs):
        super().__init__(units, **kwargs)
        self.unit_forget_bias = unit_forget_bias

    def get_config(self):
        return dict(super().get_config(), unit_forget_bias=self.unit_forget_bias)


class GRU(GRUMath, _BuiltinRNN):
    """Keras GRU, gates in the order z, r, h; state ``[h]``; ``reset_after`` as in tf.keras (default False, as
    Keras 2.2)."""

    def __init__(self, units, reset_after=False, **kwargs):
        super().__init__(units, **kwargs)
        self.reset_after = bool(reset_after)

    def get_config(self):
        return dict(super().get_config(), reset_after=self.reset_after)


_RNN = RNN  # the name Bidirectional checks
