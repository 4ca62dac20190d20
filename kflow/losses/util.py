"""The LOSSES and REGULARIZATION_LOSSES collections: add_loss, get_losses, get_total_loss and friends.

Example:
    >>> kf.losses.softmax_cross_entropy(onehot, logits)      # added to GraphKeys.LOSSES
    >>> total = kf.losses.get_total_loss()                   # + the regularization losses
"""
from kflow.engine.graph import GraphKeys, get_default_graph
from kflow.engine.ops.constant_op import constant
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.math_ops import add_n


def add_loss(loss, loss_collection=GraphKeys.LOSSES):
    """Adds ``loss`` to ``loss_collection`` (nothing when the collection is None or empty)."""
    if loss_collection:
        get_default_graph().add_to_collection(loss_collection, loss)


def get_losses(scope=None, loss_collection=GraphKeys.LOSSES):
    """The losses in ``loss_collection``, filtered by the name-prefix regex ``scope``."""
    return get_default_graph().get_collection(loss_collection, scope)


def get_regularization_losses(scope=None):
    """The tensors in ``GraphKeys.REGULARIZATION_LOSSES`` (from ``regularizer=`` arguments)."""
    return get_default_graph().get_collection(GraphKeys.REGULARIZATION_LOSSES, scope)


def get_regularization_loss(scope=None, name="total_regularization_loss"):
    """The sum of the regularization losses, or a constant 0.0 when there are none.

    Example:
        >>> loss = data_loss + kf.losses.get_regularization_loss()
    """
    losses = get_regularization_losses(scope)
    if losses:
        return add_n(losses, name=name)
    return constant(0.0)


def get_total_loss(add_regularization_losses=True, name="total_loss", scope=None):
    """The sum of ``get_losses()`` and (by default) the regularization losses.

    Raises:
        ValueError: when there are no losses at all.
    """
    losses = get_losses(scope=scope)
    if add_regularization_losses:
        losses += get_regularization_losses(scope=scope)
    if not losses:
        raise ValueError("get_total_loss: no losses found in GraphKeys.LOSSES%s (create them with kf.losses.* or "
                         "kf.losses.add_loss)" % (" or REGULARIZATION_LOSSES" if add_regularization_losses else ""))
    if len(losses) == 1:
        return identity(losses[0], name=name)
    return add_n(losses, name=name)
