"""Core layers: Dense, Dropout, Flatten, Activation, Reshape, Lambda.

Example:
    >>> h = Dense(128, activation="relu")(x)          # weights "dense/kernel:0", "dense/bias:0"
    >>> h = Dropout(0.5)(h, training=is_training)     # a bool or a bool tensor
    >>> y = Dense(10)(Flatten()(h))
"""
import numpy as np

from kflow.engine import shapes
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.shape_ops import transpose
from kflow import nn
from kflow.layers import activations, regularizers, training_flag
from kflow.layers.base import Layer, InputSpec
from kflow.layers.kernel_bias import KernelBias
from kflow.layers.safe_mode import in_safe_mode


def last_dim(input_shape, layer):
    """The (required) size of the last axis of ``input_shape``."""
    dims = shapes.as_shape(input_shape).dims
    if not dims or dims[-1] is None:
        raise ValueError("The last dimension of the inputs to `%s` should be defined. Found `None` (input shape %s)."
                         % (layer, shapes.as_shape(input_shape)))
    return dims[-1]


class Dense(KernelBias, Layer):
    """``activation(inputs @ kernel + bias)``; inputs of rank > 2 are multiplied along their last axis.

    Args:
        units: output size.
        activation: a callable or a name ("relu", "softmax", ...); None is linear.
        use_bias: whether to add a bias.
        kernel_initializer / bias_initializer: initializers or names (default glorot_uniform / zeros).
        kernel_regularizer / bias_regularizer: ``f(weight) -> loss`` (e.g. ``kf.keras.regularizers.l2(1e-4)``).

    Example:
        >>> Dense(3, activation="relu")(kf.placeholder(kf.float32, [None, 4])).shape
        TensorShape([None, 3])
    """

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        self.units = int(units)
        self._set_kernel_bias(activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, kernel_constraint, bias_constraint)
        self.input_spec = InputSpec(min_ndim=2)
        self.supports_masking = True  # per-timestep on 3-D inputs: a time mask still applies (as Keras)

    def build(self, input_shape):
        self._add_kernel_bias([last_dim(input_shape, "Dense"), self.units], self.units)

    def call(self, inputs):
        outputs = math_ops.matmul(convert_to_tensor(inputs), self.kernel)
        if self.use_bias:
            outputs = nn.bias_add(outputs, self.bias)
        return self.activation(outputs)

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        last_dim(input_shape, "Dense")
        return shapes.TensorShape(list(dims[:-1]) + [self.units])

    def get_config(self):
        return dict(super().get_config(), units=self.units, **self._kernel_bias_config())


class Dropout(Layer):
    """Zeroes a fraction ``rate`` of the inputs while training, scaling the rest by ``1 / (1 - rate)``.

    ``call(inputs, training=None)``: a bool, a bool tensor, or None (the Keras learning phase).
    """

    def __init__(self, rate=0.5, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate < 1:
            raise ValueError("Dropout rate must be in [0, 1), got %r" % (rate,))
        self.rate = rate
        self.noise_shape = noise_shape
        self.seed = seed
        self.supports_masking = True

    def call(self, inputs, training=None):
        if self.rate == 0:
            return identity(inputs)

        def dropped():
            return nn.dropout(inputs, rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)

        return training_flag.smart_select(training_flag.resolve(training), dropped, lambda: identity(inputs))

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), rate=self.rate, noise_shape=self.noise_shape, seed=self.seed)


class Flatten(Layer):
    """Flattens all axes but the first: ``[batch, d1, d2, ...] -> [batch, d1 * d2 * ...]``."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if self.data_format == "channels_first" and x.shape.ndims is not None and x.shape.ndims > 2:
            x = transpose(x, [0] + list(range(2, x.shape.ndims)) + [1])
        dims = x.shape.dims
        if dims is not None and len(dims) == 1:
            return array_ops.reshape(x, [-1, 1])
        if dims is not None and all(d is not None for d in dims[1:]):
            return array_ops.reshape(x, [-1, int(np.prod(dims[1:]))])
        return array_ops.reshape(x, [array_ops.shape(x)[0], -1])

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        rest = dims[1:]
        size = int(np.prod(rest)) if all(d is not None for d in rest) else None
        return shapes.TensorShape([dims[0], size if rest else 1])

    def get_config(self):
        return dict(super().get_config(), data_format=self.data_format)


class Activation(Layer):
    """Applies an activation function (a callable or a name)."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), activation=activations.serialize(self.activation))


class Reshape(Layer):
    """Reshapes each example to ``target_shape`` (the batch axis is kept; one entry may be -1)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if -1 not in self.target_shape:
            return array_ops.reshape(x, [-1] + list(self.target_shape))
        out = array_ops.reshape(x, [array_ops.shape(x)[0]] + list(self.target_shape))
        if x.shape.ndims is not None:
            out.set_shape(self.compute_output_shape(x.shape))  # the -1 is inferable from the static dims
        return out

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        target = list(self.target_shape)
        if -1 in target:
            known = int(np.prod([d for d in target if d != -1]))
            rest = dims[1:]
            total = int(np.prod(rest)) if all(d is not None for d in rest) else None
            target[target.index(-1)] = total // known if total is not None and known else None
        return shapes.TensorShape([dims[0]] + target)

    def get_config(self):
        return dict(super().get_config(), target_shape=self.target_shape)


class Lambda(Layer):
    """Wraps ``function(inputs, **arguments)`` as a layer (no weights).

    Example:
        >>> Lambda(lambda t: t * 2.0)(x)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        self.function = function
        self.arguments = arguments or {}
        self._output_shape = output_shape

    def call(self, inputs, mask=None, training=None):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            raise NotImplementedError("Lambda layer %s: pass output_shape= to compute output shapes" % self.name)
        if callable(self._output_shape):
            return shapes.as_shape(self._output_shape(input_shape))
        return shapes.TensorShape([shapes.as_shape(input_shape).dims[0]] + list(self._output_shape))

    def get_config(self):
        return dict(super().get_config(), function=getattr(self.function, "__name__", repr(self.function)),
                    arguments=self.arguments)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if in_safe_mode():
            raise ValueError(
                "Refusing to rebuild Lambda layer %r (function %r): a Lambda layer runs Python code that the "
                "model file names, so loading one needs an explicit opt-in. If you trust the file, pass "
                "safe_mode=False to load_model / model_from_json / model_from_config, with the function in "
                "custom_objects." % (config.get("name"), config.get("function")))
        fn = (custom_objects or {}).get(config["function"])
        if fn is None:
            raise ValueError("Lambda.from_config: pass the function %r in custom_objects (Python code is not "
                             "serialized)" % config["function"])
        config["function"] = fn
        return cls(**config)
