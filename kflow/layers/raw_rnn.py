"""``kf.nn.raw_rnn``: an RNN whose inputs, stopping and emitted values come from a user ``loop_fn``.

TF1's contract: ``loop_fn(time, cell_output, cell_state, loop_state)`` returns ``(elements_finished,
next_input, next_cell_state, emit_output, next_loop_state)``; it is called once with ``cell_output=None``
(time 0) for the initial values, then after every cell step. The loop runs (in a While op) until every
batch entry is finished; finished entries emit zeros and keep their state.

The emitted values come back as TF1's do: a TensorArray per emitted tensor (in the emit's structure), whose
``stack()`` gives the ``[time, batch, ...]`` tensor. (The loop itself emits through the While op's stacked
emits, so a step does no TensorArray write.)

Example:
    >>> def loop_fn(time, cell_output, cell_state, loop_state):
    ...     state = cell.zero_state(batch, kf.float32) if cell_output is None else cell_state
    ...     finished = time >= lengths
    ...     next_input = kf.cond(kf.reduce_all(finished), lambda: kf.zeros([batch, depth]),
    ...                          lambda: inputs_tm[kf.minimum(time, max_time - 1)])
    ...     return finished, next_input, state, cell_output, None
    >>> emit_ta, final_state, _ = kf.nn.raw_rnn(cell, loop_fn)
    >>> outputs = emit_ta.stack()                               # [time, batch, units]
"""
from kflow.engine.ops import array_ops, comparison_ops, reduction_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import expand_dims
from kflow.engine.ops.tensor_array import TensorArray
from kflow.engine.ops.while_loop import flatten, pack_as
from kflow.engine.ops.while_op import build_loop
from kflow.layers import variable_scope as vs


def _emit_arrays(stacked):
    """One TensorArray per emitted tensor, holding its values over time."""
    element_shape = stacked.shape[1:] if stacked.shape.dims is not None else None
    return TensorArray(stacked.dtype, size=array_ops.shape(stacked)[0], element_shape=element_shape,
                       tensor_array_name="raw_rnn_emit").unstack(stacked)


def _rows(mask, x):
    """``mask`` ([batch] bool) shaped to select whole rows of ``x``."""
    for _ in range(max((x.shape.ndims or 1) - 1, 0)):
        mask = expand_dims(mask, -1)
    return mask


def raw_rnn(cell, loop_fn, parallel_iterations=None, swap_memory=False, scope=None):
    """TF1's ``tf.nn.raw_rnn`` (see the module docstring).

    Returns:
        ``(emit_ta, final_state, final_loop_state)``: ``emit_ta`` a TensorArray (a structure of them when
        the emit nests); ``emit_ta.stack()`` is ``[time, batch, ...]``.
    """
    if not callable(loop_fn):
        raise TypeError("raw_rnn: loop_fn must be a callable")
    with vs.variable_scope(scope or "rnn"):
        time0 = convert_to_tensor(0)
        finished, first_input, state, _, loop_state = loop_fn(time0, None, None, None)  # (emits come per step)
        if state is None:
            raise ValueError("raw_rnn: loop_fn must return an initial cell state when cell_output is None")
        finished = convert_to_tensor(finished)
        has_loop_state = loop_state is not None
        state_leaves = [convert_to_tensor(s) for s in flatten(state)]
        loop_leaves = [convert_to_tensor(s) for s in flatten(loop_state)] if has_loop_state else []
        first_input = convert_to_tensor(first_input)
        init = [time0, finished, first_input] + state_leaves + loop_leaves
        n_state = len(state_leaves)
        emits_structure = {}

        def body(vals, _):
            time, done, inp = vals[:3]
            old_state = pack_as(state, vals[3:3 + n_state])
            old_loop = pack_as(loop_state, vals[3 + n_state:]) if has_loop_state else None
            output, cell_state = cell(inp, old_state)
            next_done, next_input, next_state, emit, next_loop = loop_fn(time + 1, output, cell_state, old_loop)
            emit = output if emit is None else emit
            emits_structure["emit"] = emit
            emits = [convert_to_tensor(e) for e in flatten(emit)]
            emits = [array_ops.where(_rows(done, e), array_ops.zeros_like(e), e) for e in emits]
            new_state = [array_ops.where(_rows(done, o), o, n) for o, n in
                         zip(vals[3:3 + n_state], [convert_to_tensor(s) for s in flatten(next_state)])]
            loop_out = [convert_to_tensor(s) for s in flatten(next_loop)] if has_loop_state else []
            done = comparison_ops.logical_or(done, convert_to_tensor(next_done))
            return [time + 1, done, convert_to_tensor(next_input)] + new_state + loop_out, emits

        def not_all_done(vals, _):
            return comparison_ops.logical_not(reduction_ops.reduce_all(vals[1]))

        vals, stacked = build_loop(not_all_done, body, init, [t.shape for t in init], name="raw_rnn")
        final_state = pack_as(state, vals[3:3 + n_state])
        final_loop = pack_as(loop_state, vals[3 + n_state:]) if has_loop_state else None
    return pack_as(emits_structure["emit"], [_emit_arrays(e) for e in stacked]), final_state, final_loop
