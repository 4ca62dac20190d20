"""Preprocessing layers for categorical and numeric features, inside the graph: CategoryEncoding (integer ids
to one-hot, multi-hot or count vectors) and Discretization (numbers to bucket ids).

Example:
    >>> CategoryEncoding(num_tokens=4, output_mode="multi_hot")(kf.constant([[0, 1], [3, 3]]))
    ... # [[1, 1, 0, 0], [0, 0, 0, 1]]
    >>> Discretization(bin_boundaries=[0.0, 1.0])(kf.constant([-0.5, 0.5, 2.0]))     # [0, 1, 2]
"""
import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.reduction_ops import reduce_max, reduce_sum
from kflow.engine.ops.shape_ops import expand_dims
from kflow.layers.base import Layer

_MODES = ("one_hot", "multi_hot", "count")


class CategoryEncoding(Layer):
    """Integer ids in ``[0, num_tokens)`` to vectors of size ``num_tokens``.

    ``output_mode``: "multi_hot" (default: 1 where an id of the sample occurs), "count" (how often), or
    "one_hot" (one vector per id: ``[batch] -> [batch, num_tokens]``; a trailing axis of size 1 is dropped).
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        if num_tokens is None or int(num_tokens) < 1:
            raise ValueError("CategoryEncoding: num_tokens must be a positive int, got %r" % (num_tokens,))
        if output_mode not in _MODES:
            raise ValueError("CategoryEncoding: output_mode must be one of %s, got %r" % (_MODES, output_mode))
        if sparse:
            raise NotImplementedError("CategoryEncoding: sparse=True is not supported by kflow")
        self.num_tokens, self.output_mode = int(num_tokens), output_mode

    def call(self, inputs):
        ids = convert_to_tensor(inputs)
        ids = ids if ids.dtype.is_integer else math_ops.cast(ids, dtypes.int32)
        dtype = dtypes.as_dtype(self.dtype or "float32")
        if self.output_mode == "one_hot":
            if ids.shape.ndims and ids.shape.dims[-1] == 1:
                ids = array_ops.reshape(ids, [-1]) if ids.shape.ndims == 2 else ids
            return array_ops.one_hot(ids, self.num_tokens, dtype=dtype)
        if ids.shape.ndims == 1:
            ids = expand_dims(ids, -1)
        hot = array_ops.one_hot(ids, self.num_tokens, dtype=dtype)  # [batch, ids, tokens]
        return reduce_sum(hot, axis=-2) if self.output_mode == "count" else reduce_max(hot, axis=-2)

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        return shapes.TensorShape([dims[0], self.num_tokens])

    def get_config(self):
        return dict(super().get_config(), num_tokens=self.num_tokens, output_mode=self.output_mode, sparse=False)


class Discretization(Layer):
    """Bucket ids: ``i`` for values in ``[bin_boundaries[i - 1], bin_boundaries[i])`` (0 below the first
    boundary, ``len(bin_boundaries)`` from the last); ``adapt(data)`` places ``num_bins - 1`` boundaries at
    the data's quantiles (exact ones: ``epsilon``, Keras's approximation tolerance, is kept only for configs).

    Example:
        >>> layer = Discretization(num_bins=4)
        >>> layer.adapt(np.random.rand(1000))                   # boundaries near 0.25, 0.5, 0.75
    """

    def __init__(self, bin_boundaries=None, num_bins=None, epsilon=0.01, **kwargs):
        super().__init__(**kwargs)
        if (bin_boundaries is None) == (num_bins is None):
            raise ValueError("Discretization: give exactly one of bin_boundaries and num_bins (got %r and %r)"
                             % (bin_boundaries, num_bins))
        self.bin_boundaries = None if bin_boundaries is None else [float(b) for b in bin_boundaries]
        if self.bin_boundaries is not None and sorted(self.bin_boundaries) != self.bin_boundaries:
            raise ValueError("Discretization: bin_boundaries must be sorted, got %r" % (bin_boundaries,))
        self.num_bins = num_bins
        self.epsilon = epsilon

    def adapt(self, data):
        """Sets the boundaries at the quantiles of ``data`` (an array, or an iterable of batches)."""
        if self.num_bins is None:
            raise ValueError("Discretization.adapt needs num_bins")
        values = np.concatenate([np.ravel(np.asarray(b, dtype=np.float64)) for b in
                                 ([data] if isinstance(data, np.ndarray) else data)])
        self.bin_boundaries = np.quantile(values, np.arange(1, self.num_bins) / self.num_bins).tolist()

    def call(self, inputs):
        if self.bin_boundaries is None:
            raise ValueError("Discretization: call adapt() first (or give bin_boundaries)")
        x = convert_to_tensor(inputs)
        x = x if x.dtype.is_floating else math_ops.cast(x, dtypes.float32)
        bounds = constant(np.array(self.bin_boundaries), dtype=x.dtype)
        # how many boundaries lie at or below each value
        return reduce_sum(math_ops.cast(comparison_ops.greater_equal(expand_dims(x, -1), bounds), dtypes.int64),
                          axis=-1)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), bin_boundaries=self.bin_boundaries, num_bins=None if
                    self.bin_boundaries is not None else self.num_bins, epsilon=self.epsilon)
