"""``kf.keras.utils``: to_categorical, normalize, Sequence and set_random_seed, as in Keras.

Example:
    >>> y_train = kf.keras.utils.to_categorical(y_train, 10)     # one-hot rows, float32
    >>> class Batches(kf.keras.utils.Sequence):
    ...     def __len__(self): return 10
    ...     def __getitem__(self, i): return x[i * 32:(i + 1) * 32], y[i * 32:(i + 1) * 32]
    >>> model.fit(Batches(), epochs=2)
"""
import random

import numpy as np

from kflow.engine.graph import set_random_seed as _set_graph_seed


def to_categorical(y, num_classes=None, dtype="float32"):
    """One-hot encodes class ids ``y`` (any shape; a trailing axis of size 1 is dropped, as Keras does)."""
    y = np.array(y, dtype="int")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.ravel()
    if num_classes is None:
        num_classes = int(np.max(y)) + 1 if y.size else 0
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError("to_categorical: class ids must be in [0, %d); got min %d, max %d."
                         % (num_classes, y.min(), y.max()))
    out = np.zeros((y.shape[0], num_classes), dtype=dtype)
    out[np.arange(y.shape[0]), y] = 1
    return out.reshape(shape + (num_classes,))


def set_random_seed(seed):
    """Seeds Python's ``random``, NumPy's global generator and kflow's graph-level seed (the default graph,
    which Keras layers build into), as ``keras.utils.set_random_seed`` does; weights initialized and shuffles
    drawn afterwards repeat from run to run.

    Example:
        >>> kf.keras.utils.set_random_seed(42)
        >>> model = build_model()     # the same initial weights on every run
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ValueError("set_random_seed: the seed must be an int, got %r (%s)" % (seed, type(seed).__name__))
    random.seed(seed)
    np.random.seed(seed)
    _set_graph_seed(seed)


def normalize(x, axis=-1, order=2):
    """``x`` divided by its ``order``-norm along ``axis`` (zero norms left as they are)."""
    norm = np.atleast_1d(np.linalg.norm(x, order, axis))
    norm[norm == 0] = 1
    return x / np.expand_dims(norm, axis)


class Sequence:
    """A dataset of batches: override ``__len__`` (batches per epoch) and ``__getitem__(index)`` -> ``(x, y)``
    (or ``(x, y, sample_weight)``). ``fit`` runs one pass per epoch; ``on_epoch_end`` runs after each pass.
    """

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError

    def on_epoch_end(self):
        """Called after each full pass (e.g. to reshuffle)."""

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]
        self.on_epoch_end()


# model plots (issue 15): keras.utils.plot_model / model_to_dot (and Keras 2's keras.utils.vis_utils)
from kflow.keras import vis_utils  # noqa: E402
from kflow.keras.vis_utils import model_to_dot, plot_model  # noqa: E402,F401
