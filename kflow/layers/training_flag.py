"""The ``training`` flag of layers such as Dropout and BatchNormalization.

``training`` may be a Python bool (the branch is chosen while building), a boolean tensor
(both branches are built and a select picks one per run), or None: then the learning
phase of the graph is used (``kflow.engine.learning_phase``: False unless fed; ``Model.fit`` feeds True).

Example:
    >>> is_training = kf.placeholder_with_default(False, [])
    >>> y = smart_select(is_training, lambda: kf.nn.dropout(x, rate=0.5), lambda: x)
"""
import numpy as np

from kflow.engine.learning_phase import learning_phase
from kflow.engine.ops.array_ops import where
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like


def resolve(training):
    """``training`` as a Python bool or a bool tensor (None -> the graph's learning phase)."""
    if training is None:
        return learning_phase()
    if isinstance(training, (bool, np.bool_, int)):
        return bool(training)
    return static_value(training)


def static_value(pred):
    """A Python bool when ``pred`` is known while building (a bool or a constant), else the tensor."""
    if not is_tensor_like(pred):
        return bool(pred)
    t = convert_to_tensor(pred)
    if t.op.type == "Const":
        return bool(t.op.attrs["value"])
    return t


def smart_select(pred, true_fn, false_fn):
    """``true_fn()`` or ``false_fn()`` chosen now when ``pred`` is static, else ``kf.where(pred, ...)``.

    A select (both branches run) rather than ``kf.cond``: the branches here are cheap, and ops with
    random draws (dropout) must run once per step so that their gradient sees the same draw.
    """
    pred = static_value(pred)
    if isinstance(pred, bool):
        return true_fn() if pred else false_fn()
    return where(pred, true_fn(), false_fn())
