"""kf.keras.regularizers: l1, l2, l1_l2 (the ``kflow.layers.regularizers`` objects).

Example:
    >>> layers.Dense(64, kernel_regularizer=kf.keras.regularizers.l2(1e-4))
"""
from kflow.layers.regularizers import L1L2, Regularizer, deserialize, get, l1, l1_l2, l2, serialize

__all__ = ["Regularizer", "L1L2", "l1", "l2", "l1_l2", "get", "serialize", "deserialize"]
