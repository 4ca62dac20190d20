"""What BatchNormalization and LayerNormalization share: the ``axis`` argument checked against the input rank,
and the ``gamma``/``beta`` weights shaped like the axes it names, reshaped to broadcast against the input.

Example:
    >>> class Scale(GammaBeta, Layer):
    ...     def __init__(self, axis=-1, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self.axis = axis
    ...         self._set_gamma_beta(False, True, None, "ones", None, None, None, None)
    ...     def build(self, input_shape):
    ...         self._build_gamma_beta(input_shape)       # sets self._param_axes
    ...     def call(self, x):
    ...         return x * self._broadcast(self.gamma, x.shape.ndims)
"""
from kflow import initializers
from kflow.engine import shapes
from kflow.engine.ops import array_ops
from kflow.layers import regularizers
from kflow.layers.kernel_bias import serialize


class GammaBeta:
    """Mixin for layers with an ``axis`` attribute; ``_set_gamma_beta`` stores the weights' arguments."""

    def _set_gamma_beta(self, center, scale, beta_initializer, gamma_initializer, beta_regularizer,
                        gamma_regularizer, beta_constraint, gamma_constraint):
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer or "zeros")
        self.gamma_initializer = initializers.get(gamma_initializer or "ones")
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = beta_constraint
        self.gamma_constraint = gamma_constraint

    def _gamma_beta_config(self):
        """The config entries of ``_set_gamma_beta``'s arguments (constraints are not serialized)."""
        return {"center": self.center, "scale": self.scale,
                "beta_initializer": serialize(initializers, self.beta_initializer),
                "gamma_initializer": serialize(initializers, self.gamma_initializer),
                "beta_regularizer": serialize(regularizers, self.beta_regularizer),
                "gamma_regularizer": serialize(regularizers, self.gamma_regularizer)}

    def _axes(self, ndims):
        """``self.axis`` (an int or a list) as sorted non-negative axes; raises for axes outside the rank."""
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        out = []
        for a in axes:
            if not -ndims <= a < ndims:
                raise ValueError("%s: invalid axis %d for an input of rank %d" % (type(self).__name__, a, ndims))
            out.append(a % ndims)
        return sorted(set(out))

    def _build_gamma_beta(self, input_shape):
        """Creates ``gamma`` (if ``scale``) and ``beta`` (if ``center``) shaped like the input's ``axis`` sizes;
        ``self._param_axes`` holds those axes (sorted, non-negative).

        Returns:
            the weights' shape.
        """
        input_shape = shapes.as_shape(input_shape)
        if input_shape.ndims is None:
            raise ValueError("%s: the input has undefined rank: %s" % (type(self).__name__, input_shape))
        axes = self._axes(input_shape.ndims)
        param_shape = [input_shape.dims[a] for a in axes]
        if any(d is None for d in param_shape):
            raise ValueError("%s: the normalized axis %s of the input must have a known size, got input shape %s"
                             % (type(self).__name__, self.axis, input_shape))
        self._input_dims = input_shape.dims
        self._param_axes = axes
        self.gamma = self.beta = None
        if self.scale:
            self.gamma = self.add_weight("gamma", param_shape, initializer=self.gamma_initializer,
                                         regularizer=self.gamma_regularizer, constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", param_shape, initializer=self.beta_initializer,
                                        regularizer=self.beta_regularizer, constraint=self.beta_constraint)
        return param_shape

    def _broadcast(self, t, ndims):
        """Reshapes a parameter to broadcast against the input (needed unless its axes are the trailing ones)."""
        axes = self._param_axes
        if t is None or axes == list(range(ndims - len(axes), ndims)):
            return t
        shape = [1] * ndims
        for a in axes:
            shape[a] = self._input_dims[a]
        return array_ops.reshape(t, shape)
