"""RNN cells (``kf.nn.rnn_cell``): BasicRNNCell, BasicLSTMCell, LSTMCell, GRUCell, MultiRNNCell.

A cell maps ``(inputs [batch, depth], state) -> (output, new_state)`` for one time step.
Cells are layers: their weights are made on the first call, under the enclosing variable
scope, with TF1's names ("rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"),
and every later call (every time step) shares them.

Example:
    >>> cell = kf.nn.rnn_cell.LSTMCell(32)
    >>> outputs, state = kf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=kf.float32)
    >>> state.h                                   # an LSTMStateTuple(c, h)
"""
import collections

from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.clip_ops import clip_by_value
from kflow.engine.ops.concat_ops import concat, split
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow import initializers, nn
from kflow.layers import activations
from kflow.layers import variable_scope as vs
from kflow.layers.base import Layer
from kflow.layers.core import last_dim


class LSTMStateTuple(collections.namedtuple("LSTMStateTuple", ("c", "h"))):
    """The (cell state ``c``, hidden output ``h``) pair of LSTM cells."""

    __slots__ = ()

    @property
    def dtype(self):
        if self.c.dtype is not self.h.dtype:
            raise TypeError("Inconsistent internal state: %s vs %s" % (self.c.dtype.name, self.h.dtype.name))
        return self.c.dtype


class RNNCell(Layer):
    """Base class: subclasses define ``state_size``, ``output_size`` and ``call(inputs, state)``."""

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)

    @property
    def state_size(self):
        raise NotImplementedError

    @property
    def output_size(self):
        raise NotImplementedError

    def __call__(self, inputs, state, scope=None):
        """One step: returns ``(output, new_state)``; ``scope`` fixes the variable scope on the first call."""
        if scope is not None:
            return super().__call__(inputs, state, scope=scope)
        return super().__call__(inputs, state)

    def zero_state(self, batch_size, dtype):
        """All-zero state(s) shaped ``[batch_size, size]`` for each entry of ``state_size``."""
        return _map_structure(self.state_size, lambda n: array_ops.zeros([batch_size, n], dtype))

    def get_initial_state(self, inputs=None, batch_size=None, dtype=None):
        if inputs is not None:
            inputs = convert_to_tensor(inputs)
            batch_size = inputs.shape.dims[0] if inputs.shape.dims[0] is not None else array_ops.shape(inputs)[0]
            dtype = dtype or inputs.dtype
        return self.zero_state(batch_size, dtype)


class LayerRNNCell(RNNCell):
    """TF1's name for an RNNCell built like a layer (all cells here are)."""


def _map_structure(s, fn):
    if isinstance(s, LSTMStateTuple):
        return LSTMStateTuple(*[_map_structure(x, fn) for x in s])
    if isinstance(s, (tuple, list)):
        return type(s)(_map_structure(x, fn) for x in s)
    return fn(s)


class BasicRNNCell(LayerRNNCell):
    """``h' = activation(W [x, h] + b)`` (activation default tanh); the output is ``h'``."""

    def __init__(self, num_units, activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = activations.get(activation) if activation is not None else math_ops.tanh

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = last_dim(inputs_shape, type(self).__name__)
        self._kernel = self.add_weight("kernel", [depth + self._num_units, self._num_units])
        self._bias = self.add_weight("bias", [self._num_units], initializer=initializers.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        out = self._activation(nn.bias_add(math_ops.matmul(concat([inputs, state], 1), self._kernel), self._bias))
        return out, out

    def get_config(self):
        return dict(super().get_config(), num_units=self._num_units)


class BasicLSTMCell(LayerRNNCell):
    """The LSTM of Zaremba et al. with ``forget_bias`` added to the forget gate (no peepholes, no clipping).

    Gates come from one matmul: ``[i, j, f, o] = split(W [x, h] + b, 4)``;
    ``c' = c * sigmoid(f + forget_bias) + sigmoid(i) * tanh(j)``, ``h' = tanh(c') * sigmoid(o)``.
    """

    def __init__(self, num_units, forget_bias=1.0, state_is_tuple=True, activation=None, reuse=None, name=None,
                 dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._forget_bias = forget_bias
        self._state_is_tuple = state_is_tuple
        self._activation = activations.get(activation) if activation is not None else math_ops.tanh

    @property
    def state_size(self):
        n = self._num_units
        return LSTMStateTuple(n, n) if self._state_is_tuple else 2 * n

    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = last_dim(inputs_shape, type(self).__name__)
        n = self._num_units
        self._kernel = self.add_weight("kernel", [depth + n, 4 * n])
        self._bias = self.add_weight("bias", [4 * n], initializer=initializers.zeros_initializer())
        self.built = True

    def _split_state(self, state):
        if self._state_is_tuple:
            return state
        return split(state, 2, axis=1)

    def _join_state(self, c, h):
        return LSTMStateTuple(c, h) if self._state_is_tuple else concat([c, h], 1)

    def call(self, inputs, state):
        c, h = self._split_state(state)
        gates = nn.bias_add(math_ops.matmul(concat([inputs, h], 1), self._kernel), self._bias)
        i, j, f, o = split(gates, 4, axis=1)
        sigmoid = math_ops.sigmoid
        new_c = c * sigmoid(f + self._forget_bias) + sigmoid(i) * self._activation(j)
        new_h = self._activation(new_c) * sigmoid(o)
        return new_h, self._join_state(new_c, new_h)

    def get_config(self):
        return dict(super().get_config(), num_units=self._num_units, forget_bias=self._forget_bias,
                    state_is_tuple=self._state_is_tuple)


class LSTMCell(BasicLSTMCell):
    """LSTM with optional peepholes, cell clipping and an output projection (TF1 ``LSTMCell``).

    Args:
        num_units: size of the cell state.
        use_peepholes: adds diagonal peephole weights ``w_f_diag``, ``w_i_diag``, ``w_o_diag``.
        cell_clip: clips the cell state to ``[-cell_clip, cell_clip]``.
        initializer: the kernel initializer (default glorot_uniform).
        num_proj / proj_clip: projects ``h`` to ``num_proj`` units ("projection/kernel"), optionally clipped.
        forget_bias: added to the forget gate's pre-activation (default 1.0).
    """

    def __init__(self, num_units, use_peepholes=False, cell_clip=None, initializer=None, num_proj=None,
                 proj_clip=None, num_unit_shards=None, num_proj_shards=None, forget_bias=1.0, state_is_tuple=True,
                 activation=None, reuse=None, name=None, dtype=None, **kwargs):
        super().__init__(num_units, forget_bias, state_is_tuple, activation, reuse, name, dtype, **kwargs)
        self._use_peepholes = use_peepholes
        self._cell_clip = cell_clip
        self._initializer = initializers.get(initializer)
        self._num_proj = num_proj
        self._proj_clip = proj_clip

    @property
    def state_size(self):
        n, h = self._num_units, self._num_proj or self._num_units
        return LSTMStateTuple(n, h) if self._state_is_tuple else n + h

    output_size = property(lambda self: self._num_proj or self._num_units)

    def build(self, inputs_shape):
        depth = last_dim(inputs_shape, type(self).__name__)
        n, h = self._num_units, self._num_proj or self._num_units
        self._kernel = self.add_weight("kernel", [depth + h, 4 * n], initializer=self._initializer)
        self._bias = self.add_weight("bias", [4 * n], initializer=initializers.zeros_initializer())
        if self._use_peepholes:
            self._w_f_diag = self.add_weight("w_f_diag", [n], initializer=self._initializer)
            self._w_i_diag = self.add_weight("w_i_diag", [n], initializer=self._initializer)
            self._w_o_diag = self.add_weight("w_o_diag", [n], initializer=self._initializer)
        if self._num_proj is not None:
            self._proj_kernel = self.add_weight("projection/kernel", [n, self._num_proj],
                                                initializer=self._initializer)
        self.built = True

    def _split_state(self, state):
        if self._state_is_tuple:
            return state
        return split(state, [self._num_units, self._num_proj or self._num_units], axis=1)

    def call(self, inputs, state):
        c_prev, m_prev = self._split_state(state)
        sigmoid, act = math_ops.sigmoid, self._activation
        gates = nn.bias_add(math_ops.matmul(concat([inputs, m_prev], 1), self._kernel), self._bias)
        i, j, f, o = split(gates, 4, axis=1)
        if self._use_peepholes:
            c = (sigmoid(f + self._forget_bias + self._w_f_diag * c_prev) * c_prev +
                 sigmoid(i + self._w_i_diag * c_prev) * act(j))
        else:
            c = sigmoid(f + self._forget_bias) * c_prev + sigmoid(i) * act(j)
        if self._cell_clip is not None:
            c = clip_by_value(c, -self._cell_clip, self._cell_clip)
        m = sigmoid(o + self._w_o_diag * c) * act(c) if self._use_peepholes else sigmoid(o) * act(c)
        if self._num_proj is not None:
            m = math_ops.matmul(m, self._proj_kernel)
            if self._proj_clip is not None:
                m = clip_by_value(m, -self._proj_clip, self._proj_clip)
        return m, self._join_state(c, m)

    def get_config(self):
        return dict(super().get_config(), use_peepholes=self._use_peepholes, cell_clip=self._cell_clip,
                    num_proj=self._num_proj, proj_clip=self._proj_clip)


class GRUCell(LayerRNNCell):
    """Gated recurrent unit (Cho et al. 2014) with TF1's weight layout.

    ``[r, u] = sigmoid(W_g [x, h] + b_g)`` ("gates/kernel", bias initialized to 1),
    ``c = tanh(W_c [x, r * h] + b_c)`` ("candidate/kernel"), ``h' = u * h + (1 - u) * c``.
    """

    def __init__(self, num_units, activation=None, reuse=None, kernel_initializer=None, bias_initializer=None,
                 name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype, _reuse=reuse, **kwargs)
        self._num_units = num_units
        self._activation = activations.get(activation) if activation is not None else math_ops.tanh
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)

    state_size = property(lambda self: self._num_units)
    output_size = property(lambda self: self._num_units)

    def build(self, inputs_shape):
        depth = last_dim(inputs_shape, type(self).__name__)
        n = self._num_units
        self._gate_kernel = self.add_weight("gates/kernel", [depth + n, 2 * n], initializer=self._kernel_initializer)
        self._gate_bias = self.add_weight("gates/bias", [2 * n], initializer=self._bias_initializer or
                                          initializers.constant_initializer(1.0))
        self._candidate_kernel = self.add_weight("candidate/kernel", [depth + n, n],
                                                 initializer=self._kernel_initializer)
        self._candidate_bias = self.add_weight("candidate/bias", [n], initializer=self._bias_initializer or
                                               initializers.zeros_initializer())
        self.built = True

    def call(self, inputs, state):
        gates = math_ops.sigmoid(nn.bias_add(math_ops.matmul(concat([inputs, state], 1), self._gate_kernel),
                                           self._gate_bias))
        r, u = split(gates, 2, axis=1)
        candidate = nn.bias_add(math_ops.matmul(concat([inputs, r * state], 1), self._candidate_kernel),
                              self._candidate_bias)
        c = self._activation(candidate)
        new_h = u * state + (1 - u) * c
        return new_h, new_h

    def get_config(self):
        return dict(super().get_config(), num_units=self._num_units)


class MultiRNNCell(RNNCell):
    """Stacks cells: the output of cell ``k`` feeds cell ``k + 1``; weights go under "cell_0/", "cell_1/"...

    Example:
        >>> cell = MultiRNNCell([LSTMCell(64), LSTMCell(64)])    # rnn/multi_rnn_cell/cell_0/lstm_cell/kernel
    """

    def __init__(self, cells, state_is_tuple=True):
        super().__init__()
        if not cells:
            raise ValueError("Must specify at least one cell for MultiRNNCell.")
        if len(set(id(c) for c in cells)) != len(cells):
            raise ValueError("MultiRNNCell: the same cell object appears twice; create one cell per layer "
                             "(a repeated cell would share its weights across layers).")
        self._cells = list(cells)
        self._state_is_tuple = state_is_tuple

    @property
    def state_size(self):
        sizes = tuple(c.state_size for c in self._cells)
        return sizes if self._state_is_tuple else sum(sizes)

    output_size = property(lambda self: self._cells[-1].output_size)

    def zero_state(self, batch_size, dtype):
        if self._state_is_tuple:
            return tuple(c.zero_state(batch_size, dtype) for c in self._cells)
        return super().zero_state(batch_size, dtype)

    def call(self, inputs, state):
        cur, new_states, offset = inputs, [], 0
        for i, cell in enumerate(self._cells):
            with vs.variable_scope("cell_%d" % i):
                if self._state_is_tuple:
                    cur_state = state[i]
                else:
                    size = cell.state_size
                    cur_state = state[:, offset:offset + size]
                    offset += size
                cur, new_state = cell(cur, cur_state)
                new_states.append(new_state)
        return cur, (tuple(new_states) if self._state_is_tuple else concat(new_states, 1))


class DropoutWrapper(RNNCell):
    """Applies dropout to a cell's inputs and/or outputs (keep probabilities may be tensors).

    The wrapper opens no variable scope of its own, so the wrapped cell's weights keep their names.
    """

    def __init__(self, cell, input_keep_prob=1.0, output_keep_prob=1.0, state_keep_prob=1.0, seed=None, **kwargs):
        super().__init__()
        if state_keep_prob != 1.0:
            raise NotImplementedError("DropoutWrapper: state_keep_prob is not supported (use 1.0)")
        self._cell = cell
        self._input_keep_prob, self._output_keep_prob = input_keep_prob, output_keep_prob
        self._seed = seed

    state_size = property(lambda self: self._cell.state_size)
    output_size = property(lambda self: self._cell.output_size)

    def zero_state(self, batch_size, dtype):
        return self._cell.zero_state(batch_size, dtype)

    def _drop(self, x, keep):
        if not hasattr(keep, "op") and float(keep) == 1.0:
            return x
        return nn.dropout(x, keep_prob=keep, seed=self._seed)

    def __call__(self, inputs, state, scope=None):
        return self.call(inputs, state)

    def call(self, inputs, state):
        out, new_state = self._cell(self._drop(inputs, self._input_keep_prob), state)
        return self._drop(out, self._output_keep_prob), new_state
