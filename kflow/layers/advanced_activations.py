"""Activation layers with parameters (Keras's "advanced activations"): LeakyReLU, PReLU, ELU, ReLU, Softmax.

They keep the input shape; only PReLU has a weight (its learned slopes). Their gradients come from the kflow
ops they combine.

Example:
    >>> h = LeakyReLU(alpha=0.1)(Dense(64)(x))
    >>> h = ReLU(max_value=6.0)(h)                     # relu6
    >>> p = Softmax(axis=1)(logits)
"""
import math

from kflow import initializers
from kflow.engine import shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers import regularizers
from kflow.layers.base import Layer
from kflow import nn
from kflow.layers.kernel_bias import serialize


def check_number(layer, name, value, minimum=None):
    """``value`` as a finite float, else a ValueError naming the layer, the argument and the value."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or isinstance(value, bool):
        raise ValueError("%s: `%s` must be a finite number, got %r" % (layer, name, value))
    if minimum is not None and number < minimum:
        raise ValueError("%s: `%s` must be >= %s, got %r" % (layer, name, minimum, value))
    return number


class _ShapeKeeping(Layer):
    """An element-wise (or per-axis) layer: same output shape, passes masks on."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)


class LeakyReLU(_ShapeKeeping):
    """``x`` where positive, ``alpha * x`` elsewhere (Keras's default ``alpha`` is 0.3, not kf.nn's 0.2).

    Example:
        >>> LeakyReLU(alpha=0.1)(kf.constant([-1.0, 2.0]))   # [-0.1, 2.]
    """

    def __init__(self, alpha=0.3, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("LeakyReLU", "alpha", alpha)

    def call(self, inputs):
        return nn.leaky_relu(inputs, alpha=self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


class PReLU(_ShapeKeeping):
    """LeakyReLU with learned slopes: ``x`` where positive, ``alpha * x`` elsewhere, ``alpha`` a weight of shape
    ``input_shape[1:]`` (size 1 along each of ``shared_axes``, e.g. ``[1, 2]`` for one slope per image channel).

    Example:
        >>> PReLU(shared_axes=[1, 2])(kf.placeholder(kf.float32, [None, 8, 8, 16]))   # alpha [1, 1, 16]
    """

    def __init__(self, alpha_initializer="zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = alpha_constraint
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = [shared_axes] if isinstance(shared_axes, int) else list(shared_axes)
            if not axes or any(isinstance(a, bool) or not isinstance(a, int) or a < 1 for a in axes):
                raise ValueError("PReLU: `shared_axes` must be positive axis numbers (the batch axis 0 is always "
                                 "shared), got %r" % (shared_axes,))
            self.shared_axes = sorted(set(axes))

    def build(self, input_shape):
        dims = list(shapes.as_shape(input_shape).dims)
        shape = dims[1:]
        for axis in self.shared_axes or ():
            if axis >= len(dims):
                raise ValueError("PReLU: shared axis %d is out of range for inputs of rank %d (shape %s)"
                                 % (axis, len(dims), shapes.as_shape(input_shape)))
            shape[axis - 1] = 1
        if any(d is None for d in shape):
            raise ValueError("PReLU: the non-shared axes of the inputs must be known; got input shape %s with "
                             "shared_axes %r" % (shapes.as_shape(input_shape), self.shared_axes))
        self.alpha = self.add_weight("alpha", shape, initializer=self.alpha_initializer,
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        return nn.relu(x) + self.alpha * math_ops.minimum(x, 0.0)

    def get_config(self):
        return dict(super().get_config(), alpha_initializer=serialize(initializers, self.alpha_initializer),
                    alpha_regularizer=serialize(regularizers, self.alpha_regularizer), shared_axes=self.shared_axes)


class ELU(_ShapeKeeping):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    Example:
        >>> ELU(alpha=0.5)(x)
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        self.alpha = check_number("ELU", "alpha", alpha)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        y = nn.elu(x)
        if self.alpha == 1.0:
            return y
        return array_ops.where(comparison_ops.greater(x, 0.0), x, y * self.alpha)

    def get_config(self):
        return dict(super().get_config(), alpha=self.alpha)


class ReLU(_ShapeKeeping):
    """Keras's general rectifier: ``min(x, max_value)`` for ``x > threshold``, else
    ``negative_slope * (x - threshold)``.

    Args:
        max_value: the cap (>= 0), or None for no cap.
        negative_slope: the slope below the threshold (>= 0).
        threshold: where the rectifier bends.

    Example:
        >>> ReLU(max_value=6.0)(x)      # relu6
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = None if max_value is None else check_number("ReLU", "max_value", max_value, 0.0)
        self.negative_slope = check_number("ReLU", "negative_slope", negative_slope, 0.0)
        self.threshold = check_number("ReLU", "threshold", threshold)

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        if self.negative_slope == 0.0 and self.threshold == 0.0:
            y = nn.relu(x)  # the common case: one fused op
        else:
            below = (x - self.threshold) * self.negative_slope
            y = array_ops.where(comparison_ops.greater(x, self.threshold), x, below)
        if self.max_value is not None:
            y = math_ops.minimum(y, self.max_value)
        return y

    def get_config(self):
        return dict(super().get_config(), max_value=self.max_value, negative_slope=self.negative_slope,
                    threshold=self.threshold)


class Softmax(_ShapeKeeping):
    """Softmax along ``axis`` (default the last).

    Example:
        >>> Softmax(axis=1)(kf.placeholder(kf.float32, [None, 10, 4]))
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError("Softmax: `axis` must be an int, got %r" % (axis,))
        self.axis = axis

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        ndims = x.shape.ndims
        if ndims is not None and not -ndims <= self.axis < ndims:
            raise ValueError("Softmax: axis %d is out of range for inputs of rank %d (shape %s)"
                             % (self.axis, ndims, x.shape))
        return nn.softmax(x, axis=self.axis)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


class ThresholdedReLU(_ShapeKeeping):
    """``x`` where ``x > theta``, else 0.

    Example:
        >>> ThresholdedReLU(theta=1.0)(kf.constant([0.5, 1.5]))             # [0., 1.5]
    """

    def __init__(self, theta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.theta = float(check_number("ThresholdedReLU", "theta", theta, minimum=0))

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        return x * math_ops.cast(comparison_ops.greater(x, math_ops.cast(self.theta, x.dtype)), x.dtype)

    def get_config(self):
        return dict(super().get_config(), theta=self.theta)
