"""TF1's queues: ``FIFOQueue``, ``RandomShuffleQueue`` and ``PaddingFIFOQueue``.

A queue is a graph object whose ops (enqueue, dequeue, close, size...) act on per-session contents
(:class:`~kflow.data.queue.queue_state.QueueState`); elements are tuples of arrays, one per component
dtype. Queue runners (``kf.train.QueueRunner``) fill queues from threads; see ``queue_state`` for how waits end.

Example:
    >>> q = kf.FIFOQueue(capacity=10, dtypes=[kf.float32, kf.int32], shapes=[[2], []])
    >>> enqueue = q.enqueue_many([[[1., 2.], [3., 4.]], [7, 8]])
    >>> x, y = q.dequeue_many(2)
    >>> sess.run(enqueue); sess.run([x, y])
    [array([[1., 2.], [3., 4.]], dtype=float32), array([7, 8], dtype=int32)]
"""
import numpy as np

from kflow import errors
from kflow.data.queue.queue_state import QueueState
from kflow.engine import dtypes as dtypes_mod
from kflow.engine import graph as graph_mod
from kflow.engine import shapes as shapes_mod
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.random_ops import op_seeds


# ---- kernels: each binds the queue's per-session state ----------------------------------------------------
def _state_binder(make_kernel):
    def bind(op, session):
        return make_kernel(op, op.attrs["queue"].session_state(session))
    return bind


def _handle_kernel(op, state):
    name = np.array(op.attrs["queue"].name.encode(), dtype=object)
    return lambda: name


def _enqueue_kernel(op, state):
    def enqueue(*arrays):
        state.put([tuple(np.array(a) for a in arrays)], op)
    return enqueue


def _enqueue_many_kernel(op, state):
    def enqueue_many(*arrays):
        arrays = [np.array(a) for a in arrays]
        sizes = {a.shape[0] if a.ndim else None for a in arrays}
        if len(sizes) != 1 or None in sizes:
            raise errors.InvalidArgumentError(None, op, "enqueue_many into queue '%s': every component needs the "
                                              "same first dimension, got shapes %s"
                                              % (op.attrs["queue"].name, [a.shape for a in arrays]))
        state.put([tuple(a[i, ...] for a in arrays) for i in range(sizes.pop())], op)
    return enqueue_many


def _enqueue_if_kernel(op, state):
    many = op.attrs["many"]

    def enqueue_if(keep, *arrays):
        keep = np.asarray(keep)
        if not many:
            if keep:
                state.put([tuple(np.array(a) for a in arrays)], op)
            return
        arrays = [np.array(a) for a in arrays]
        rows = np.flatnonzero(np.broadcast_to(keep, arrays[0].shape[:1])) if keep.ndim else (
            range(arrays[0].shape[0]) if keep else ())
        state.put([tuple(a[i, ...] for a in arrays) for i in rows], op)
    return enqueue_if


def _dequeue_kernel(op, state):
    single = len(op.outputs) == 1

    def dequeue():
        row = state.take(1, False, op)[0]
        return row[0] if single else row
    return dequeue


def _dequeue_many_kernel(op, state):
    queue, allow_smaller = op.attrs["queue"], op.attrs["allow_smaller"]
    single = len(op.outputs) == 1

    def dequeue_many(n):
        rows = state.take(int(n), allow_smaller, op)
        out = tuple(queue.stack_component(i, [r[i] for r in rows]) for i in range(len(queue.dtypes)))
        return out[0] if single else out
    return dequeue_many


def _close_kernel(op, state):
    cancel = op.attrs["cancel_pending_enqueues"]
    return lambda: state.close_queue(cancel)


def _size_kernel(op, state):
    return lambda: np.array(state.size(), dtype=np.int32)


def _is_closed_kernel(op, state):
    return lambda: np.array(state.closed)


# host_only: the contents are Python-held numpy arrays; consumers on a GPU get copies
QUEUE_HANDLE = OpDef("QueueHandle", bind=_state_binder(_handle_kernel), grad=None, host_only=True)
QUEUE_ENQUEUE = OpDef("QueueEnqueueV2", bind=_state_binder(_enqueue_kernel), grad=None, host_only=True)
QUEUE_ENQUEUE_MANY = OpDef("QueueEnqueueManyV2", bind=_state_binder(_enqueue_many_kernel), grad=None,
                           host_only=True)
QUEUE_ENQUEUE_IF = OpDef("QueueEnqueueIf", bind=_state_binder(_enqueue_if_kernel), grad=None, host_only=True)
QUEUE_DEQUEUE = OpDef("QueueDequeueV2", bind=_state_binder(_dequeue_kernel), grad=None, host_only=True)
QUEUE_DEQUEUE_MANY = OpDef("QueueDequeueManyV2", bind=_state_binder(_dequeue_many_kernel), grad=None,
                           host_only=True)
QUEUE_CLOSE = OpDef("QueueCloseV2", bind=_state_binder(_close_kernel), grad=None, host_only=True)
QUEUE_SIZE = OpDef("QueueSizeV2", bind=_state_binder(_size_kernel), grad=None, host_only=True)
QUEUE_IS_CLOSED = OpDef("QueueIsClosedV2", bind=_state_binder(_is_closed_kernel), grad=None, host_only=True)


class QueueBase:
    """A queue of elements with components of ``dtypes`` (and, if given, ``shapes``); see the subclasses.

    Ops built by the methods act on the queue's contents in the session that runs them.
    """

    _handle_name = "queue"

    def __init__(self, dtypes, shapes, names, capacity, name, rng_seed=None, min_after_dequeue=0, padded=False):
        single = not isinstance(dtypes, (list, tuple))
        self._dtypes = [dtypes_mod.as_dtype(d) for d in ([dtypes] if single else dtypes)]
        if shapes is None:
            self._shapes = [shapes_mod.TensorShape(None)] * len(self._dtypes)
        else:
            shape_list = [shapes] if _is_one_shape(shapes) else list(shapes)
            if len(shape_list) != len(self._dtypes):
                raise ValueError("Queue: %d shapes given for %d dtypes" % (len(shape_list), len(self._dtypes)))
            self._shapes = [shapes_mod.as_shape(s) for s in shape_list]
        if names is not None:
            names = [names] if isinstance(names, str) else list(names)
            if len(names) != len(self._dtypes):
                raise ValueError("Queue: %d names given for %d dtypes" % (len(names), len(self._dtypes)))
        self._names = names
        self._capacity = int(capacity)
        self._min_after_dequeue = int(min_after_dequeue)
        self._padded = padded
        self._handle_op = make_op(QUEUE_HANDLE, [], [(dtypes_mod.string, [])], name or self._handle_name,
                                  attrs={"queue": self})
        self._name = self._handle_op.name
        self._graph = self._handle_op.graph
        self._seeds = None
        if rng_seed is not False:  # a shuffle queue: seeded by TF1's graph/op seed rule
            self._seeds = op_seeds(self._graph, rng_seed, self._handle_op) or ()

    # ---- properties ---------------------------------------------------------
    name = property(lambda self: self._name)
    dtypes = property(lambda self: list(self._dtypes))
    shapes = property(lambda self: list(self._shapes))
    names = property(lambda self: self._names)
    queue_ref = property(lambda self: self._handle_op.outputs[0])

    def session_state(self, session):
        """This queue's :class:`QueueState` in ``session`` (made on first use)."""
        key = ("queue", self)
        state = session.resources.get(key)
        if state is None:
            rng = None if self._seeds is None else np.random.default_rng(list(self._seeds) or None)
            state = session.resources.setdefault(key, QueueState(
                self._name, self._capacity, rng, self._min_after_dequeue, self._unstarted_runners_message))
        return state

    def _unstarted_runners_message(self):
        runners = [r for r in self._graph.get_collection(graph_mod.GraphKeys.QUEUE_RUNNERS)
                   if getattr(r, "queue", None) is self]
        if not runners:
            return None
        return ("Queue '%s' is empty and the queue runner that fills it was never started in this session, so a "
                "dequeue would wait forever: call kf.train.start_queue_runners(sess, coord) after initializing "
                "variables and before running ops that read from the queue." % self._name)

    # ---- building ops ----------------------------------------------------------
    def _components(self, vals, what, many):
        if self._names is not None:
            if not isinstance(vals, dict) or set(vals) != set(self._names):
                raise ValueError("%s into queue '%s' needs a dict with keys %s, got %r"
                                 % (what, self._name, self._names, vals))
            vals = [vals[k] for k in self._names]
        elif not isinstance(vals, (list, tuple)):
            vals = [vals]
        if len(vals) != len(self._dtypes):
            raise ValueError("%s into queue '%s' needs %d components (%s), got %d"
                             % (what, self._name, len(self._dtypes), ", ".join(d.name for d in self._dtypes),
                                len(vals)))
        tensors = []
        for i, (v, dtype, shape) in enumerate(zip(vals, self._dtypes, self._shapes)):
            t = convert_to_tensor(v) if is_tensor_like(v) else convert_to_tensor(v, dtype=dtype)
            if t.dtype is not dtype:
                raise build_error(what, None, [t], "%s into queue '%s': component %d has dtype %s, the queue "
                                  "holds %s" % (what, self._name, i, t.dtype.name, dtype.name), TypeError)
            element = t.shape
            if many:
                if t.shape.ndims == 0:
                    raise build_error(what, None, [t], "%s into queue '%s': component %d is a scalar; enqueue_many "
                                      "splits its inputs along dimension 0" % (what, self._name, i))
                element = t.shape[1:] if t.shape.ndims is not None else shapes_mod.TensorShape(None)
            if not shape.is_compatible_with(element):
                raise build_error(what, None, [t], "%s into queue '%s': component %d has element shape %s, the "
                                  "queue's is %s" % (what, self._name, i, element, shape))
            tensors.append(t)
        return tensors

    def enqueue(self, vals, name=None):
        """An op adding one element (a tensor, a list of them, or a dict when the queue has ``names``)."""
        tensors = self._components(vals, "QueueEnqueueV2", False)
        return make_op(QUEUE_ENQUEUE, tensors, [], name or "%s_enqueue" % self._base_name(), attrs={"queue": self})

    def enqueue_many(self, vals, name=None):
        """An op adding the slices of ``vals`` along dimension 0 as elements."""
        tensors = self._components(vals, "QueueEnqueueManyV2", True)
        return make_op(QUEUE_ENQUEUE_MANY, tensors, [], name or "%s_EnqueueMany" % self._base_name(),
                       attrs={"queue": self})

    def enqueue_if(self, keep_input, vals, many=False, name=None):
        """An op enqueuing ``vals`` only where ``keep_input`` (a bool scalar, or with ``many`` also a vector over
        dimension 0) is true: what ``kf.train.maybe_batch`` and its siblings build."""
        tensors = self._components(vals, "QueueEnqueueIf", many)
        keep = convert_to_tensor(keep_input, dtype=dtypes_mod.bool)
        if keep.shape.ndims not in (None, 0) and not (many and keep.shape.ndims == 1):
            raise build_error("QueueEnqueueIf", name, [keep], "keep_input must be a bool scalar%s, got shape %s"
                              % (" or vector" if many else "", keep.shape))
        return make_op(QUEUE_ENQUEUE_IF, [keep] + tensors, [], name or "%s_EnqueueIf" % self._base_name(),
                       attrs={"queue": self, "many": bool(many)})

    def dequeue(self, name=None):
        """One element, removed from the queue (waits for one; ``OutOfRangeError`` once closed and empty)."""
        op = make_op(QUEUE_DEQUEUE, [], list(zip(self._dtypes, self._shapes)), name or "%s_Dequeue"
                     % self._base_name(), attrs={"queue": self})
        return self._structure(op.outputs)

    def dequeue_many(self, n, name=None):
        """``n`` elements stacked along a new dimension 0 (``OutOfRangeError`` once closed with fewer left)."""
        return self._dequeue_n(n, False, name or "%s_DequeueMany" % self._base_name())

    def dequeue_up_to(self, n, name=None):
        """As ``dequeue_many``, but once the queue is closed returns what is left (at least one element)."""
        return self._dequeue_n(n, True, name or "%s_DequeueUpTo" % self._base_name())

    def _dequeue_n(self, n, allow_smaller, name):
        n_t = convert_to_tensor(n, dtype=dtypes_mod.int32)
        static_n = n if isinstance(n, (int, np.integer)) and not allow_smaller else None
        specs = [(d, shapes_mod.TensorShape([static_n]).concatenate(s)) for d, s in zip(self._dtypes, self._shapes)]
        op = make_op(QUEUE_DEQUEUE_MANY, [n_t], specs, name, attrs={"queue": self, "allow_smaller": allow_smaller})
        return self._structure(op.outputs)

    def close(self, cancel_pending_enqueues=False, name=None):
        """An op closing the queue: enqueues fail; dequeues drain what is left, then raise ``OutOfRangeError``."""
        return make_op(QUEUE_CLOSE, [], [], name or "%s_Close" % self._base_name(),
                       attrs={"queue": self, "cancel_pending_enqueues": bool(cancel_pending_enqueues)})

    def size(self, name=None):
        """The number of elements (an int32 scalar)."""
        return make_op(QUEUE_SIZE, [], [(dtypes_mod.int32, [])], name or "%s_Size" % self._base_name(),
                       attrs={"queue": self}).outputs[0]

    def is_closed(self, name=None):
        return make_op(QUEUE_IS_CLOSED, [], [(dtypes_mod.bool, [])], name or "%s_IsClosed" % self._base_name(),
                       attrs={"queue": self}).outputs[0]

    def _base_name(self):
        return self._name.rsplit("/", 1)[-1]

    def _structure(self, outputs):
        if self._names is not None:
            return dict(zip(self._names, outputs))
        return outputs[0] if len(outputs) == 1 else list(outputs)

    # ---- stacking dequeued elements ----------------------------------------------
    def stack_component(self, i, values):
        """Stacks the values of component ``i`` of several elements (padding them in a PaddingFIFOQueue)."""
        if not values:
            dims = self._shapes[i].dims
            tail = tuple(d or 0 for d in dims) if dims is not None else ()
            return np.empty((0,) + tail, dtype=self._dtypes[i].as_numpy_dtype)
        if self._padded:
            return _pad_stack(values, self._dtypes[i])
        try:
            return np.stack(values)
        except ValueError:
            raise errors.InvalidArgumentError(
                None, None, "Queue '%s': cannot batch elements of component %d with different shapes %s; give the "
                "queue fixed shapes, or use a PaddingFIFOQueue (batch(..., dynamic_pad=True))"
                % (self._name, i, sorted({v.shape for v in values}))) from None


def _is_one_shape(shapes):
    """Whether ``shapes`` is one shape (``[2, None]``, a TensorShape) rather than a list of shapes."""
    if isinstance(shapes, shapes_mod.TensorShape):
        return True
    return isinstance(shapes, (list, tuple)) and len(shapes) > 0 and all(
        d is None or isinstance(d, (int, np.integer, shapes_mod.Dimension)) for d in shapes)


def _pad_stack(values, dtype):
    ndim = values[0].ndim
    if any(v.ndim != ndim for v in values):
        raise errors.InvalidArgumentError(None, None, "PaddingFIFOQueue: elements of one component have different "
                                          "ranks: %s" % sorted({v.shape for v in values}))
    full = tuple(max(v.shape[d] for v in values) for d in range(ndim))
    fill = b"" if dtype is dtypes_mod.string else 0
    out = np.full((len(values),) + full, fill, dtype=dtype.as_numpy_dtype)
    for k, v in enumerate(values):
        out[(k,) + tuple(slice(0, s) for s in v.shape)] = v
    return out


class FIFOQueue(QueueBase):
    """A first-in first-out queue: ``FIFOQueue(capacity, dtypes, shapes=None, names=None, name=None)``."""

    _handle_name = "fifo_queue"

    def __init__(self, capacity, dtypes, shapes=None, names=None, shared_name=None, name="fifo_queue"):
        super().__init__(dtypes, shapes, names, capacity, name, rng_seed=False)


class PaddingFIFOQueue(QueueBase):
    """A FIFO queue whose ``dequeue_many`` pads each component to the largest element (zeros, or b"").

    ``shapes`` is required; ``None`` dimensions may vary between elements.
    """

    _handle_name = "padding_fifo_queue"

    def __init__(self, capacity, dtypes, shapes, names=None, shared_name=None, name="padding_fifo_queue"):
        if shapes is None:
            raise ValueError("PaddingFIFOQueue needs shapes (use None for the dimensions that vary)")
        super().__init__(dtypes, shapes, names, capacity, name, rng_seed=False, padded=True)


class RandomShuffleQueue(QueueBase):
    """A queue that dequeues elements in random order, keeping ``min_after_dequeue`` elements to mix with
    until it is closed.

    ``RandomShuffleQueue(capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None)``.
    """

    _handle_name = "random_shuffle_queue"

    def __init__(self, capacity, min_after_dequeue, dtypes, shapes=None, names=None, seed=None, shared_name=None,
                 name="random_shuffle_queue"):
        if min_after_dequeue >= capacity:
            raise ValueError("RandomShuffleQueue: min_after_dequeue (%d) must be less than capacity (%d)"
                             % (min_after_dequeue, capacity))
        super().__init__(dtypes, shapes, names, capacity, name, rng_seed=seed, min_after_dequeue=min_after_dequeue)
