"""Op declarations: each kind of op is declared once, with its kernel, its gradient and its traits.

An :class:`OpDef` is the single place that says what an op type is. Everything that needs to know about
an op reads its declaration: the plan generator calls its kernel, autodiff calls its gradient, placement
reads ``host_only``, the BLAS thread control reads ``splits``, fetches read ``state_output``/``view``.
An eager call (``engine/eager_execute.py``) runs the same kernel at once, and a GradientTape replays the same
gradient.

* ``kernel(*arrays, **params) -> array | tuple``: array-module agnostic (numpy on the CPU, CuPy on the GPU
  through ``devices.array_module`` or numpy's dispatch to CuPy). ``params`` are the op instance's static
  parameters (an axis, a dtype...), given when the op is built and kept in ``op.attrs``.
* ``grad(op, *output_grads) -> [input_grads]``: built from kflow ops, so it is symbolic and
  differentiable again. ``grad=None`` declares the op not differentiable (its inputs get no gradient);
  leaving ``grad`` out means "no gradient defined" (differentiating through the op is an error).
* ``bind(op, session) -> kernel``: for stateful ops (variables, iterators, random generators), so each
  session keeps its own state.

Example:
    >>> def _tanh_grad(op, grad):
    ...     y = op.outputs[0]
    ...     return [grad * (1.0 - y * y)]
    >>> TANH = OpDef("Tanh", np.tanh, grad=_tanh_grad)
    >>> def tanh(x, name=None):
    ...     x = convert_to_tensor(x)
    ...     return make_op(TANH, [x], [(x.dtype, x.shape)], name).outputs[0]
"""

NO_GRADIENT_DEFINED = object()  # the default ``grad``: differentiating through the op raises LookupError

_DECLARED = {}  # op type -> OpDef: the index of declarations (filled by OpDef itself, never edited elsewhere)
_USER_GRADIENTS = {}  # gradients registered by name with kf.RegisterGradient (for gradient_override_map)


class OpDef:
    """The declaration of one op type.

    Args:
        type: the op type name, as in a TF GraphDef ("MatMul").
        kernel: ``kernel(*arrays, **params)``; None only for ops declaring ``bind``.
        grad: ``grad(op, *output_grads) -> list``; None when not differentiable.
        bind: ``bind(op, session) -> kernel`` for ops with per-session state.
        state_output: the output is (or may alias) persistent state, e.g. a variable's buffer or a shared
            constant: fetched values are copied so users never hold a live buffer.
        view: the output may be a view of the first input (fetches of views of state are copied too).
        host_only: the kernel handles Python objects, strings or files: it never runs on a GPU.
        splits: the CPU kernel splits its work over kflow's threads: a plan holding it runs with BLAS
            single-threaded (see ``blas_threads``).
        blas: the kernel's time goes to BLAS's own threads (a matrix product): on cores other processes keep
            busy, a plan holding it caps those threads at the free cores (see ``core_budget``).
    """

    __slots__ = ("type", "kernel", "grad", "bind", "state_output", "view", "host_only", "splits", "blas")

    def __init__(self, type, kernel=None, grad=NO_GRADIENT_DEFINED, bind=None, state_output=False,  # noqa: A002
                 view=False, host_only=False, splits=False, blas=False):
        if type in _DECLARED:
            raise ValueError("Op type %r is declared twice (first in %s)" % (type, _DECLARED[type].kernel))
        if kernel is None and bind is None:
            raise ValueError("Op type %r needs a kernel or a bind function" % type)
        self.type = type
        self.kernel = kernel
        self.grad = grad
        self.bind = bind
        self.state_output = state_output
        self.view = view
        self.host_only = host_only
        self.splits = splits
        self.blas = blas
        _DECLARED[type] = self

    @property
    def differentiable(self):
        return self.grad is not None

    def __repr__(self):
        return "<OpDef %s>" % self.type


def declared(op_type):
    """The OpDef of ``op_type``, or None."""
    return _DECLARED.get(op_type)


def gradient_function(op_type):
    """The gradient used for ops whose gradient type is ``op_type``.

    A gradient registered by name (``kf.RegisterGradient``, for ``gradient_override_map``) wins over
    the declared one. Returns None for non-differentiable ops.

    Raises:
        KeyError: no gradient is defined for ``op_type``.
    """
    fn = _USER_GRADIENTS.get(op_type)
    if fn is not None:
        return fn
    op_def = _DECLARED.get(op_type)
    if op_def is None or op_def.grad is NO_GRADIENT_DEFINED:
        raise KeyError(op_type)
    return op_def.grad


class RegisterGradient:
    """TF1's ``@kf.RegisterGradient("MyGrad")``: a named gradient for ``Graph.gradient_override_map``.

    Example:
        >>> @kf.RegisterGradient("ClipGrad")
        ... def _clip_grad(op, grad):
        ...     return [kf.clip_by_value(grad, -1.0, 1.0)]
        >>> with g.gradient_override_map({"Identity": "ClipGrad"}):
        ...     y = kf.identity(x)
    """

    def __init__(self, op_type):
        self._op_type = op_type

    def __call__(self, fn):
        _USER_GRADIENTS[self._op_type] = fn
        return fn


def NotDifferentiable(op_type):  # noqa: N802 - TF's public name
    """TF1's ``kf.NotDifferentiable("MyOp")``: inputs of ops with gradient type ``op_type`` get no gradient."""
    _USER_GRADIENTS[op_type] = _no_gradient


def _no_gradient(op, *grads):
    return [None] * len(op.inputs)
