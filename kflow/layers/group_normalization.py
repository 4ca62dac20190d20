"""GroupNormalization (Wu and He 2018) with Keras 3 semantics.

The channels (``axis``) are split into ``groups`` equal groups; each example is normalized per group, over the
group's channels and every other non-batch axis. ``groups=1`` is layer normalization over all non-batch axes,
``groups=-1`` (one group per channel) is instance normalization. ``gamma`` and ``beta`` have one entry per
channel.

Example:
    >>> y = GroupNormalization(groups=4)(images)            # images [batch, h, w, 16]: 4 groups of 4 channels
    >>> y = GroupNormalization(groups=-1, axis=1)(x_nchw)   # instance normalization, channels_first
"""
from kflow.engine import shapes
from kflow.engine.ops import array_ops
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.math_ops import rsqrt
from kflow import nn
from kflow.layers.base import Layer
from kflow.layers.gamma_beta import GammaBeta


class GroupNormalization(GammaBeta, Layer):
    """Normalizes each example per group of channels, then scales by ``gamma`` and shifts by ``beta``.

    Args:
        groups: the number of groups (divides the channel count; -1: one per channel).
        axis: the channel axis (default -1); never the batch axis 0.
        epsilon: added to the variance.
        center / scale: whether to learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer, beta_constraint,
            gamma_constraint: for the two weights.
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int) or not isinstance(groups, int):
            raise TypeError("GroupNormalization: groups and axis must be ints, got %r and %r" % (groups, axis))
        if groups == 0 or groups < -1:
            raise ValueError("GroupNormalization: groups must be positive (or -1: one per channel), got %d" % groups)
        if not epsilon > 0:
            raise ValueError("GroupNormalization: epsilon must be positive, got %r" % (epsilon,))
        self.groups, self.axis, self.epsilon = groups, axis, epsilon
        self._set_gamma_beta(center, scale, beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer,
                             beta_constraint, gamma_constraint)
        self.supports_masking = True

    def build(self, input_shape):
        input_shape = shapes.as_shape(input_shape)
        (channels,) = self._build_gamma_beta(input_shape)
        if self._param_axes == [0]:
            raise ValueError("GroupNormalization: axis %d is the batch axis; give the channel axis" % self.axis)
        groups = channels if self.groups == -1 else self.groups
        if groups > channels or channels % groups:
            raise ValueError("GroupNormalization: %d groups must divide the %d channels of axis %d (input shape %s)"
                             % (groups, channels, self.axis, input_shape))
        self._group_count = groups
        self.built = True

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        ndims = x.shape.ndims
        axis = self._param_axes[0]
        channels = self._input_dims[axis]
        dims = [d if d is not None else array_ops.shape(x)[i] for i, d in enumerate(x.shape.dims)]
        grouped_dims = dims[:axis] + [self._group_count, channels // self._group_count] + dims[axis + 1:]
        static = all(isinstance(d, int) for d in grouped_dims)
        grouped = array_ops.reshape(x, grouped_dims if static else stack([convert_to_tensor(d) for d in grouped_dims]))
        reduce_axes = [a for a in range(1, ndims + 1) if a != axis]
        mean, variance = nn.moments(grouped, reduce_axes, keep_dims=True)
        normalized = (grouped - mean) * rsqrt(variance + self.epsilon)
        out = array_ops.reshape(normalized, array_ops.shape(x))
        out.set_shape(x.shape)
        if self.gamma is not None:
            out = out * self._broadcast(self.gamma, ndims)
        if self.beta is not None:
            out = out + self._broadcast(self.beta, ndims)
        return out

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        return dict(super().get_config(), groups=self.groups, axis=self.axis, epsilon=self.epsilon,
                    **self._gamma_beta_config())
