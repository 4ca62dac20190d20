"""Iterator contexts: what a dataset needs while producing elements.

A Dataset is a static description; its parameters may be Tensors (a
``from_tensor_slices`` placeholder, a ``batch_size`` tensor, file names).
Creating an iterator binds them: an :class:`IteratorContext` holds the values
of those captured tensors (computed by the ``MakeIterator`` op, or evaluated
when iterating in Python), per-iterator runners of traced functions (private
Sessions), and a ``state`` dict that survives re-initialization (shuffle
epoch counters).

Example:
    >>> ctx = IteratorContext({batch_size_tensor: np.int64(32)})
    >>> ctx.resolve(batch_size_tensor)
    32
"""
import threading

import numpy as np

from kflow.engine.ops.constant_op import is_tensor_like
from kflow.engine.ops.params import constant_value
from kflow.engine.session import Session, get_default_session


class IteratorContext:
    """Values of captured tensors plus per-iterator resources.

    Args:
        values: ``{Tensor: numpy value}`` for the tensors the dataset captures.
        state: dict persisting across iterators of one owner (graph iterator or Python dataset).
        parent: the enclosing context (nested datasets of flat_map / interleave).
        session: the Session running a graph iterator (None in Python iteration).
    """

    def __init__(self, values=None, state=None, parent=None, session=None):
        self.values = values or {}
        self.parent = parent
        self.session = session if session is not None or parent is None else parent.session
        self.state = state if state is not None else (parent.state if parent is not None else {})
        self._root = parent._root if parent is not None else self
        if parent is None:
            self._runners = {}
            self._lock = threading.Lock()

    def child(self, values):
        """A context for a nested dataset whose captures have ``values``."""
        return IteratorContext(values, parent=self)

    def resolve(self, x):
        """The value of a dataset parameter: Python values pass through, tensors are looked up."""
        if not is_tensor_like(x):
            return x
        if hasattr(x, "_as_tensor"):  # a Variable: its captured value is its snapshot tensor
            x = x._as_tensor()
        ctx = self
        while ctx is not None:
            if x in ctx.values:
                return ctx.values[x]
            ctx = ctx.parent
        known = constant_value(x)
        if known is not None:
            return known
        return evaluate_tensors([x])[0]

    def runner(self, fn):
        """The runner of traced function ``fn`` for this iterator (built once, shared by its threads)."""
        root = self._root
        r = root._runners.get(fn)
        if r is None:
            with root._lock:
                r = root._runners.get(fn)
                if r is None:
                    r = root._runners[fn] = fn.make_runner()
        return r

    def next_epoch(self, key):
        """0, 1, 2, ... for successive calls with ``key`` (survives re-initialization of the iterator)."""
        lock = self._root._lock
        with lock:
            n = self.state.get(key, 0)
            self.state[key] = n + 1
        return n


def evaluate_tensors(tensors):
    """Values of non-constant captured tensors when a dataset is iterated in Python.

    Uses the default session when it runs the tensors' graph, else a temporary Session.
    """
    tensors = [t._as_tensor() if hasattr(t, "_as_tensor") else t for t in tensors]
    graph = tensors[0].graph
    sess = get_default_session()
    if sess is not None and sess.graph is graph:
        return sess.run(list(tensors))
    with Session(graph=graph) as tmp:
        return tmp.run(list(tensors))


def scalar_int(value, what):
    """A resolved scalar parameter as a Python int, or a ValueError naming ``what``."""
    arr = np.asarray(value)
    if arr.ndim != 0 or arr.dtype.kind not in "iu":
        raise ValueError("%s must be a scalar integer, got %r" % (what, value))
    return int(arr)
