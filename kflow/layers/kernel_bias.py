"""What Dense and Conv2D share: a kernel and an optional bias, with their initializers, regularizers,
constraints and config entries, and the activation applied after.

Example:
    >>> class Scale(KernelBias, Layer):
    ...     def __init__(self, units, activation=None, use_bias=True, **kwargs):
    ...         super().__init__(**kwargs)
    ...         self._set_kernel_bias(activation, use_bias, "ones", "zeros", None, None, None, None)
    ...     def build(self, input_shape):
    ...         self._add_kernel_bias([input_shape[-1], self.units], self.units)
"""
from kflow import initializers
from kflow.layers import activations, regularizers


def serialize(module, obj):
    """A config entry for an initializer/regularizer (None stays None; plain functions are kept as is)."""
    if obj is None:
        return None
    return module.serialize(obj) if hasattr(obj, "get_config") else obj


class KernelBias:
    """Mixin for layers computing ``activation(f(inputs, kernel) + bias)``."""

    def _set_kernel_bias(self, activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
                         bias_regularizer, kernel_constraint, bias_constraint):
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        # None (the functional form's default) defers to the variable scope's initializer, else glorot_uniform
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer or "zeros")
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = kernel_constraint
        self.bias_constraint = bias_constraint

    def _add_kernel_bias(self, kernel_shape, bias_size):
        """Creates ``kernel`` (and ``bias`` of ``[bias_size]`` when used) and marks the layer built."""
        self.kernel = self.add_weight("kernel", kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", [bias_size], initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def _kernel_bias_config(self):
        return {"activation": activations.serialize(self.activation), "use_bias": self.use_bias,
                "kernel_initializer": serialize(initializers, self.kernel_initializer),
                "bias_initializer": serialize(initializers, self.bias_initializer),
                "kernel_regularizer": serialize(regularizers, self.kernel_regularizer),
                "bias_regularizer": serialize(regularizers, self.bias_regularizer),
                "activity_regularizer": serialize(regularizers, self._activity_regularizer)}
