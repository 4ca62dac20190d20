"""``Input``: the placeholder that starts a functional model, and the ``InputLayer`` that owns it.

It lives with the layers (``kf.keras.Input`` and ``kf.keras.layers.InputLayer`` re-export it) so that
layer deserialization, which must know it, stays below the Keras models.

Example:
    >>> x = kf.keras.Input(shape=(784,), name="pixels")
    >>> x
    Tensor("pixels:0", shape=(?, 784), dtype=float32)
"""
import itertools

from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.ops.constant_op import placeholder
from kflow.layers.floatx import floatx

_COUNTER = itertools.count(1)


class InputLayer:
    """Holds one input placeholder of a model; it has no weights and computes nothing.

    Args:
        input_shape: shape without the batch dimension, e.g. ``(28, 28)``.
        batch_size: optional fixed batch size.
        dtype: placeholder dtype (default ``floatx()``: float32 unless set).
        input_tensor: use this existing tensor instead of making a placeholder.
        name: layer (and placeholder) name; default "input_N".
        batch_input_shape: full shape including the batch dimension (instead of input_shape).
    """

    def __init__(self, input_shape=None, batch_size=None, dtype=None, input_tensor=None, sparse=False, name=None,
                 batch_input_shape=None, graph=None):
        if sparse:
            raise NotImplementedError("Sparse inputs are not supported by kflow.")
        self.name = name or "input_%d" % next(_COUNTER)
        self.dtype = dtypes.as_dtype(dtype or floatx())
        if input_tensor is not None:
            self.batch_input_shape = tuple(input_tensor.shape.as_list())
            self.output = input_tensor
        else:
            if batch_input_shape is None:
                if input_shape is None:
                    raise ValueError("Input needs `shape` (without the batch dimension) or `batch_shape`.")
                batch_input_shape = (batch_size,) + tuple(input_shape)
            self.batch_input_shape = tuple(batch_input_shape)
            g = graph if graph is not None else graph_mod.get_default_graph()
            with g.as_default():
                self.output = placeholder(self.dtype, list(self.batch_input_shape), name=self.name)
        self.output._keras_history = (self, 0, 0)
        self.built = True
        self.trainable = False

    weights = trainable_weights = non_trainable_weights = losses = updates = property(lambda self: [])
    input = property(lambda self: self.output)
    # Keras's layer.input_shape / output_shape: both the placeholder's shape, e.g. (None, 784)
    input_shape = output_shape = property(lambda self: tuple(self.output.shape.as_list()))

    def count_params(self):
        return 0

    def get_config(self):
        return {"batch_input_shape": list(self.batch_input_shape), "dtype": self.dtype.name, "sparse": False,
                "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def Input(shape=None, batch_size=None, name=None, dtype=None, sparse=False, tensor=None, batch_shape=None):
    """A placeholder (in the default graph) to start a functional model: ``Model(inputs, outputs)``."""
    if shape is not None and batch_shape is None and not isinstance(shape, (tuple, list)):
        shape = (shape,)
    layer = InputLayer(input_shape=shape, batch_size=batch_size, dtype=dtype, input_tensor=tensor, name=name,
                       batch_input_shape=batch_shape)
    return layer.output
