"""Keras backend CTC functions (tf.keras 2.x): ``K.ctc_label_dense_to_sparse``, ``K.ctc_batch_cost`` and
``K.ctc_decode``, on the engine's CTC ops (``kf.nn.ctc_loss`` and the decoders).

Keras's CTC takes softmax *probabilities* ``y_pred`` ``[batch, time, classes]`` (the last class is the blank)
and works on ``log(y_pred + epsilon)``; labels are dense ``[batch, max_label_length]`` with their lengths.

Example (the Keras OCR example's loss and decoding):
    >>> loss = K.ctc_batch_cost(labels, y_pred, input_length, label_length)      # [batch, 1]
    >>> (best,), log_prob = K.ctc_decode(y_pred, input_length[:, 0])            # best: [batch, time], -1 padded
"""
from kflow.engine import dtypes
from kflow.engine.ops import array_ops, comparison_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import boolean_mask
from kflow.engine.ops.math_ops import cast
from kflow.engine.ops.shape_ops import expand_dims, squeeze, transpose
from kflow.engine.ops.unary_math_ops import log
from kflow.keras.backend_config import epsilon
from kflow.nn import ctc as nn_ctc
from kflow.sparse.sparse_ops import to_dense
from kflow.sparse.sparse_tensor import SparseTensor


def ctc_label_dense_to_sparse(labels, label_lengths):
    """The first ``label_lengths[i]`` entries of each row of ``labels`` as a SparseTensor of ``labels``'s shape.

    Example:
        >>> ctc_label_dense_to_sparse([[1, 2, 0], [3, 0, 0]], [2, 1])    # values [1, 2, 3]
    """
    labels = convert_to_tensor(labels)
    lengths = cast(convert_to_tensor(label_lengths), dtypes.int32)
    if labels.shape.ndims != 2:
        raise ValueError("ctc_label_dense_to_sparse: labels must be [batch, max_label_length], got shape %s"
                         % labels.shape)
    width = array_ops.shape(labels)[1]
    kept = comparison_ops.less(expand_dims(array_ops.range(width), 0), expand_dims(lengths, 1))
    return SparseTensor(array_ops.where(kept), boolean_mask(labels, kept),
                        cast(array_ops.shape(labels), dtypes.int64))


def _log_time_major(y_pred):
    y_pred = convert_to_tensor(y_pred)
    if y_pred.shape.ndims != 3:
        raise ValueError("CTC: y_pred must be softmax outputs [batch, time, classes], got shape %s" % y_pred.shape)
    return log(transpose(y_pred, [1, 0, 2]) + epsilon())


def ctc_batch_cost(y_true, y_pred, input_length, label_length):
    """The CTC loss of each batch item: ``[batch, 1]``.

    Args:
        y_true: ``[batch, max_label_length]`` labels (classes below ``classes - 1``).
        y_pred: ``[batch, time, classes]`` softmax outputs.
        input_length: ``[batch, 1]`` frames of ``y_pred`` used per item.
        label_length: ``[batch, 1]`` labels of ``y_true`` used per item.
    """
    label_length = cast(squeeze(convert_to_tensor(label_length), [-1]), dtypes.int32)
    input_length = cast(squeeze(convert_to_tensor(input_length), [-1]), dtypes.int32)
    sparse = ctc_label_dense_to_sparse(y_true, label_length)
    sparse = SparseTensor(sparse.indices, cast(sparse.values, dtypes.int32), sparse.dense_shape)
    return expand_dims(nn_ctc.ctc_loss(sparse, _log_time_major(y_pred), input_length), 1)


def ctc_decode(y_pred, input_length, greedy=True, beam_width=100, top_paths=1):
    """Decodes softmax outputs by best path (``greedy``) or beam search.

    Returns:
        ``(decoded, log_prob)``: ``decoded`` a list of ``top_paths`` (1 when greedy) dense ``[batch, time]``
        int64 tensors padded with -1; ``log_prob`` ``[batch, top_paths]`` (greedy: the negative sum of the
        best frames' log probabilities, as TF's decoder).
    """
    y_pred = convert_to_tensor(y_pred)
    shape = array_ops.shape(y_pred)
    logp = _log_time_major(y_pred)
    input_length = cast(convert_to_tensor(input_length), dtypes.int32)
    if greedy:
        decoded, log_prob = nn_ctc.ctc_greedy_decoder(logp, input_length)
    else:
        decoded, log_prob = nn_ctc.ctc_beam_search_decoder(logp, input_length, beam_width=beam_width,
                                                           top_paths=top_paths)
    dense_shape = cast(shape[:2], dtypes.int64)
    return [to_dense(SparseTensor(d.indices, d.values, dense_shape), default_value=-1) for d in decoded], log_prob


__all__ = ["ctc_label_dense_to_sparse", "ctc_batch_cost", "ctc_decode"]
