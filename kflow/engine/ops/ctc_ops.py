"""Connectionist temporal classification: the CTCLoss op (loss and its gradient in one pass, as TF's) and the
greedy and beam-search decoders. Class ``num_classes - 1`` is the blank, inputs are time-major logits
``[max_time, batch, num_classes]``, labels come as a sparse ``[batch, max_label_length]`` matrix.

The loss runs the forward-backward recursion in log space over the label with blanks interleaved
(``2L + 1`` states), one vectorized step per time frame; the gradient with respect to the logits is
``softmax - posterior state occupancy``. Decoders return the pieces of sparse results (indices, values,
dense_shape) that ``kf.nn`` wraps into SparseTensors.

Example:
    >>> loss, grad = ctc_loss_op(logits, label_indices, label_values, seq_len)
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops import shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.errors import InvalidArgumentError

_NEG_INF = -np.inf


def _log_softmax(z):
    m = z.max(axis=-1, keepdims=True)
    return z - m - np.log(np.exp(z - m).sum(axis=-1, keepdims=True))


def _labels_by_row(indices, values, batch):
    rows = [[] for _ in range(batch)]
    for (b, pos), v in sorted(zip(map(tuple, np.asarray(indices).tolist()), np.asarray(values).tolist())):
        if not 0 <= b < batch:
            raise InvalidArgumentError(None, None, "CTCLoss: label index %s is outside the batch of %d" % ((b, pos),
                                                                                                       batch))
        rows[b].append(int(v))
    return rows


def _collapse(seq):
    return [c for i, c in enumerate(seq) if i == 0 or c != seq[i - 1]]


def _logsumexp(a, b):
    m = np.maximum(a, b)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        return np.where(np.isfinite(m), safe + np.log(np.exp(a - safe) + np.exp(b - safe)), _NEG_INF)


def _shift(a, k, fill=_NEG_INF):
    """``a`` moved ``k`` places towards the end (towards the start for negative ``k``), ``fill`` coming in."""
    out = np.full_like(a, fill)
    if abs(k) < len(a):
        if k >= 0:
            out[k:] = a[:len(a) - k]
        else:
            out[:k] = a[-k:]
    return out


def _sequence_loss(logp, label, blank):
    """(-log p(label), d loss / d logits) for one sequence of log-probabilities ``logp`` [T, K]."""
    steps = logp.shape[0]
    ext = np.full(2 * len(label) + 1, blank)
    ext[1::2] = label
    n = len(ext)
    # a state may be entered from two back when it is a label different from the label two back
    skip = np.zeros(n, bool)
    skip[2:] = (ext[2:] != blank) & (ext[2:] != ext[:-2])
    alpha = np.full((steps, n), _NEG_INF)
    alpha[0, :2] = logp[0, ext[:2]]
    for t in range(1, steps):
        prev = alpha[t - 1]
        acc = _logsumexp(prev, _shift(prev, 1))
        acc = np.where(skip, _logsumexp(acc, _shift(prev, 2)), acc)
        alpha[t] = acc + logp[t, ext]
    beta = np.full((steps, n), _NEG_INF)  # beta[t, s]: log prob of emitting the rest after t, from state s at t
    beta[-1, -2:] = 0.0
    for t in range(steps - 2, -1, -1):
        nxt = beta[t + 1] + logp[t + 1, ext]
        acc = _logsumexp(nxt, _shift(nxt, -1))
        acc = np.where(_shift(skip, -2, False), _logsumexp(acc, _shift(nxt, -2)), acc)
        beta[t] = acc
    log_p = _logsumexp(alpha[-1, -1], alpha[-1, -2]) if n > 1 else alpha[-1, -1]
    if not np.isfinite(log_p):
        return None, None
    occupancy = np.exp(alpha + beta - log_p)
    grad = np.exp(logp)
    for s in range(n):
        grad[:, ext[s]] -= occupancy[:, s]
    return -log_p, grad


def _ctc_loss_kernel(logits, indices, values, seq_len, preprocess_collapse_repeated, ignore_longer_outputs_than_inputs):
    xp = devices.array_module(logits)
    z = devices.to_numpy(logits).astype(np.float64)
    max_time, batch, classes = z.shape
    lengths = np.asarray(devices.to_numpy(seq_len)).astype(np.int64)
    if lengths.shape != (batch,) or lengths.min(initial=0) < 0 or lengths.max(initial=0) > max_time:
        raise InvalidArgumentError(None, None, "CTCLoss: sequence_length must be [batch=%d] values in [0, %d], got %s"
                                   % (batch, max_time, lengths.tolist()))
    loss = np.zeros(batch)
    grad = np.zeros_like(z)
    for b, label in enumerate(_labels_by_row(devices.to_numpy(indices), devices.to_numpy(values), batch)):
        if preprocess_collapse_repeated:
            label = _collapse(label)
        if any(not 0 <= c < classes - 1 for c in label):
            raise InvalidArgumentError(None, None, "CTCLoss: labels of batch item %d must be in [0, %d) (class %d is "
                                       "the blank), got %s" % (b, classes - 1, classes - 1, label))
        steps = int(lengths[b])
        value, g = (None, None) if steps == 0 else _sequence_loss(_log_softmax(z[:steps, b]), label, classes - 1)
        if value is None:
            if ignore_longer_outputs_than_inputs:
                continue
            raise InvalidArgumentError(None, None, "CTCLoss: not enough time for target transition sequence: batch "
                                       "item %d has %d frames for the label %s (set "
                                       "ignore_longer_outputs_than_inputs=True to skip such items)"
                                       % (b, steps, label))
        loss[b] = value
        grad[:steps, b] = g
    return xp.asarray(loss.astype(logits.dtype)), xp.asarray(grad.astype(logits.dtype))


def _ctc_loss_grad(op, grad_loss, _):
    # the gradient output already holds d loss / d logits; as in TF it is not differentiated again
    return [shape_ops.expand_dims(grad_loss, -1) * _without_gradient(op.outputs[1]), None, None, None]


def _without_gradient(t):
    return make_op(_STOP, [t], [(t.dtype, t.shape)], "CTCLossGradient").outputs[0]


def _prevent_second_order(op, grad):
    raise LookupError("CTCLoss: second-order gradients are not supported (as in TF1): the op returns its gradient "
                      "with the loss")


_STOP = OpDef("PreventGradient", lambda x: x, grad=_prevent_second_order, view=True)
CTC_LOSS = OpDef("CTCLoss", _ctc_loss_kernel, grad=_ctc_loss_grad)


def ctc_loss_op(logits, label_indices, label_values, sequence_length, preprocess_collapse_repeated=False,
                ignore_longer_outputs_than_inputs=False, name=None):
    """The CTCLoss op: ``(loss [batch], gradient [max_time, batch, num_classes])`` of time-major ``logits``."""
    z = convert_to_tensor(logits, name="inputs")
    idx = convert_to_tensor(label_indices, dtype=dtypes.int64, name="labels_indices")
    vals = convert_to_tensor(label_values, dtype=dtypes.int32, name="labels_values")
    lens = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    if not z.dtype.is_floating or z.shape.ndims not in (None, 3):
        raise build_error("CTCLoss", name, [z, idx, vals, lens], "ctc_loss: inputs must be 3-D float logits "
                          "[max_time, batch_size, num_classes], got %s %s" % (z.dtype.name, z.shape), TypeError
                          if not z.dtype.is_floating else ValueError)
    batch = z.shape.dims[1] if z.shape.ndims == 3 else None
    op = make_op(CTC_LOSS, [z, idx, vals, lens], [(z.dtype, [batch]), (z.dtype, z.shape)], name or "CTCLoss",
                 params={"preprocess_collapse_repeated": bool(preprocess_collapse_repeated),
                         "ignore_longer_outputs_than_inputs": bool(ignore_longer_outputs_than_inputs)})
    return op.outputs[0], op.outputs[1]


# ---- decoders ----------------------------------------------------------------------------------------------
def _sparse(sequences, batch):
    indices = [(b, i) for b, seq in enumerate(sequences) for i in range(len(seq))]
    values = [c for seq in sequences for c in seq]
    width = max((len(s) for s in sequences), default=0)
    return (np.array(indices, np.int64).reshape(-1, 2), np.array(values, np.int64),
            np.array([batch, width], np.int64))


def _greedy_kernel(logits, seq_len, merge_repeated):
    z = devices.to_numpy(logits)
    blank = z.shape[2] - 1
    lengths = np.asarray(devices.to_numpy(seq_len))
    best = z.argmax(axis=2)
    sequences, scores = [], np.zeros((z.shape[1], 1), z.dtype)
    for b in range(z.shape[1]):
        path = best[:lengths[b], b].tolist()
        scores[b, 0] = -z[np.arange(lengths[b]), b, path].sum()
        if merge_repeated:
            path = _collapse(path)
        sequences.append([c for c in path if c != blank])
    return _sparse(sequences, z.shape[1]) + (scores,)


def _beam_kernel(logits, seq_len, beam_width, top_paths, merge_repeated):
    z = devices.to_numpy(logits).astype(np.float64)
    batch, blank = z.shape[1], z.shape[2] - 1
    lengths = np.asarray(devices.to_numpy(seq_len))
    results, log_probs = [[] for _ in range(top_paths)], np.full((batch, top_paths), _NEG_INF)
    for b in range(batch):
        paths = _prefix_beam_search(_log_softmax(z[:lengths[b], b]), blank, beam_width, merge_repeated)
        for k in range(top_paths):
            seq, score = paths[k] if k < len(paths) else ((), _NEG_INF)
            results[k].append(list(seq))
            log_probs[b, k] = score
    out = []
    for k in range(top_paths):
        out.extend(_sparse(results[k], batch))
    return tuple(out) + (log_probs.astype(logits.dtype),)


def _prefix_beam_search(logp, blank, beam_width, merge_repeated):
    """The ``beam_width`` most probable label prefixes: ``[(prefix, log p)]``, best first."""
    beams = {(): (0.0, _NEG_INF)}  # prefix -> (log p ending in blank, log p ending in its last label)
    for frame in logp:
        nxt = {}

        def add(prefix, pb, pn):
            ob, on = nxt.get(prefix, (_NEG_INF, _NEG_INF))
            nxt[prefix] = (np.logaddexp(ob, pb), np.logaddexp(on, pn))
        for prefix, (pb, pn) in beams.items():
            total = np.logaddexp(pb, pn)
            add(prefix, total + frame[blank], _NEG_INF)
            for c in range(len(frame)):
                if c == blank:
                    continue
                p = frame[c]
                if prefix and prefix[-1] == c and merge_repeated:
                    add(prefix, _NEG_INF, pn + p)  # the repeated label merges into the last one
                    add(prefix + (c,), _NEG_INF, pb + p)  # a blank separated them: a new label
                else:
                    add(prefix + (c,), _NEG_INF, total + p)
        ranked = sorted(nxt.items(), key=lambda kv: -np.logaddexp(*kv[1]))
        beams = dict(ranked[:beam_width])
    return [(prefix, float(np.logaddexp(*scores))) for prefix, scores in
            sorted(beams.items(), key=lambda kv: -np.logaddexp(*kv[1]))]


CTC_GREEDY_DECODER = OpDef("CTCGreedyDecoder", _greedy_kernel, grad=None, host_only=True)
CTC_BEAM_SEARCH_DECODER = OpDef("CTCBeamSearchDecoder", _beam_kernel, grad=None, host_only=True)


def _decoder_inputs(op_type, inputs, sequence_length, name):
    z = convert_to_tensor(inputs, name="inputs")
    lens = convert_to_tensor(sequence_length, dtype=dtypes.int32, name="sequence_length")
    if not z.dtype.is_floating or z.shape.ndims not in (None, 3):
        raise build_error(op_type, name, [z, lens], "%s: inputs must be 3-D float logits [max_time, batch_size, "
                          "num_classes], got %s %s" % (op_type, z.dtype.name, z.shape))
    return z, lens, (z.shape.dims[1] if z.shape.ndims == 3 else None)


def _sparse_specs():
    return [(dtypes.int64, [None, 2]), (dtypes.int64, [None]), (dtypes.int64, [2])]


def ctc_greedy_decoder_op(inputs, sequence_length, merge_repeated=True, name=None):
    """CTCGreedyDecoder: ``(indices, values, dense_shape, neg_sum_logits [batch, 1])``."""
    z, lens, batch = _decoder_inputs("CTCGreedyDecoder", inputs, sequence_length, name)
    op = make_op(CTC_GREEDY_DECODER, [z, lens], _sparse_specs() + [(z.dtype, [batch, 1])], name or "CTCGreedyDecoder",
                 params={"merge_repeated": bool(merge_repeated)})
    return op.outputs


def ctc_beam_search_decoder_op(inputs, sequence_length, beam_width=100, top_paths=1, merge_repeated=True,
                               name=None):
    """CTCBeamSearchDecoder: ``top_paths`` x (indices, values, dense_shape), then log_probabilities."""
    z, lens, batch = _decoder_inputs("CTCBeamSearchDecoder", inputs, sequence_length, name)
    if top_paths < 1 or beam_width < top_paths:
        raise build_error("CTCBeamSearchDecoder", name, [z, lens], "ctc_beam_search_decoder: need 1 <= top_paths <= "
                          "beam_width, got top_paths=%d, beam_width=%d" % (top_paths, beam_width))
    op = make_op(CTC_BEAM_SEARCH_DECODER, [z, lens], _sparse_specs() * top_paths + [(z.dtype, [batch, top_paths])],
                 name or "CTCBeamSearchDecoder", params={"beam_width": int(beam_width), "top_paths": int(top_paths),
                                                         "merge_repeated": bool(merge_repeated)})
    return op.outputs
