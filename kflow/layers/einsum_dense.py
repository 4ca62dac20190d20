"""EinsumDense: a dense layer whose product with the kernel is any einsum, as Keras's.

The equation names the input, the kernel and the output ``"<input>,<kernel>-><output>"`` (letters, with an
optional ``...`` at the left or right end of the input and output standing for the dimensions it does not
name). ``output_shape`` gives the output's sizes without the batch axis; the kernel's shape follows: a kernel
letter takes its size from the input when the input has it, else from the output. ``bias_axes`` are output
letters the bias varies along; the bias spans the output from its first such letter on (size 1 elsewhere), so
it broadcasts against the output, and its shape is Keras's (so weight files match).

Example:
    >>> EinsumDense("ab,bc->ac", output_shape=64, bias_axes="c")(x)          # Dense(64) on x [batch, 32]
    >>> EinsumDense("abc,cd->abd", output_shape=(None, 64), bias_axes="d")   # Dense over a sequence
    >>> EinsumDense("...b,bc->...c", output_shape=64)                        # any leading dimensions
"""
import re

from kflow.engine import shapes
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.einsum_op import einsum
from kflow.layers import regularizers
from kflow.layers.base import Layer
from kflow.layers.kernel_bias import KernelBias


def _split_equation(equation):
    """``(input, kernel, output, left_elided)`` letters of ``equation``; raises for an unsupported form."""
    eq = equation.replace(" ", "").replace("...", "0")
    for pattern, left in ((r"([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)$", False),
                          (r"0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)$", True),
                          (r"([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0$", False)):
        match = re.match(pattern, eq)
        if match:
            return match.group(1), match.group(2), match.group(3), left
    raise ValueError("EinsumDense: equation %r is not of the form 'ab,bc->ac', '...b,bc->...c' or 'ab...,bc->ac...'"
                     " (one input, one kernel, ellipses only at the left or right end)" % (equation,))


def einsum_dense_shapes(equation, bias_axes, input_shape, output_shape):
    """``(kernel_shape, bias_shape or None, full_output_shape)`` for an input of ``input_shape`` (with batch).

    Example:
        >>> einsum_dense_shapes("abc,cde->abde", "de", [None, 5, 3], (5, 4, 2))
        ([3, 4, 2], [4, 2], [None, 5, 4, 2])
    """
    in_spec, kernel_spec, out_spec, left = _split_equation(equation)
    input_shape = list(input_shape)
    elided = len(input_shape) - len(in_spec)
    if elided < 0:
        raise ValueError("EinsumDense: equation %r names %d input axes but the input has rank %d (shape %s)"
                         % (equation, len(in_spec), len(input_shape), input_shape))
    output = [output_shape] if isinstance(output_shape, int) else list(output_shape)
    full = [input_shape[0]] + output
    if left:
        full[1:1] = input_shape[1:elided]
        in_axis = {c: i + elided for i, c in enumerate(in_spec)}
        out_axis = {c: i + elided for i, c in enumerate(out_spec)}
    else:
        full += input_shape[len(in_spec):]
        in_axis = {c: i for i, c in enumerate(in_spec)}
        out_axis = {c: i for i, c in enumerate(out_spec)}
    if len(full) != len(out_spec) + elided:
        raise ValueError("EinsumDense: output_shape %r does not fit equation %r (output letters %r) for an input of "
                         "shape %s" % (output_shape, equation, out_spec, input_shape))
    for c in in_spec:
        if c not in out_axis:
            continue
        if full[out_axis[c]] is None:  # None in output_shape: the size the input has
            full[out_axis[c]] = input_shape[in_axis[c]]
        elif input_shape[in_axis[c]] is not None and full[out_axis[c]] != input_shape[in_axis[c]]:
            raise ValueError("EinsumDense: output_shape %r gives axis %r size %s, but the input (shape %s) has %s "
                             "there" % (output_shape, c, full[out_axis[c]], input_shape, input_shape[in_axis[c]]))
    for c in out_spec:
        if c not in in_spec and c not in kernel_spec:
            raise ValueError("EinsumDense: output letter %r of %r is in neither the input nor the kernel"
                             % (c, equation))
    kernel_shape = []
    for c in kernel_spec:
        if c in in_axis:
            kernel_shape.append(input_shape[in_axis[c]])
        elif c in out_axis:
            kernel_shape.append(full[out_axis[c]])
        else:
            raise ValueError("EinsumDense: kernel letter %r of %r is in neither the input nor the output"
                             % (c, equation))
    if None in kernel_shape:
        raise ValueError("EinsumDense: the kernel's shape %s of %r needs known sizes (input shape %s, output_shape "
                         "%r)" % (kernel_shape, equation, input_shape, output_shape))
    bias_shape = None
    if bias_axes:
        missing = [c for c in bias_axes if c not in out_spec]
        if missing:
            raise ValueError("EinsumDense: bias_axes %r name %s, not output letters of %r"
                             % (bias_axes, missing, equation))
        first = min(out_spec.find(c) for c in bias_axes)
        bias_shape = [full[out_axis[c]] if c in bias_axes else 1 for c in out_spec[first:]]
        if not left:
            bias_shape += [1] * elided
    return kernel_shape, bias_shape, full


class EinsumDense(KernelBias, Layer):
    """``activation(einsum(equation, inputs, kernel) + bias)``.

    Args:
        equation: ``"<input>,<kernel>-><output>"`` (see the module docstring).
        output_shape: an int or a tuple: the output's sizes without the batch axis (None for a size the input
            gives).
        activation: the activation (default none).
        bias_axes: the output letters the bias varies along (None or "": no bias).
        kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, activity_regularizer,
            kernel_constraint, bias_constraint: as Dense's.
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=regularizers.get(activity_regularizer), **kwargs)
        _split_equation(equation)
        self.equation = equation
        self.partial_output_shape = (output_shape,) if isinstance(output_shape, int) else tuple(output_shape)
        self.bias_axes = bias_axes
        self._set_kernel_bias(activation, bool(bias_axes), kernel_initializer, bias_initializer, kernel_regularizer,
                              bias_regularizer, kernel_constraint, bias_constraint)

    def build(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        if dims is None:
            raise ValueError("EinsumDense %s: the input needs a known rank" % self.name)
        kernel_shape, bias_shape, self.full_output_shape = einsum_dense_shapes(
            self.equation, self.bias_axes, dims, self.partial_output_shape)
        self.kernel = self.add_weight("kernel", kernel_shape, initializer=self.kernel_initializer,
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = None
        if bias_shape is not None:
            self.bias = self.add_weight("bias", bias_shape, initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.built = True

    def call(self, inputs):
        x = convert_to_tensor(inputs)
        out = einsum(self.equation, x, self.kernel)
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out)

    def compute_output_shape(self, input_shape):
        dims = shapes.as_shape(input_shape).dims
        return shapes.TensorShape(einsum_dense_shapes(self.equation, self.bias_axes, dims,
                                                      self.partial_output_shape)[2])

    def get_config(self):
        config = dict(super().get_config(), output_shape=self.partial_output_shape, equation=self.equation,
                      bias_axes=self.bias_axes, **self._kernel_bias_config())
        config.pop("use_bias")
        return config
