"""Python functions as graph ops: ``kf.py_func``, ``kf.numpy_function`` and ``kf.py_function``.

The function gets numpy arrays (``bytes`` in object arrays for strings) and
returns arrays that are converted to ``Tout``; the outputs have unknown
shapes (use ``set_shape``). Like TF's, these ops run on the host and have no
gradient of their own: give one by name with ``kf.RegisterGradient`` and
``graph.gradient_override_map({"PyFunc": name})`` (``"EagerPyFunc"`` for
``py_function``). ``py_function``'s inputs also answer ``.numpy()``, as
TF's eager tensors do.

Example:
    >>> y = kf.py_func(lambda x: np.sort(x), [x], kf.float32)
    >>> y.set_shape(x.shape)
"""
import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor


def _convert(value, dtype, func, index):
    if dtype is dtypes.string:
        arr = np.asarray(value, dtype=object)
        out = np.empty(arr.shape, object)
        out.reshape(-1)[:] = [v.encode("utf-8") if isinstance(v, str) else v for v in arr.reshape(-1)]
        return out
    arr = np.asarray(value)
    want = np.dtype(dtype.as_numpy_dtype)
    if arr.dtype != want:
        if arr.dtype.kind in "OSU" or not np.can_cast(arr.dtype, want, "same_kind") and not (
                arr.dtype.kind in "iub" and want.kind in "iuf"):
            raise errors.InvalidArgumentError(
                None, None, "%s returned output %d of dtype %s, which does not match Tout %s"
                % (getattr(func, "__name__", "py_func"), index, arr.dtype, dtype.name))
        arr = arr.astype(want)
    return arr


class _EagerValue(np.ndarray):
    """A numpy array that also answers ``.numpy()``: what ``py_function``'s function gets for each input."""

    def numpy(self):
        return self.view(np.ndarray)


def _eager_values(arrays):
    return [np.asarray(a).view(_EagerValue) for a in arrays]


def _py_func_kernel(*args, func, Tout, single, eager=False):  # noqa: N803
    arrays = [devices.to_numpy(a) for a in args]
    out = func(*(_eager_values(arrays) if eager else arrays))
    outs = [out] if single else out
    if outs is None and not Tout:
        return None
    if not isinstance(outs, (list, tuple)) or len(outs) != len(Tout):
        raise errors.InvalidArgumentError(None, None, "%s returned %r but %d outputs (%s) were expected"
                                          % (getattr(func, "__name__", "py_func"), type(out).__name__,
                                             len(Tout), ", ".join(t.name for t in Tout)))
    converted = [_convert(v.view(np.ndarray) if isinstance(v, _EagerValue) else v, t, func, i)
                 for i, (v, t) in enumerate(zip(outs, Tout))]
    return converted[0] if len(converted) == 1 else tuple(converted)


# no gradient defined, as TF: differentiating through a py_func raises (unless gradient_override_map gives one)
PY_FUNC = OpDef("PyFunc", _py_func_kernel, host_only=True)
EAGER_PY_FUNC = OpDef("EagerPyFunc", _py_func_kernel, host_only=True)


def py_func(func, inp, Tout, stateful=True, name=None):  # noqa: N803 - TF's argument name
    """Wraps ``func(*numpy_inputs) -> numpy output(s)`` as an op.

    Args:
        func: a Python function.
        inp: list of input tensors (or values).
        Tout: a dtype (one output, returned as a Tensor) or a list of dtypes (a list of Tensors).
        stateful: accepted for compatibility (the function is always called).

    Raises:
        InvalidArgumentError: (when run) ``func`` returned the wrong number of outputs or a dtype that
            cannot be converted to ``Tout``.
    """
    return _script_op(PY_FUNC, func, inp, Tout, stateful, name)


def _script_op(op_def, func, inp, Tout, stateful, name):  # noqa: N803
    inputs = [convert_to_tensor(x) for x in inp]
    single = not isinstance(Tout, (list, tuple))
    touts = [dtypes.as_dtype(t) for t in ([Tout] if single else Tout)]
    params = {"func": func, "Tout": touts, "single": single}
    if op_def is EAGER_PY_FUNC:
        params["eager"] = True
    op = make_op(op_def, inputs, [(t, None) for t in touts], name or op_def.type, attrs={"stateful": stateful},
                 params=params)
    return op.outputs[0] if single else list(op.outputs)


def numpy_function(func, inp, Tout, name=None):  # noqa: N803
    """``tf.numpy_function``: :func:`py_func` under its TF 1.14+ name."""
    return py_func(func, inp, Tout, stateful=True, name=name)


def py_function(func, inp, Tout, name=None):  # noqa: N803
    """``tf.py_function``: ``func`` gets arrays that also answer ``.numpy()`` (as TF's eager tensors do).

    The op type is "EagerPyFunc": give it a gradient with ``kf.RegisterGradient`` and
    ``graph.gradient_override_map({"EagerPyFunc": "MyGrad"})``.

    Example:
        >>> y = kf.py_function(lambda x: x.numpy() ** 2, [x], kf.float32)
    """
    return _script_op(EAGER_PY_FUNC, func, inp, Tout, True, name)
