"""Layer normalization (Ba et al. 2016) with Keras semantics: each example is normalized over ``axis``.

Unlike batch normalization the statistics are computed per example (over the normalized axes only), so the
layer behaves the same while training and at inference and keeps no moving statistics. ``gamma`` and
``beta`` have the shape of the normalized axes.

Example:
    >>> ln = LayerNormalization()                  # weights "layer_normalization/gamma:0", ".../beta:0"
    >>> y = ln(x)                                  # x: [batch, time, features], normalized over features
    >>> y = LayerNormalization(axis=[1, 2])(img)   # over height and width, per example and channel
"""
from kflow.engine import shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.layers.base import Layer
from kflow import nn
from kflow.layers.gamma_beta import GammaBeta


class LayerNormalization(GammaBeta, Layer):
    """Normalizes each example over ``axis``, then scales by ``gamma`` and shifts by ``beta``.

    Args:
        axis: an axis or a list of axes normalized over (default -1, the features); never the batch axis 0.
        epsilon: added to the variance.
        center / scale: whether to learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
            gamma_constraint: for the two weights.
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int):
            self.axis = axis
        else:
            raise TypeError("LayerNormalization: axis must be an int or a list/tuple of ints, got %r" % (axis,))
        if not all(isinstance(a, int) for a in (self.axis if isinstance(self.axis, list) else [self.axis])):
            raise TypeError("LayerNormalization: every axis must be an int, got %r" % (axis,))
        if not epsilon > 0:
            raise ValueError("LayerNormalization: epsilon must be positive, got %r" % (epsilon,))
        self.epsilon = epsilon
        self._set_gamma_beta(center, scale, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint)
        self.supports_masking = True

    def _axes(self, ndims):
        axes = super()._axes(ndims)
        requested = self.axis if isinstance(self.axis, list) else [self.axis]
        if 0 in axes:  # statistics over the batch would be batch normalization
            raise ValueError("LayerNormalization: axis %s includes the batch axis 0; normalize over the other axes"
                             % (self.axis,))
        if len(axes) != len(requested):
            raise ValueError("LayerNormalization: duplicate axes in %s for an input of rank %d" % (self.axis, ndims))
        return axes

    def build(self, input_shape):
        self._build_gamma_beta(input_shape)
        self.built = True

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        ndims = x.shape.ndims
        mean, variance = nn.moments(x, self._param_axes, keep_dims=True)
        gamma, beta = self._broadcast(self.gamma, ndims), self._broadcast(self.beta, ndims)
        return nn.batch_normalization(x, mean, variance, beta, gamma, self.epsilon)

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis, epsilon=self.epsilon, **self._gamma_beta_config())
