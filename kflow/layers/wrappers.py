"""Layer wrappers: ``Wrapper`` (a layer holding another layer, saved as a nested config) and ``TimeDistributed``.

``TimeDistributed(layer)`` applies ``layer`` to every time step of a ``[batch, time, ...]`` input with one
set of weights. As Keras does, it merges the batch and time axes into one (``[batch * time, ...]``), runs
the inner layer once and splits them again, so unknown batch and time sizes are fine. The inner layer's
weights live under the wrapper's scope ("time_distributed/dense/kernel:0").

Example:
    >>> frames = kf.keras.Input(shape=(10, 28, 28, 1))                           # [None, 10, 28, 28, 1]
    >>> h = kf.keras.layers.TimeDistributed(kf.keras.layers.Conv2D(8, 3))(frames)  # [None, 10, 26, 26, 8]
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.base import Layer, InputSpec
from kflow.layers.serialization import deserialize_layer, serialize_layer


class Wrapper(Layer):
    """A layer that holds ``layer`` and saves it in its config as ``{"class_name": ..., "config": ...}``."""

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise TypeError("%s: the wrapped `layer` must be a kflow Layer instance, got %r"
                            % (type(self).__name__, layer))
        super().__init__(**kwargs)
        self.layer = layer

    def get_config(self):
        return dict(super().get_config(), layer=serialize_layer(self.layer))

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuilds the wrapped layer from its nested config (custom layers come from ``custom_objects``)."""
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to each time step (axis 1) of a ``[batch, time, ...]`` input, sharing its weights.

    Args:
        layer: the layer applied per step; it sees inputs ``[batch * time, ...]`` and must return one tensor.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(layer, **kwargs)
        self.input_spec = InputSpec(min_ndim=3)
        self.supports_masking = True  # the time mask still applies to the per-step outputs

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None or len(dims) < 3:
            raise ValueError("TimeDistributed: the input must have at least rank 3 ([batch, time, ...]), got shape "
                             "%s" % shapes.as_shape(input_shape))
        self.built = True

    def call(self, inputs, training=None):
        x = convert_to_tensor(inputs)
        dims = x.shape.dims
        time = dims[1] if dims[1] is not None else array_ops.shape(x)[1]
        # merge batch and time; the per-step dims are kept exactly, read at run time where unknown
        inner_dims = [d if d is not None else array_ops.shape(x)[i + 2] for i, d in enumerate(dims[2:])]
        merged = array_ops.reshape(x, [-1] + inner_dims)
        kwargs = {} if training is None else {"training": training}
        y = self.layer(merged, **kwargs)
        if isinstance(y, (list, tuple, dict)):
            raise TypeError("TimeDistributed: the wrapped layer %s must return one tensor, got %d outputs"
                            % (self.layer.name, len(y)))
        y_dims = y.shape.dims
        out_dims = [d if d is not None else array_ops.shape(y)[i + 1] for i, d in enumerate(y_dims[1:])]
        out = array_ops.reshape(y, [-1, time] + out_dims)
        out.set_shape([dims[0], dims[1]] + list(y_dims[1:]))
        return out

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        inner = shapes.as_shape(self.layer.compute_output_shape(shapes.TensorShape([dims[0]] + list(dims[2:]))))
        return shapes.TensorShape([inner.dims[0], dims[1]] + list(inner.dims[1:]))
