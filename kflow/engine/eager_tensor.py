"""Eager tensors: a value computed at once, with the Tensor interface (``tf.EagerTensor``).

An eager op's outputs are ``EagerTensor`` objects holding their array. They are Tensors, so every op builder
(shape inference, dtype checks) takes them unchanged; they add what a value offers: ``.numpy()``, ``__array__``,
iteration, ``bool``/``float``/``int`` of scalars, and TF's printing. Their static shape is the value's shape,
and their ``op`` is a constant view of the value, so build-time constant folding (``constant_value``) sees
every eager value as known.

Example:
    >>> m = kf.matmul([[2.]], [[2.]])
    >>> print(m)
    tf.Tensor([[4.]], shape=(1, 1), dtype=float32)
    >>> m.numpy()
    array([[4.]], dtype=float32)
"""
import numpy as np

from kflow.engine import devices, dtypes, graph as graph_mod, shapes
from kflow.engine import execution_mode
from kflow.engine.tensor import Tensor

_DTYPES = {}  # numpy dtype -> kflow DType (a dict hit per op instead of as_dtype's checks)
_SHAPES = {}  # shape tuple -> TensorShape (shapes are immutable; eager values repeat a few shapes)
_CPU = "/job:localhost/replica:0/task:0/device:CPU:0"
_GPU = "/job:localhost/replica:0/task:0/device:GPU:0"


def dtype_of(array):
    dt = _DTYPES.get(array.dtype)
    if dt is None:
        dt = _DTYPES[array.dtype] = dtypes.as_dtype(array.dtype)
    return dt


class EagerTensor(Tensor):
    """A computed value with the Tensor interface. Build with ``EagerTensor(array)`` (an ndarray, or a CuPy array)."""

    __slots__ = ("_value", "dtype", "_static_shape")
    _is_eager_value = True  # graph collections ignore eager values

    def __init__(self, value):  # noqa: super().__init__ is not called: there is no op
        self._value = value
        self.dtype = dtype_of(value)
        self._static_shape = None

    # ---- the Tensor interface ----------------------------------------------------------------------------------
    @property
    def shape(self):
        s = self._static_shape
        if s is None:
            dims = self._value.shape
            s = _SHAPES.get(dims)
            if s is None:
                s = shapes.TensorShape(dims)
                if len(_SHAPES) < 4096:  # bounded: a program making ever new shapes does not grow it forever
                    _SHAPES[dims] = s
            self._static_shape = s
        return s

    _shape = shape

    def get_shape(self):
        return self.shape

    def set_shape(self, shape):
        if not self.shape.is_compatible_with(shape):
            raise ValueError("Tensor's shape %s is not compatible with supplied shape %s" % (self.shape, shape))

    @property
    def op(self):
        return _ValueOp(self, _watched(self))

    @property
    def value_index(self):
        return 0

    @property
    def name(self):
        return "EagerTensor"  # TF: names mean nothing in eager mode; kept for error messages

    @property
    def graph(self):
        g = graph_mod.get_default_graph()
        if execution_mode.mode.eager or getattr(g, "capture_external", None) is not None:
            return g
        raise ValueError(
            "An eager tensor (%s, computed while eager execution was on) cannot be an input of an op in graph "
            "mode, which is active now (default graph %r). Build the value inside the graph instead, e.g. "
            "kf.constant(t.numpy()), or wrap the graph code in kf.function." % (self._describe(), g))

    @property
    def device(self):
        return _CPU if type(self._value) is np.ndarray else _GPU

    def consumers(self):
        return []

    # ---- values ----------------------------------------------------------------------------------------------------
    def numpy(self):
        """The value as a numpy array (copied to the host from a GPU); a numpy scalar for a 0-d tensor, as in TF."""
        value = np.array(devices.to_numpy(self._value))
        return value[()] if value.ndim == 0 else value

    def eval(self, feed_dict=None, session=None):
        return self.numpy()

    def __array__(self, dtype=None, copy=None):
        value = np.asarray(devices.to_numpy(self._value))
        return value if dtype is None else value.astype(dtype, copy=False)

    def __iter__(self):
        if self._value.ndim == 0:
            raise TypeError("Cannot iterate over a scalar tensor.")
        return (EagerTensor(self._value[i]) for i in range(self._value.shape[0]))

    def __len__(self):
        if self._value.ndim == 0:
            raise TypeError("Scalar tensor has no `len()`")
        return self._value.shape[0]

    def __bool__(self):
        return bool(self._scalar("bool"))

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if not self.dtype.is_integer:
            raise TypeError("Only integer scalar tensors can be used as an index, got dtype %s" % self.dtype.name)
        return int(self._scalar("index"))

    def __format__(self, spec):
        return format(self.numpy(), spec) if self._value.ndim == 0 else format(str(self), spec)

    def _scalar(self, what):
        if self._value.size != 1:
            raise ValueError("%s() of a tensor needs exactly one element; this one has shape %s"
                             % (what, self.shape))
        return devices.to_numpy(self._value).reshape(())[()]

    def _describe(self):
        return "shape=%s, dtype=%s" % (self.shape, self.dtype.name)

    def __str__(self):
        return "tf.Tensor(%s, %s)" % (str(devices.to_numpy(self._value)), self._describe())

    def __repr__(self):
        return "<tf.Tensor: %s, numpy=%s>" % (self._describe(), numpy_text(self._value))

    def __reduce__(self):
        return (EagerTensor, (np.asarray(devices.to_numpy(self._value)),))

    def __copy__(self):
        return self  # immutable value

    def __deepcopy__(self, memo):
        return EagerTensor(np.array(devices.to_numpy(self._value)))


def numpy_text(value):
    """TF's ``numpy=`` text: a scalar as ``2.0``, an array as its numpy repr."""
    value = devices.to_numpy(value)
    return str(value) if np.ndim(value) == 0 else repr(np.asarray(value))


def _watched(t):
    for tape in execution_mode.tape_stack.tapes:
        if id(t) in tape.tracked:
            return True
    return False


class _ValueOp:
    """The producer of an eager value, seen by build-time code as a constant (``constant_value`` folds it), unless
    a GradientTape watches the value: folding it would cut the gradient's path (``kf.fill(shape, watched)``)."""

    inputs = ()
    control_inputs = ()
    name = "EagerConst"
    device = ""
    created_at = "<eager>"

    def __init__(self, tensor, watched):
        self.type = "EagerWatchedValue" if watched else "Const"
        self.outputs = [tensor]
        self.attrs = {"value": tensor._value, "dtype": tensor.dtype}

    @property
    def graph(self):
        return graph_mod.get_default_graph()
