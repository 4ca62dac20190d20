"""``kf.nn``: activations, convolution and pooling, cross-entropies, normalization, dropout (TF 1.x names).

Example:
    >>> h = kf.nn.relu(kf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME"))
    >>> h = kf.nn.max_pool(h, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    >>> loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))

kf.nn.rnn_cell and kf.nn.dynamic_rnn / static_rnn / bidirectional_dynamic_rnn / static_bidirectional_rnn are
public names here too, but RNN cells own weights, so they are layers: they live in kflow.layers (rnn_cell.py,
rnn.py), above this package, and kflow/__init__.py attaches them to this namespace.
"""
from kflow.engine import dtypes
from kflow.engine.ops import comparison_ops, math_ops, reduction_ops
from kflow.engine.ops.math_ops import sigmoid, tanh
from kflow.engine.ops.nn_ops import (relu, relu6, elu, selu, leaky_relu, softplus, softsign, swish, crelu, softmax,
                                     log_softmax, bias_add, l2_loss)
from kflow.engine.ops.conv_ops import (conv2d, conv2d_transpose, conv2d_backprop_input, conv2d_backprop_filter,
                                       conv1d)
from kflow.engine.ops.pool_ops import max_pool, avg_pool
from kflow.engine.ops.xent_ops import (softmax_cross_entropy_with_logits, softmax_cross_entropy_with_logits_v2,
                                       sparse_softmax_cross_entropy_with_logits, sigmoid_cross_entropy_with_logits,
                                       weighted_cross_entropy_with_logits)
from kflow.engine.ops.dropout_op import dropout
from kflow.engine.ops.normalization_ops import (moments, batch_normalization, fused_batch_norm, l2_normalize,
                                                normalize_moments)
from kflow.engine.ops.topk_ops import top_k, in_top_k
from kflow.engine.ops.embedding_ops import embedding_lookup
from kflow.nn.sequence_ops import reverse_sequence

max_pool2d = max_pool
avg_pool2d = avg_pool
silu = swish


def xw_plus_b(x, weights, biases, name=None):
    """``matmul(x, weights) + biases`` (biases added with bias_add).

    Example:
        >>> kf.nn.xw_plus_b(x, w, b)
    """
    return bias_add(math_ops.matmul(x, weights), biases, name=name or "xw_plus_b")


def relu_layer(x, weights, biases, name=None):
    """``relu(matmul(x, weights) + biases)``."""
    return relu(xw_plus_b(x, weights, biases), name=name or "relu_layer")


def zero_fraction(value, name=None):
    """The fraction of zeros in ``value`` (a float32 scalar), e.g. to watch ReLU sparsity in summaries."""
    is_zero = math_ops.cast(comparison_ops.equal(value, 0), dtypes.float32)
    return reduction_ops.reduce_mean(is_zero, name=name or "zero_fraction")


# nn breadth (issue 16, item 7)
from kflow.engine.ops.candidate_sampling_ops import (log_uniform_candidate_sampler, uniform_candidate_sampler,
                                                     compute_accidental_hits)
from kflow.nn.sampled_losses import nce_loss, sampled_softmax_loss
from kflow.engine.ops.depthwise_conv_ops import (depthwise_conv2d, depthwise_conv2d_native,
                                                 depthwise_conv2d_native_backprop_input,
                                                 depthwise_conv2d_native_backprop_filter, separable_conv2d,
                                                 atrous_conv2d)
from kflow.nn.local_response_normalization import local_response_normalization, lrn
from kflow.engine.ops.conv3d_ops import (conv3d, conv3d_backprop_input_v2, conv3d_backprop_filter_v2, max_pool3d,
                                         avg_pool3d)
from kflow.nn.ctc import ctc_loss, ctc_greedy_decoder, ctc_beam_search_decoder
from kflow.nn.weighted_moments import weighted_moments
