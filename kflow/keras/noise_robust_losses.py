"""Keras 3's CategoricalGeneralizedCrossEntropy (noise-robust classification) and Circle (metric learning).

Example:
    >>> loss = CategoricalGeneralizedCrossEntropy(q=0.7)
    >>> loss([0, 2], [[0.8, 0.1, 0.1], [0.2, 0.2, 0.6]])       # mean of (1 - p_true**q) / q
    >>> Circle(gamma=80.0, margin=0.4)(labels, l2_normalized_embeddings)
"""
from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import eye, one_hot
from kflow.engine.ops.comparison_ops import equal, logical_and, logical_not, where_v2
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.math_composites import reduce_logsumexp
from kflow.engine.ops.nn_ops import softplus
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.ops.reshape_ops import reshape, shape, size
from kflow.keras import backend as K
from kflow.keras.loss_classes import LossFunctionWrapper, Reduction, reduce_weighted

_MASKED = -1e9  # stands for Keras's -inf in the masked log-sum-exps: the same values, finite gradients


def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """``(1 - p**q) / q`` with ``p`` the predicted probability of the true class (integer ids in ``y_true``);
    Zhang & Sabuncu 2018: cross-entropy as ``q -> 0``, mean absolute error at ``q = 1``."""
    y_pred = convert_to_tensor(y_pred)
    y_pred = y_pred if y_pred.dtype.is_floating else M.cast(y_pred, dtypes.float32)
    ids = reshape(M.cast(convert_to_tensor(y_true), dtypes.int32), shape(y_pred)[:-1])
    p = reduce_sum(y_pred * one_hot(ids, shape(y_pred)[-1], dtype=y_pred.dtype), axis=-1)
    return (1.0 - M.pow(p, float(q))) / float(q)


def circle(y_true, y_pred, ref_labels=None, ref_embeddings=None, remove_diagonal=True, gamma=80.0, margin=0.4):
    """Circle loss (Sun et al. 2020) of L2-normalized embeddings ``y_pred`` with integer labels ``y_true``,
    against ``ref_embeddings``/``ref_labels`` (default: the batch itself), as Keras 3: per sample
    ``softplus(lse(-gamma a_p (m - d_p)) + lse(gamma a_n (1 - m - d_n)))`` over positive and negative pairs,
    ``d`` the cosine distance, ``a_p = max(m + d_p, 0)``, ``a_n = max(1 + m - d_n, 0)``."""
    y_pred = convert_to_tensor(y_pred)
    labels = reshape(M.cast(convert_to_tensor(y_true), dtypes.int32), [-1, 1])
    refs = y_pred if ref_embeddings is None else M.cast(convert_to_tensor(ref_embeddings), y_pred.dtype)
    ref_ids = labels if ref_labels is None else reshape(M.cast(convert_to_tensor(ref_labels), dtypes.int32), [-1, 1])
    distances = M.maximum(1.0 - M.matmul(y_pred, refs, transpose_b=True), 0.0)
    positive = equal(labels, reshape(ref_ids, [1, -1]))
    negative = logical_not(positive)
    if remove_diagonal:
        positive = logical_and(positive, logical_not(M.cast(eye(size(labels), size(ref_ids)), dtypes.bool)))
    pos_weights = M.maximum((margin + distances) * M.cast(positive, distances.dtype), 0.0)
    neg_weights = M.maximum((1.0 + margin - distances) * M.cast(negative, distances.dtype), 0.0)
    pos_terms = -gamma * pos_weights * (margin - distances)
    neg_terms = gamma * neg_weights * ((1.0 - margin) - distances)
    p_loss = reduce_logsumexp(where_v2(positive, pos_terms, _MASKED + 0.0 * pos_terms), axis=1)
    n_loss = reduce_logsumexp(where_v2(negative, neg_terms, _MASKED + 0.0 * neg_terms), axis=1)
    return softplus(p_loss + n_loss)


class CategoricalGeneralizedCrossEntropy(LossFunctionWrapper):
    """Generalized cross-entropy against integer class ids (``q`` in (0, 1)), as Keras 3."""

    def __init__(self, q=0.5, reduction=Reduction.AUTO, name="categorical_generalized_cross_entropy"):
        if not 0 < q < 1:
            raise ValueError("CategoricalGeneralizedCrossEntropy: q must be in (0, 1), got %r" % (q,))
        super().__init__(categorical_generalized_cross_entropy, reduction, name, q=q)


class Circle(LossFunctionWrapper):
    """Circle loss for metric learning, as Keras 3. Called directly, the batch mean is over the samples with
    a positive loss (Keras's loss mask); in ``fit`` the per-sample values are averaged over the batch."""

    def __init__(self, gamma=80.0, margin=0.4, remove_diagonal=True, reduction=Reduction.AUTO, name="circle"):
        super().__init__(circle, reduction, name, gamma=float(gamma), margin=float(margin),
                         remove_diagonal=bool(remove_diagonal))

    def __call__(self, y_true, y_pred, sample_weight=None):
        with graph_mod.name_scope(self.name):
            values = self.call(y_true, y_pred)
            if self.reduction not in (Reduction.AUTO, Reduction.SUM_OVER_BATCH_SIZE):
                return reduce_weighted(values, sample_weight, self.reduction)
            total = reduce_weighted(values, sample_weight, Reduction.SUM)
            return total / (reduce_sum(M.cast(values > 0.0, values.dtype)) + K.epsilon())
