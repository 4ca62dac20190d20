"""Small Keras layers without weights: Identity (a placeholder in a model, e.g. where a block is switched off)
and UnitNormalization (each sample scaled to unit L2 norm along ``axis``).

Example:
    >>> head = Identity() if skip_projection else Dense(64)
    >>> unit = UnitNormalization()(embeddings)          # rows of norm 1 (cosine similarities by dot products)
"""
from kflow.engine import shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.normalization_ops import l2_normalize
from kflow.layers.base import Layer


class Identity(Layer):
    """Returns its inputs unchanged (any structure); masks pass through."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return [identity(t) for t in inputs] if isinstance(inputs, (list, tuple)) else identity(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape if isinstance(input_shape, list) else shapes.as_shape(input_shape)


class UnitNormalization(Layer):
    """``x / sqrt(max(sum(x^2, axis), 1e-12))`` (``kf.nn.l2_normalize``) along ``axis`` (default -1).

    Example:
        >>> UnitNormalization()(kf.constant([[3.0, 4.0]]))                # [[0.6, 0.8]]
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis if isinstance(axis, int) else tuple(axis)
        self.supports_masking = True

    def call(self, inputs):
        axis = self.axis if isinstance(self.axis, int) else list(self.axis)
        return l2_normalize(convert_to_tensor(inputs), axis=axis)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)
