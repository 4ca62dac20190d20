"""Permute (reorders the non-batch axes) and ActivityRegularization (adds an L1/L2 penalty on its inputs to the
model's losses, passing them through unchanged).

Example:
    >>> Permute((2, 1))(kf.zeros([4, 10, 64])).shape                         # [4, 64, 10]
    >>> h = ActivityRegularization(l1=1e-4)(h)
"""
from kflow.engine import shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.shape_ops import transpose
from kflow.layers import regularizers
from kflow.layers.base import Layer


class Permute(Layer):
    """Permutes the axes after the batch: ``dims`` numbers them from 1, as Keras does.

    Example:
        >>> Permute((3, 1, 2))(kf.zeros([2, 5, 6, 7])).shape               # [2, 7, 5, 6]
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError("Permute: dims must be a permutation of 1..%d (the batch axis stays first), got %r"
                             % (len(self.dims), dims))

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if x.shape.ndims is not None and x.shape.ndims != len(self.dims) + 1:
            raise ValueError("Permute%s: inputs of rank %d need %d dims, got shape %s"
                             % (self.dims, len(self.dims) + 1, x.shape.ndims - 1, x.shape))
        return transpose(x, (0,) + self.dims)

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        return shapes.TensorShape([dims[0]] + [dims[d] for d in self.dims])

    def get_config(self):
        return dict(super().get_config(), dims=self.dims)


class ActivityRegularization(Layer):
    """The identity, with ``l1 * sum(|x|) + l2 * sum(x^2)`` of its inputs added to the losses."""

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)
        self.supports_masking = True

    def call(self, inputs):
        return identity(inputs)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), l1=self.l1, l2=self.l2)
