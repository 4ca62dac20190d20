"""``kf.losses``: TF 1.x loss functions, weighted reduction, and the LOSSES collection helpers.

Example:
    >>> kf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    >>> train_op = opt.minimize(kf.losses.get_total_loss())   # data losses + regularization
"""
from kflow.losses.reduction import Reduction, compute_weighted_loss
from kflow.losses.losses_impl import (absolute_difference, mean_squared_error, huber_loss, log_loss, hinge_loss,
                                      cosine_distance, softmax_cross_entropy, sparse_softmax_cross_entropy,
                                      sigmoid_cross_entropy)
from kflow.losses.util import (add_loss, get_losses, get_regularization_loss, get_regularization_losses,
                               get_total_loss)
