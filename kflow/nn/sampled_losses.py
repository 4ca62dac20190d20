"""Sampled losses for large output vocabularies: nce_loss and sampled_softmax_loss (TF1's
``_compute_sampled_logits``).

For each example the logits of its ``num_true`` true classes and of ``num_sampled`` classes drawn by a
candidate sampler (log-uniform by default) are computed from the class weights and biases, corrected by
``log Q`` (the expected count of each class in the sample), and fed to a sigmoid (NCE) or softmax
cross-entropy. Only the sampled rows of ``weights`` get gradients (gathered rows).

Example:
    >>> loss = kf.reduce_mean(kf.nn.nce_loss(weights=nce_w, biases=nce_b, labels=train_labels, inputs=embed,
    ...                                      num_sampled=64, num_classes=vocabulary_size))
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.ops import comparison_ops, math_ops, reduction_ops, reshape_ops, shape_ops, unary_math_ops
from kflow.engine.ops.candidate_sampling_ops import log_uniform_candidate_sampler
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import convert_to_tensor, zeros_like, ones_like
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.embedding_ops import embedding_lookup
from kflow.engine.ops.identity_ops import stop_gradient
from kflow.engine.ops.xent_ops import sigmoid_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2
from kflow.engine.graph import name_scope


def _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true, sampled_values,
                    subtract_log_q, remove_accidental_hits, partition_strategy, op_name):
    """The ``[batch, num_true + num_sampled]`` logits and their target probabilities."""
    inputs = convert_to_tensor(inputs, name="inputs")
    labels = cast(convert_to_tensor(labels, name="labels"), dtypes.int64)
    if labels.shape.ndims not in (None, 2) or inputs.shape.ndims not in (None, 2):
        raise ValueError("%s: labels must be [batch_size, num_true] and inputs [batch_size, dim], got shapes %s and "
                         "%s" % (op_name, labels.shape, inputs.shape))
    labels_flat = reshape_ops.reshape(labels, [-1])
    if sampled_values is None:
        sampled_values = log_uniform_candidate_sampler(labels, num_true, num_sampled, True, num_classes)
    sampled, true_q, sampled_q = (stop_gradient(v) for v in sampled_values)
    sampled = cast(sampled, dtypes.int64)
    all_ids = concat([labels_flat, sampled], 0)
    all_w = embedding_lookup(weights, all_ids, partition_strategy=partition_strategy)
    all_b = embedding_lookup(biases, all_ids, partition_strategy=partition_strategy)
    n_true = reshape_ops.size(labels_flat)
    dim = reshape_ops.shape(inputs)[1:]
    true_w = reshape_ops.reshape(all_w[:n_true], concat([[-1, num_true], dim], 0))
    sampled_w, sampled_b = all_w[n_true:], all_b[n_true:]
    true_logits = reduction_ops.reduce_sum(math_ops.multiply(shape_ops.expand_dims(inputs, 1), true_w), 2)
    true_logits = math_ops.add(true_logits, reshape_ops.reshape(all_b[:n_true], [-1, num_true]))
    sampled_logits = math_ops.add(math_ops.matmul(inputs, sampled_w, transpose_b=True), sampled_b)
    if remove_accidental_hits:
        hits = reduction_ops.reduce_any(comparison_ops.equal(shape_ops.expand_dims(labels, 2),
                                                             reshape_ops.reshape(sampled, [1, 1, -1])), 1)
        big = np.finfo(sampled_logits.dtype.as_numpy_dtype).max
        sampled_logits = math_ops.add(sampled_logits, math_ops.multiply(cast(hits, sampled_logits.dtype), -big))
    if subtract_log_q:
        true_logits = math_ops.subtract(true_logits, unary_math_ops.log(cast(true_q, true_logits.dtype)))
        sampled_logits = math_ops.subtract(sampled_logits, unary_math_ops.log(cast(sampled_q, true_logits.dtype)))
    logits = concat([true_logits, sampled_logits], 1)
    targets = concat([math_ops.divide(ones_like(true_logits), float(num_true)), zeros_like(sampled_logits)], 1)
    return logits, targets


def nce_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
             remove_accidental_hits=False, partition_strategy="mod", name="nce_loss"):
    """Noise-contrastive estimation loss per example (``[batch_size]``), as TF1's ``tf.nn.nce_loss``.

    Args:
        weights: ``[num_classes, dim]`` class embeddings (or a list of shards); biases: ``[num_classes]``.
        labels: int ``[batch_size, num_true]`` true classes; inputs: ``[batch_size, dim]``.
        sampled_values: a sampler's ``(sampled, true_expected_count, sampled_expected_count)``; default a
            unique log-uniform draw of ``num_sampled`` classes.

    Example:
        >>> kf.reduce_mean(kf.nn.nce_loss(w, b, labels, embed, num_sampled=64, num_classes=50000))
    """
    with name_scope(name, "nce_loss"):
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                          sampled_values, True, remove_accidental_hits, partition_strategy,
                                          "nce_loss")
        xent = sigmoid_cross_entropy_with_logits(labels=targets, logits=logits)
        return reduction_ops.reduce_sum(xent, 1)


def sampled_softmax_loss(weights, biases, labels, inputs, num_sampled, num_classes, num_true=1, sampled_values=None,
                         remove_accidental_hits=True, partition_strategy="mod", name="sampled_softmax_loss",
                         seed=None):
    """Sampled softmax cross-entropy per example (``[batch_size]``), as TF1's ``tf.nn.sampled_softmax_loss``
    (arguments as :func:`nce_loss`; accidental hits are removed by default).

    Example:
        >>> kf.reduce_mean(kf.nn.sampled_softmax_loss(w, b, labels, h, num_sampled=512, num_classes=10000))
    """
    with name_scope(name, "sampled_softmax_loss"):
        if sampled_values is None and seed is not None:
            sampled_values = log_uniform_candidate_sampler(convert_to_tensor(labels, dtype=dtypes.int64), num_true,
                                                           num_sampled, True, num_classes, seed=seed)
        logits, targets = _sampled_logits(weights, biases, labels, inputs, num_sampled, num_classes, num_true,
                                          sampled_values, True, remove_accidental_hits, partition_strategy,
                                          "sampled_softmax_loss")
        return softmax_cross_entropy_with_logits_v2(labels=stop_gradient(targets), logits=logits)
