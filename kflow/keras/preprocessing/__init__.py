"""``kf.keras.preprocessing``: numpy helpers that prepare raw data for a model (``sequence.pad_sequences``).

Example:
    >>> x = kf.keras.preprocessing.sequence.pad_sequences([[1, 2], [3]], maxlen=3)   # [[0 1 2] [0 0 3]]
"""
from kflow.keras.preprocessing import sequence

__all__ = ["sequence"]
