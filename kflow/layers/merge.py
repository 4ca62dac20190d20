"""Merge layers: combine a list of tensors into one (Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate), plus Keras's lowercase functional forms (``add([a, b])``, ``concatenate([a, b])``).

Element-wise merges need inputs of one shape (broadcasting as the ops do); Concatenate joins along
``axis`` (default the last). They have no weights, so they only combine kflow ops, whose gradients
are registered with them.

Example:
    >>> a, b = kf.keras.Input(shape=(8,)), kf.keras.Input(shape=(8,))
    >>> h = kf.keras.layers.Concatenate()([a, b])     # [None, 16]
    >>> s = kf.keras.layers.Add()([a, b])             # [None, 8]
"""
import functools

from kflow.engine import shapes
from kflow.engine.ops import math_ops
from kflow.engine.ops.concat_ops import concat
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.normalization_ops import l2_normalize
from kflow.layers.base import Layer
from kflow.layers.batch_dot import batch_dot


class _Merge(Layer):
    """Checks the input list, then folds ``_merge(a, b)`` over it."""

    _min_inputs = 2
    _max_inputs = None
    _merge = None  # the binary op folded over the inputs, e.g. ``staticmethod(math_ops.add)``

    def _check(self, inputs):
        """Raises unless ``inputs`` (tensors or shapes) is a list of an allowed length."""
        if not isinstance(inputs, (list, tuple)):
            raise ValueError("A merge layer (%s) should be called on a list of inputs; got %r."
                             % (type(self).__name__, inputs))
        n = len(inputs)
        if n < self._min_inputs or (self._max_inputs is not None and n > self._max_inputs):
            raise ValueError("%s expects %s inputs; got %d." % (
                type(self).__name__, self._min_inputs if self._max_inputs == self._min_inputs
                else "at least %d" % self._min_inputs, n))
        return inputs

    def build(self, input_shape):
        self._check(input_shape)
        super().build(input_shape)

    def call(self, inputs):
        return functools.reduce(self._merge, [convert_to_tensor(x) for x in self._check(inputs)])

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(self._check(input_shape)[0])


class Add(_Merge):
    """The element-wise sum of the inputs."""

    _merge = staticmethod(math_ops.add)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]`` (exactly two inputs)."""

    _max_inputs = 2
    _merge = staticmethod(math_ops.subtract)


class Multiply(_Merge):
    """The element-wise product of the inputs."""

    _merge = staticmethod(math_ops.multiply)


class Maximum(_Merge):
    """The element-wise maximum of the inputs."""

    _merge = staticmethod(math_ops.maximum)


class Minimum(_Merge):
    """The element-wise minimum of the inputs."""

    _merge = staticmethod(math_ops.minimum)


class Average(_Merge):
    """The element-wise mean of the inputs."""

    _merge = staticmethod(math_ops.add)

    def call(self, inputs):
        return super().call(inputs) / float(len(inputs))


class Concatenate(_Merge):
    """Joins the inputs along ``axis`` (default -1, the features)."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs):
        return concat([convert_to_tensor(x) for x in self._check(inputs)], axis=self.axis)

    def compute_output_shape(self, input_shape):
        dims = [list(shapes.as_shape(s).dims) for s in self._check(input_shape)]
        out = list(dims[0])
        axis = self.axis % len(out)
        sizes = [d[axis] for d in dims]
        out[axis] = None if any(s is None for s in sizes) else sum(sizes)
        return shapes.TensorShape(out)

    def get_config(self):
        return dict(super().get_config(), axis=self.axis)


def _functional(cls):
    def merge(inputs, **kwargs):
        return cls(**kwargs)(inputs)

    merge.__name__ = cls.__name__.lower()
    merge.__doc__ = "Functional form of ``%s``: ``%s(inputs, **kwargs)``." % (cls.__name__, merge.__name__)
    return merge


add = _functional(Add)
subtract = _functional(Subtract)
multiply = _functional(Multiply)
maximum = _functional(Maximum)
minimum = _functional(Minimum)
average = _functional(Average)
concatenate = _functional(Concatenate)


class Dot(_Merge):
    """The dot product of two inputs along ``axes`` for each sample (``normalize=True``: cosine similarity).

    Example:
        >>> Dot(axes=1)([kf.ones([4, 3]), kf.ones([4, 3])]).shape          # [4, 1]
    """

    _max_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        self.axes = axes if isinstance(axes, int) else tuple(axes)
        self.normalize = normalize

    def _axes(self, ranks):
        axes = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return tuple(a % r for a, r in zip(axes, ranks))

    def call(self, inputs):
        a, b = (convert_to_tensor(x) for x in self._check(inputs))
        axes = self._axes((a.shape.ndims, b.shape.ndims))
        if self.normalize:
            a, b = l2_normalize(a, axis=axes[0]), l2_normalize(b, axis=axes[1])
        return batch_dot(a, b, axes)

    def compute_output_shape(self, input_shape):
        a, b = (list(shapes.as_shape(s).dims) for s in self._check(input_shape))
        ax, ay = self._axes((len(a), len(b)))
        out = a[:ax] + a[ax + 1:] + b[1:ay] + b[ay + 1:]
        return shapes.TensorShape(out if len(out) > 1 else out + [1])

    def get_config(self):
        return dict(super().get_config(), axes=self.axes, normalize=self.normalize)


dot = _functional(Dot)
