"""``kf.nn.ctc_loss``, ``ctc_greedy_decoder`` and ``ctc_beam_search_decoder`` with TF1's signatures: labels and
decoded sequences are SparseTensors (``[batch, max_length]``), the blank is the last class.

Example:
    >>> loss = kf.reduce_mean(kf.nn.ctc_loss(sparse_labels, logits, seq_len))          # logits [T, B, K]
    >>> (decoded,), log_prob = kf.nn.ctc_greedy_decoder(logits, seq_len)
    >>> dense = kf.sparse.to_dense(decoded, default_value=-1)
"""
from kflow.engine.ops import shape_ops
from kflow.engine.ops.ctc_ops import ctc_loss_op, ctc_greedy_decoder_op, ctc_beam_search_decoder_op
from kflow.sparse.sparse_tensor import SparseTensor


def ctc_loss(labels, inputs=None, sequence_length=None, preprocess_collapse_repeated=False, ctc_merge_repeated=True,
             ignore_longer_outputs_than_inputs=False, time_major=True, logits=None):
    """The negative log-likelihood of each label sequence under CTC: a ``[batch]`` loss.

    Args:
        labels: an int32 SparseTensor (or SparseTensorValue) ``[batch, max_label_length]``; values in
            ``[0, num_classes - 1)``.
        inputs: logits ``[max_time, batch, num_classes]`` (``[batch, max_time, ...]`` when not time_major).
        sequence_length: int32 ``[batch]`` frames per item.
        preprocess_collapse_repeated: merge repeated labels before computing the loss.
        ctc_merge_repeated: must be True (kflow implements standard CTC only).
        ignore_longer_outputs_than_inputs: items whose labels cannot fit get loss 0 and no gradient instead of
            an error.

    Example:
        >>> kf.nn.ctc_loss(kf.SparseTensor([[0, 0], [0, 1]], [1, 2], [1, 2]), logits, [5])
    """
    inputs = logits if inputs is None else inputs
    if not ctc_merge_repeated:
        raise ValueError("ctc_loss: kflow implements standard CTC (ctc_merge_repeated=True) only")
    if not isinstance(labels, SparseTensor):
        if not all(hasattr(labels, k) for k in ("indices", "values", "dense_shape")):
            raise TypeError("ctc_loss: labels must be a SparseTensor, got %r" % (labels,))
        labels = SparseTensor(labels.indices, labels.values, labels.dense_shape)
    if not time_major:
        inputs = shape_ops.transpose(inputs, [1, 0, 2])
    return ctc_loss_op(inputs, labels.indices, labels.values, sequence_length, preprocess_collapse_repeated,
                       ignore_longer_outputs_than_inputs)[0]


def ctc_greedy_decoder(inputs, sequence_length, merge_repeated=True):
    """Best-path decoding: the most likely class per frame, repeats merged, blanks removed.

    Returns:
        ``([decoded SparseTensor int64 [batch, max_decoded_length]], neg_sum_logits [batch, 1])``.
    """
    idx, vals, shape, score = ctc_greedy_decoder_op(inputs, sequence_length, merge_repeated)
    return [SparseTensor(idx, vals, shape)], score


def ctc_beam_search_decoder(inputs, sequence_length, beam_width=100, top_paths=1, merge_repeated=True):
    """Prefix beam search over the label sequences (summing the probabilities of the paths of each).

    Returns:
        ``(decoded: a list of top_paths SparseTensors, log_probabilities [batch, top_paths])``.
    """
    outs = ctc_beam_search_decoder_op(inputs, sequence_length, beam_width, top_paths, merge_repeated)
    return [SparseTensor(*outs[3 * k:3 * k + 3]) for k in range(top_paths)], outs[-1]
