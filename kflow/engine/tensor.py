"""Tensors: symbolic handles to an operation's outputs.

Operator overloads (+, -, *, @, [], ...) are attached by ``kflow.engine.ops.overloads``.

Example:
    >>> t = kf.zeros([2, 2])
    >>> t
    Tensor("zeros:0", shape=(2, 2), dtype=float32)
"""
from kflow.engine import shapes
from kflow.engine.default_session import session_for


class Tensor:
    """The ``value_index``-th output of ``op``, with a static dtype and (partial) shape."""

    # Makes numpy defer to Tensor's reflected operators (np.ones(3) + t builds an op).
    __array_priority__ = 100

    def __init__(self, op, value_index, dtype, shape):
        self.op = op
        self.value_index = value_index
        self.dtype = dtype
        self._shape = shapes.as_shape(shape)

    @property
    def name(self):
        return "%s:%d" % (self.op.name, self.value_index)

    @property
    def graph(self):
        return self.op.graph

    @property
    def device(self):
        return self.op.device

    @property
    def shape(self):
        return self._shape

    def get_shape(self):
        return self._shape

    def set_shape(self, shape):
        """Refines the static shape; raises ValueError when incompatible."""
        self._shape = self._shape.merge_with(shape)

    def consumers(self):
        return [op for op in self.graph._ops if any(t is self for t in op.inputs)]

    def eval(self, feed_dict=None, session=None):
        """Computes this tensor in ``session`` (or the default session) and returns a numpy value."""
        return session_for(session, self).run(self, feed_dict)

    def __repr__(self):
        return 'Tensor("%s", shape=%s, dtype=%s)' % (self.name, self._shape, self.dtype.name)

    def __bool__(self):
        if getattr(self.graph, "is_function_graph", False):
            raise TypeError(
                "Python control flow (`if`, `while`, `and`/`or`, bool()) on the symbolic tensor '%s' inside a "
                "kf.function: while tracing, tensors have no value yet (kflow has no autograph). Use "
                "kf.cond(pred, true_fn, false_fn) for `if` and kf.while_loop(cond, body, loop_vars) for loops, "
                "or pass the value as a Python argument." % self.name)
        raise TypeError("Using a `kf.Tensor` as a Python `bool` is not allowed. Use `if t is not None:` instead "
                        "of `if t:` to test if a tensor is defined, and use kf.cond to execute subgraphs "
                        "conditioned on the value of a tensor.")

    def __iter__(self):
        if getattr(self.graph, "is_function_graph", False):
            raise TypeError("Iterating over the symbolic tensor '%s' inside a kf.function is not supported (no "
                            "autograph): use kf.unstack, or kf.while_loop for a loop over its rows." % self.name)
        raise TypeError("Tensor objects are not iterable in graph mode: '%s' has shape %s. Use kf.unstack "
                        "to split a tensor along an axis." % (self.name, self._shape))

    def numpy(self):
        raise NotImplementedError(
            "Tensor.numpy() is only available for eager tensors; '%s' is a graph tensor (graph mode was active "
            "when it was built), which has no value until a Session runs it. Use sess.run(t) / t.eval(), or "
            "enable eager execution (kf.enable_eager_execution() at program start, or `with kf.eager_mode():`)."
            % self.name)

    def __len__(self):
        raise TypeError("len is not well defined for symbolic Tensors ('%s'). Use kf.shape(t)[0] or "
                        "t.shape[0]." % self.name)

    __hash__ = object.__hash__

    def __eq__(self, other):
        # TF1 semantics: Tensor equality is identity (so tensors can be dict keys). Use kf.equal for values.
        return self is other

    def __ne__(self, other):
        return self is not other

    def _as_graph_element(self):
        return self
