"""RepeatVector and Masking: small layers of sequence models.

Example:
    >>> seq = RepeatVector(10)(encoded)               # [batch, features] -> [batch, 10, features]
    >>> h = LSTM(32)(Masking(0.0)(padded))            # all-zero time steps are skipped by the LSTM
"""
from kflow.engine import shapes
from kflow.engine.ops import comparison_ops, math_ops
from kflow.engine.ops import reduction_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.shape_ops import expand_dims, tile
from kflow.layers.base import Layer, InputSpec


class RepeatVector(Layer):
    """Repeats each ``[features]`` input ``n`` times: ``[batch, features] -> [batch, n, features]``.

    Example:
        >>> RepeatVector(3)(kf.zeros([2, 4])).shape                       # [2, 3, 4]
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        return tile(expand_dims(convert_to_tensor(inputs), 1), [1, self.n, 1])

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).with_rank(2).dims
        return shapes.TensorShape([dims[0], self.n, dims[1]])

    def get_config(self):
        return dict(super().get_config(), n=self.n)


class Masking(Layer):
    """Marks time steps whose features all equal ``mask_value`` as padding: their outputs are zeroed and the
    ``[batch, time]`` mask goes on to the next layers (recurrent layers keep their state over masked steps).

    Example:
        >>> h = Masking(mask_value=-1.0, input_shape=(20, 8))(x)
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def _kept(self, x):
        return reduction_ops.reduce_any(comparison_ops.not_equal(x, math_ops.cast(self.mask_value, x.dtype)),
                                        axis=-1)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        return x * math_ops.cast(expand_dims(self._kept(x), -1), x.dtype)

    def compute_mask(self, inputs, mask=None):
        return self._kept(convert_to_tensor(inputs))

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), mask_value=self.mask_value)
