"""The Embedding layer: integer ids -> rows of a trainable ``[input_dim, output_dim]`` matrix.

Example:
    >>> ids = kf.placeholder(kf.int32, [None, 20])
    >>> vectors = Embedding(10000, 64)(ids)        # [batch, 20, 64]; weight "embedding/embeddings:0"
"""
from kflow.engine import dtypes, shapes
from kflow.engine.ops import math_ops
from kflow.engine.ops.comparison_ops import not_equal
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import gather
from kflow import initializers
from kflow.layers import regularizers
from kflow.layers.base import Layer
from kflow.layers.kernel_bias import serialize


class Embedding(Layer):
    """Looks up ``embeddings[ids]``; ids must lie in ``[0, input_dim)``.

    Args:
        input_dim: vocabulary size.
        output_dim: embedding size.
        embeddings_initializer: default "uniform" (in [-0.05, 0.05], as Keras).
        mask_zero: recorded for Keras models (id 0 is padding); the lookup itself is unchanged.
        input_length: the (static) sequence length, for Keras models' shape inference.
    """

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
                 **kwargs):
        if "input_shape" not in kwargs and input_length is not None:
            kwargs["input_shape"] = (input_length,)
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.input_dim = int(input_dim)
        self.output_dim = int(output_dim)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = embeddings_constraint
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape):
        # integer ids never set the layer dtype (Layer.__call__ only adopts float inputs' dtype): float32 default
        self.embeddings = self.add_weight("embeddings", [self.input_dim, self.output_dim],
                                          initializer=self.embeddings_initializer,
                                          regularizer=self.embeddings_regularizer,
                                          constraint=self.embeddings_constraint)
        self.built = True

    def call(self, inputs):
        ids = convert_to_tensor(inputs)
        if not ids.dtype.is_integer:
            ids = math_ops.cast(ids, dtypes.int32)
        return gather(self.embeddings, ids)

    def compute_mask(self, inputs, mask=None):
        if not self.mask_zero:
            return None
        return not_equal(inputs, 0)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape).concatenate([self.output_dim])

    def get_config(self):
        return dict(super().get_config(), input_dim=self.input_dim, output_dim=self.output_dim,
                    embeddings_initializer=serialize(initializers, self.embeddings_initializer),
                    embeddings_regularizer=serialize(regularizers, self.embeddings_regularizer),
                    mask_zero=self.mask_zero, input_length=self.input_length)
