"""Recurrent networks over time (``kf.nn.*_rnn``): static_rnn, dynamic_rnn and their bidirectional forms.

``static_rnn`` unrolls the cell over a Python list of steps. ``dynamic_rnn`` runs the cell in a While
loop (``kflow.engine.ops.while_op``) over the time dimension, which may be unknown until run time
(a placeholder with ``None`` time). Past each sequence's length the outputs are zero and the state is
carried through unchanged, exactly as in TF1, so the final state is the state at the last valid step.
Weights are shared across steps ("rnn/<cell>/kernel:0").

Example:
    >>> x = kf.placeholder(kf.float32, [None, None, 8])        # [batch, time, depth]
    >>> lengths = kf.placeholder(kf.int32, [None])
    >>> cell = kf.nn.rnn_cell.BasicLSTMCell(16)
    >>> outputs, state = kf.nn.dynamic_rnn(cell, x, sequence_length=lengths, dtype=kf.float32)
    >>> outputs.shape, state.h.shape
    (TensorShape([None, None, 16]), TensorShape([None, 16]))
"""
from kflow.engine import dtypes
from kflow.engine.operation import build_error
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.concat_ops import concat, stack, unstack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import expand_dims, reverse, transpose
from kflow.engine.ops.while_loop import flatten, pack_as
from kflow.engine.ops.while_op import build_loop
from kflow.layers import variable_scope as vs
from kflow.layers.rnn_cell import LSTMStateTuple
from kflow.nn.sequence_ops import reverse_sequence


def _map2(fn, a, b):
    """``fn`` applied leafwise to two states of the same structure (tensors, tuples, LSTMStateTuples)."""
    if isinstance(a, LSTMStateTuple):
        return LSTMStateTuple(*[_map2(fn, x, y) for x, y in zip(a, b)])
    if isinstance(a, (tuple, list)):
        return type(a)(_map2(fn, x, y) for x, y in zip(a, b))
    return fn(a, b)


def _lengths(sequence_length):
    seq = math_ops.cast(convert_to_tensor(sequence_length), dtypes.int32)
    if seq.shape.ndims not in (None, 1):
        raise build_error("RNN", "sequence_length", [seq], "sequence_length must be a vector of length batch_size, "
                          "but saw shape: %s" % seq.shape)
    return seq


def _unroll(cell, steps, initial_state, dtype, sequence_length):
    """Runs ``cell`` over the list ``steps`` ([batch, depth] each); returns (outputs list, final state)."""
    if not steps:
        raise ValueError("RNN inputs must not be empty (need at least one time step)")
    first = convert_to_tensor(steps[0])
    if initial_state is not None:
        state = initial_state
    else:
        if dtype is None:
            raise ValueError("If there is no initial_state, you must give a dtype.")
        batch = first.shape.dims[0] if first.shape.dims and first.shape.dims[0] is not None else \
            array_ops.shape(first)[0]
        state = cell.zero_state(batch, dtype)
    seq = _lengths(sequence_length) if sequence_length is not None else None
    outputs = []
    for t, x in enumerate(steps):
        out, new_state = cell(x, state)
        if seq is not None:
            # [batch, 1] mask: rows whose sequence already ended keep their state and emit zeros
            valid = expand_dims(comparison_ops.less(t, seq), 1)
            out = array_ops.where(valid, out, array_ops.zeros_like(out))
            new_state = _map2(lambda n, o: array_ops.where(valid, n, o), new_state, state)
        state = new_state
        outputs.append(out)
    return outputs, state


def static_rnn(cell, inputs, initial_state=None, dtype=None, sequence_length=None, scope=None):
    """Unrolls ``cell`` over the list ``inputs`` (``[batch, depth]`` tensors, one per step).

    Returns:
        ``(outputs, state)``: the list of per-step outputs and the final state.
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("static_rnn: inputs must be a list of [batch, depth] tensors, got %r" % (inputs,))
    with vs.variable_scope(scope or "rnn"):
        return _unroll(cell, list(inputs), initial_state, dtype, sequence_length)


def _time_steps(inputs, time_major, who):
    inputs = convert_to_tensor(inputs)
    dims = inputs.shape.dims
    axis = 0 if time_major else 1
    if dims is None or len(dims) < 3:
        raise build_error(who, who, [inputs], "%s: inputs must have rank >= 3 ([batch, time, depth]%s), got shape %s"
                          % (who, ", time_major=True: [time, batch, depth]" if time_major else "", inputs.shape))
    if dims[-1] is None:
        raise build_error(who, who, [inputs], "%s: the depth (last dimension) of the inputs must be known, got %s"
                          % (who, inputs.shape))
    return inputs, axis, dims[axis]


def _time_major(x, axis):
    if axis == 0:
        return x
    perm = [1, 0] + list(range(2, x.shape.ndims))
    return transpose(x, perm)


def dynamic_rnn(cell, inputs, sequence_length=None, initial_state=None, dtype=None, parallel_iterations=None,
                swap_memory=False, time_major=False, scope=None):
    """Runs ``cell`` over ``inputs`` ``[batch, time, depth]`` (``[time, batch, depth]`` when ``time_major``).

    The time dimension may be unknown until run time: the cell runs in a While loop, one iteration per
    step. ``sequence_length`` ([batch] ints) masks each sequence: outputs past its length are zero and its
    state stops changing.

    Returns:
        ``(outputs, final_state)``: outputs ``[batch, time, cell.output_size]`` (time-major if requested).
    """
    inputs, axis, steps = _time_steps(inputs, time_major, "dynamic_rnn")
    with vs.variable_scope(scope or "rnn"):
        seq_major = _time_major(inputs, axis)
        if initial_state is not None:
            state = initial_state
        else:
            if dtype is None:
                raise ValueError("If there is no initial_state, you must give a dtype.")
            dims = seq_major.shape.dims
            batch = dims[1] if dims[1] is not None else array_ops.shape(seq_major)[1]
            state = cell.zero_state(batch, dtype)
        seq = _lengths(sequence_length) if sequence_length is not None else None
        leaves = [convert_to_tensor(s) for s in flatten(state)]

        def body(vals, slices):
            t, old = vals[0], pack_as(state, vals[1:])
            out, new = cell(slices[0], old)
            if seq is not None:
                # [batch, 1] mask: rows whose sequence already ended keep their state and emit zeros
                valid = expand_dims(comparison_ops.less(t, seq), 1)
                out = array_ops.where(valid, out, array_ops.zeros_like(out))
                new = _map2(lambda n, o: array_ops.where(valid, n, o), new, old)
            return [t + 1] + flatten(new), [out]

        init = [convert_to_tensor(0)] + leaves
        vals, (outputs,) = build_loop(None, body, init,  # one iteration per time step of the inputs
                                      [x.shape for x in init], sliced=[seq_major], name="while",
                                      emit_length=steps)
        final = pack_as(state, vals[1:])
        return _time_major(outputs, axis), final


def bidirectional_dynamic_rnn(cell_fw, cell_bw, inputs, sequence_length=None, initial_state_fw=None,
                              initial_state_bw=None, dtype=None, parallel_iterations=None, swap_memory=False,
                              time_major=False, scope=None):
    """A forward and a backward ``dynamic_rnn`` (weights under "bidirectional_rnn/fw/" and ".../bw/").

    The backward cell reads each sequence reversed within its length; its outputs are reversed back.

    Returns:
        ``((output_fw, output_bw), (state_fw, state_bw))``.
    """
    inputs, axis, _ = _time_steps(inputs, time_major, "bidirectional_dynamic_rnn")
    batch_axis = 1 - axis

    def flip(x):
        if sequence_length is None:
            return reverse(x, [axis])
        return reverse_sequence(x, sequence_length, seq_axis=axis, batch_axis=batch_axis)

    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            out_fw, state_fw = dynamic_rnn(cell_fw, inputs, sequence_length, initial_state_fw, dtype,
                                           time_major=time_major, scope=fw_scope)
        with vs.variable_scope("bw") as bw_scope:
            out_bw, state_bw = dynamic_rnn(cell_bw, flip(inputs), sequence_length, initial_state_bw, dtype,
                                           time_major=time_major, scope=bw_scope)
            out_bw = flip(out_bw)
    return (out_fw, out_bw), (state_fw, state_bw)


def static_bidirectional_rnn(cell_fw, cell_bw, inputs, initial_state_fw=None, initial_state_bw=None, dtype=None,
                             sequence_length=None, scope=None):
    """``static_rnn`` both ways over the list ``inputs``; outputs are ``concat([fw, bw], 1)`` per step.

    Returns:
        ``(outputs, state_fw, state_bw)``.
    """
    if not isinstance(inputs, (list, tuple)) or not inputs:
        raise TypeError("static_bidirectional_rnn: inputs must be a non-empty list of tensors")
    seq = stack(list(inputs), axis=0)
    with vs.variable_scope(scope or "bidirectional_rnn"):
        with vs.variable_scope("fw") as fw_scope:
            out_fw, state_fw = static_rnn(cell_fw, inputs, initial_state_fw, dtype, sequence_length, fw_scope)
        with vs.variable_scope("bw") as bw_scope:
            rev = reverse(seq, [0]) if sequence_length is None else \
                reverse_sequence(seq, sequence_length, seq_axis=0, batch_axis=1)
            tmp, state_bw = static_rnn(cell_bw, unstack(rev, num=len(inputs), axis=0), initial_state_bw, dtype,
                                       sequence_length, bw_scope)
            back = stack(tmp, axis=0)
            back = reverse(back, [0]) if sequence_length is None else \
                reverse_sequence(back, sequence_length, seq_axis=0, batch_axis=1)
    outputs = [concat([f, b], 1) for f, b in zip(out_fw, unstack(back, num=len(inputs), axis=0))]
    return outputs, state_fw, state_bw
