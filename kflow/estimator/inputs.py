"""``numpy_input_fn``: an input_fn over in-memory numpy arrays (``tf.estimator.inputs.numpy_input_fn``).

Example:
    >>> input_fn = numpy_input_fn({"x": x_train}, y_train, batch_size=128, num_epochs=None, shuffle=True)
    >>> estimator.train(input_fn, steps=1000)
"""
import numpy as np


class _NumpyBatches:
    """Re-iterable batches of dict ``x`` (and ``y``) for ``num_epochs`` passes (None: forever)."""

    def __init__(self, x, y, batch_size, num_epochs, shuffle, seed):
        self.x, self.y = x, y
        self.n = len(next(iter(x.values())))
        self.batch_size, self.num_epochs, self.shuffle = batch_size, num_epochs, shuffle
        self.rng = np.random.default_rng(seed)

    def __iter__(self):
        epoch = 0
        while self.num_epochs is None or epoch < self.num_epochs:
            order = self.rng.permutation(self.n) if self.shuffle else None
            for start in range(0, self.n, self.batch_size):
                stop = min(start + self.batch_size, self.n)
                pick = (lambda a: a[start:stop]) if order is None else (lambda a: a.take(order[start:stop], axis=0))
                features = {k: pick(v) for k, v in self.x.items()}
                if self.y is None:
                    yield features
                elif isinstance(self.y, dict):
                    yield features, {k: pick(v) for k, v in self.y.items()}
                else:
                    yield features, pick(self.y)
            epoch += 1


def numpy_input_fn(x, y=None, batch_size=128, num_epochs=1, shuffle=None, queue_capacity=1000, num_threads=1,
                   seed=None):
    """Returns an input_fn yielding ``(features_dict, labels)`` batches of the arrays.

    Args:
        x: dict of feature name -> array (all the same length).
        y: labels array (or dict of arrays), or None for prediction.
        batch_size: examples per batch (the last one may be smaller).
        num_epochs: passes over the data; None repeats forever.
        shuffle: must be given explicitly (True/False), as in TF.
        seed: shuffling seed.
    """
    if not isinstance(shuffle, bool):
        raise ValueError("shuffle must be provided and explicitly set as boolean (got %r)." % (shuffle,))
    if not isinstance(x, dict):
        raise TypeError("x must be a dict of feature name -> numpy array; got %s." % type(x).__name__)
    x = {k: np.asarray(v) for k, v in x.items()}
    lengths = {len(v) for v in x.values()} | ({len(v) for v in y.values()} if isinstance(y, dict) else
                                              {len(y)} if y is not None else set())
    if len(lengths) != 1:
        raise ValueError("Length of tensors in x and y is mismatched: %s" % sorted(lengths))
    y = {k: np.asarray(v) for k, v in y.items()} if isinstance(y, dict) else None if y is None else np.asarray(y)

    def input_fn():
        return _NumpyBatches(x, y, batch_size, num_epochs, shuffle, seed)

    return input_fn
