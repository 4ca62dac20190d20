"""``kf.GradientTape``: records eager ops and replays their declared gradients, in reverse.

While a tape records, every eager op with a watched input is kept on it (eager_execute records it), with what
its declared gradient reads. ``gradient`` walks the recorded ops backwards and calls each declaration's
gradient function: the same one ``kf.gradients`` uses in graph mode. The gradient ops run eagerly too, so an
outer tape records them and differentiates again (second order). Trainable variables read while the tape
records are watched automatically (``watch_accessed_variables``). In graph mode (inside a ``kf.function`` trace) the tape records nothing and
``gradient`` builds ``kf.gradients`` ops instead.

Example:
    >>> x = kf.constant(3.0)
    >>> with kf.GradientTape() as tape:
    ...     tape.watch(x)
    ...     y = x * x
    >>> tape.gradient(y, x).numpy()
    6.0
"""
import contextlib

import numpy as np

from kflow.engine import execution_mode
from kflow.engine.execution_mode import tape_stack
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.gradients import gradients
from kflow.engine.op_def import gradient_function
from kflow.engine.ops.constant_op import convert_to_tensor, ones_like, zeros_like
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.math_ops import add_n
from kflow.engine.ops.reshape_ops import reshape


class UnconnectedGradients:
    """What ``gradient`` returns for a source the target does not depend on."""

    NONE = "none"
    ZERO = "zero"


class GradientTape:
    """Records eager operations for automatic differentiation (``tf.GradientTape``).

    Args:
        persistent: allow several ``gradient`` calls (a non-persistent tape frees its record after one).
        watch_accessed_variables: watch every trainable variable read while recording.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self.recording = False
        self.tracked = {}  # id(tensor) -> tensor: watched tensors and outputs of recorded ops (kept alive)
        self._ops = []
        self._variables = {}  # variable handle op -> (variable, [its read tensors while recording])
        self._spent = False

    def __enter__(self):
        self._symbolic = not execution_mode.mode.eager
        if self._symbolic:  # graph mode (a kf.function trace): gradient() builds kf.gradients ops
            return self
        tape_stack.tapes.append(self)
        self.recording = True
        return self

    def __exit__(self, *exc):
        self.recording = False
        if self in tape_stack.tapes:
            tape_stack.tapes.remove(self)

    # ---- what is watched -----------------------------------------------------------------------------------
    def watch(self, tensor):
        """Watches a tensor, a variable, or a (nested) list of them."""
        if getattr(self, "_symbolic", False):
            return  # graph mode: gradient() differentiates the built graph, where everything is watched
        for t in _flatten(tensor):
            if hasattr(t, "_eager_read"):
                self._variables.setdefault(t.op, (t, []))
            elif isinstance(t, EagerTensor):
                self.tracked[id(t)] = t
            else:
                raise TypeError("GradientTape.watch takes eager tensors or variables, got %r" % (t,))

    def watched_variables(self):
        """The variables watched (explicitly or by being read), in the order they were first seen."""
        return [v for v, _ in self._variables.values()]

    def record(self, op):
        """Keeps an eager op that read a watched value (called by eager execution)."""
        self._ops.append(op)
        tracked = self.tracked
        for o in op.outputs:
            tracked[id(o)] = o

    def variable_read(self, variable, tensor):
        """Notes ``tensor``, a read of ``variable``, as watched when the variable is (called by the variable)."""
        entry = self._variables.get(variable.op)
        if entry is None:
            if not (self._watch_accessed and variable.trainable):
                return
            entry = self._variables[variable.op] = (variable, [])
        entry[1].append(tensor)
        self.tracked[id(tensor)] = tensor

    @contextlib.contextmanager
    def stop_recording(self):
        """Ops run inside are not recorded."""
        saved = self.recording
        self.recording = False
        try:
            yield
        finally:
            self.recording = saved

    def reset(self):
        """Forgets everything recorded so far."""
        self.tracked.clear()
        self._ops = []
        self._variables = {}

    # ---- gradients ------------------------------------------------------------------------------------------
    def gradient(self, target, sources, output_gradients=None, unconnected_gradients=UnconnectedGradients.NONE):
        """d(sum of ``target``)/d(each source), in the structure of ``sources`` (None where unconnected).

        Raises:
            RuntimeError: a non-persistent tape is asked twice.
            LookupError: a recorded op on the path has no gradient defined.
        """
        if getattr(self, "_symbolic", False):
            return self._symbolic_gradient(target, sources, output_gradients, unconnected_gradients)
        self._check_unspent("gradient")
        targets = _flatten(target)
        seeds = [None] * len(targets) if output_gradients is None else _flatten(output_gradients)
        if len(seeds) != len(targets):
            raise ValueError("gradient: %d output_gradients for %d targets" % (len(seeds), len(targets)))
        grads = self._eager_gradients(targets, seeds, _flatten(sources), unconnected_gradients)
        self._spend()
        return _pack_like(sources, grads)

    def jacobian(self, target, sources, unconnected_gradients=UnconnectedGradients.NONE, parallel_iterations=None,
                 experimental_use_pfor=True):
        """d(each element of ``target``)/d(each source): per source, shape ``target.shape + source.shape``.

        One backward pass per element of ``target`` (its static shape must be known).
        """
        return self._jacobian(target, sources, unconnected_gradients, batch=False)

    def batch_jacobian(self, target, source, unconnected_gradients=UnconnectedGradients.NONE,
                       parallel_iterations=None, experimental_use_pfor=True):
        """Per example ``b``: d target[b] / d source[b], shape ``[batch] + target.shape[1:] + source.shape[1:]``.

        Examples must not depend on each other (as in TF): one backward pass per element of ``target[0]``.
        """
        return self._jacobian(target, source, unconnected_gradients, batch=True)

    def _jacobian(self, target, sources, unconnected, batch):
        what = "batch_jacobian" if batch else "jacobian"
        if not getattr(self, "_symbolic", False):
            self._check_unspent(what)
        target = convert_to_tensor(target)
        dims = target.shape.as_list() if target.shape.ndims is not None else None
        if dims is None or None in dims[1 if batch else 0:] or (batch and not dims):
            raise ValueError("GradientTape.%s needs the target's %sshape to be known; got %s"
                             % (what, "per-example " if batch else "", target.shape))
        flat = _flatten(sources)
        inner = dims[1:] if batch else dims
        size = int(np.prod(inner, dtype=np.int64))
        rows = []  # per target element: the gradient of each source
        for i in range(size):
            seed = np.zeros(size, target.dtype.as_numpy_dtype)
            seed[i] = 1
            seed = np.broadcast_to(seed.reshape(inner), dims) if batch else seed.reshape(inner)
            if getattr(self, "_symbolic", False):
                xs = [_graph_source(x) for x in flat]
                grads = gradients([target], xs, grad_ys=[convert_to_tensor(seed)])
                grads = [zeros_like(x) if g is None and unconnected == UnconnectedGradients.ZERO else g
                         for g, x in zip(grads, xs)]
            else:
                grads = self._eager_gradients([target], [seed], flat, unconnected)
            rows.append(grads)
        if not getattr(self, "_symbolic", False):
            self._spend()
        out = []
        for k, x in enumerate(flat):
            parts = [row[k] for row in rows]
            if any(p is None for p in parts):
                out.append(None)
                continue
            stacked = stack(parts, axis=1 if batch else 0)  # [batch, size, ...] or [size, ...]
            x_dims = convert_to_tensor(x).shape.as_list()
            out.append(reshape(stacked, ([dims[0]] if batch else []) + inner + (x_dims[1:] if batch else x_dims)))
        return out[0] if batch else _pack_like(sources, out)

    def _check_unspent(self, what):
        if self._spent:
            raise RuntimeError("GradientTape.%s can only be called once on non-persistent tapes (create "
                               "the tape with persistent=True to compute several gradients)." % what)

    def _spend(self):
        if not self._persistent:
            self._spent = True
            self.reset()

    def _eager_gradients(self, targets, seeds, flat_sources, unconnected):
        saved = self.recording
        self.recording = False  # the gradient ops are not recorded on this tape (an outer tape records them)
        try:
            pending = {}
            for t, seed in zip(targets, seeds):
                t = convert_to_tensor(t)
                seed = ones_like(t) if seed is None else convert_to_tensor(seed, dtype=t.dtype)
                pending.setdefault(id(t), []).append(seed)
            self._backward(pending)
            return [self._source_grad(s, pending, unconnected) for s in flat_sources]
        finally:
            self.recording = saved

    def _symbolic_gradient(self, target, sources, output_gradients, unconnected):
        """Graph mode: the tape recorded nothing; the gradient is ``kf.gradients`` over the built graph."""
        xs = [_graph_source(s) for s in _flatten(sources)]
        ys = _flatten(target)
        grads = gradients(ys, xs, grad_ys=None if output_gradients is None else _flatten(output_gradients))
        if unconnected == UnconnectedGradients.ZERO:
            grads = [zeros_like(x) if g is None else g for g, x in zip(grads, xs)]
        return _pack_like(sources, grads)

    def _backward(self, pending):
        for op in reversed(self._ops):
            out_grads = [_sum(pending.get(id(o))) for o in op.outputs]
            if all(g is None for g in out_grads):
                continue
            try:
                fn = gradient_function(op.type)
            except KeyError:
                raise LookupError("No gradient defined for operation type %s (recorded by a GradientTape). Register "
                                  "one with @kf.RegisterGradient(%r) or wrap the input in kf.stop_gradient."
                                  % (op.type, op.type)) from None
            if fn is None:
                continue
            in_grads = fn(op, *out_grads)
            if not isinstance(in_grads, (list, tuple)):
                in_grads = [in_grads]
            for t, g in zip(op.inputs, in_grads):
                if g is not None and t.dtype.is_floating:
                    pending.setdefault(id(t), []).append(convert_to_tensor(g))

    def _source_grad(self, source, pending, unconnected):
        if hasattr(source, "_eager_read"):
            entry = self._variables.get(source.op)
            parts = [] if entry is None else [g for t in entry[1] for g in pending.get(id(t), ())]
        elif isinstance(source, EagerTensor):
            parts = pending.get(id(source), [])
        else:
            raise TypeError("GradientTape.gradient sources must be eager tensors or variables, got %r" % (source,))
        g = _sum(parts)
        if g is None and unconnected == UnconnectedGradients.ZERO:
            g = zeros_like(source)
        return g


def _graph_source(s):
    """A graph-mode source: a variable's reference tensor, or the tensor itself."""
    return s._ref() if hasattr(s, "_eager_read") or hasattr(s, "_ref") else s


def _sum(grads):
    if not grads:
        return None
    return grads[0] if len(grads) == 1 else add_n(grads)


def _flatten(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in _flatten(item)]
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in _flatten(x[k])]
    return [x]


def _pack_like(structure, flat):
    it = iter(flat)

    def pack(s):
        if isinstance(s, (list, tuple)):
            return type(s)(pack(i) for i in s) if not hasattr(s, "_fields") else type(s)(*[pack(i) for i in s])
        if isinstance(s, dict):
            return {k: pack(s[k]) for k in sorted(s)}
        return next(it)

    return pack(structure)
