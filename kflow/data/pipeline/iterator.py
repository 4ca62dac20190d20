"""Graph iterators over datasets (``tf.data.Iterator``): one-shot, initializable, reinitializable, feedable.

An iterator is a resource op whose per-session state (the Python iterator
of the bound dataset) lives in ``session.resources``. ``get_next()`` is one
"IteratorGetNext" op with one output per component, so all the tensors of
one ``get_next()`` come from the same element in a ``Session.run``; at the
end of the data it raises ``kf.errors.OutOfRangeError`` (until the
iterator is initialized again). Closing the session stops the pipeline's
threads.

Example:
    >>> it = kf.data.Iterator.from_structure(train.output_types, train.output_shapes)
    >>> x, y = it.get_next()
    >>> train_init, test_init = it.make_initializer(train), it.make_initializer(test)
    >>> sess.run(train_init)
    >>> while True:
    ...     try:
    ...         sess.run(train_op)
    ...     except kf.errors.OutOfRangeError:
    ...         break
"""
import threading

import numpy as np

from kflow import errors
from kflow.data.pipeline.context import IteratorContext, evaluate_tensors
from kflow.data.pipeline.structure import as_feed, from_types_and_shapes
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.params import constant_value
from kflow.sparse.sparse_tensor import SparseTensor

_REGISTRY_KEY = "kflow.data.iterators"


class _Registry:
    """The iterator states of one session, by iterator name (what string handles hold)."""

    def __init__(self):
        self.states = {}
        self.lock = threading.Lock()

    def state(self, name):
        with self.lock:
            s = self.states.get(name)
            if s is None:
                s = self.states[name] = IteratorState(name)
            return s

    def close(self):
        for s in list(self.states.values()):
            s.close()


def _registry(session):
    reg = session.resources.get(_REGISTRY_KEY)
    if reg is None:
        reg = session.resources.setdefault(_REGISTRY_KEY, _Registry())
    return reg


class IteratorState:
    """One iterator in one session: the bound dataset and its live Python iterator."""

    def __init__(self, name):
        self.name = name
        self.dataset = None
        self.one_shot = None
        self._it = None
        self._persistent = {}  # survives re-initialization (shuffle epochs, ...)
        self._lock = threading.Lock()

    def reset(self, dataset, values, session):
        with self._lock:
            self._close_iterator()
            self.dataset = dataset
            ctx = IteratorContext(values, state=self._persistent, session=session)
            self._it = dataset._make_iterator(ctx)

    def next(self, session, op):
        with self._lock:
            if self._it is None:
                if self.one_shot is None:
                    raise errors.FailedPreconditionError(
                        None, op, "GetNext() failed because the iterator has not been initialized. Ensure that you "
                        "have run the initializer operation for this iterator before getting the next element.")
                dataset, values = self.one_shot.dataset, self.one_shot._capture_values(session)
                self.dataset = dataset
                self._it = dataset._make_iterator(IteratorContext(values, state=self._persistent, session=session))
            try:
                return next(self._it)
            except StopIteration:
                raise errors.OutOfRangeError(None, op, "End of sequence (dataset: %s)"
                                             % self.dataset._pipeline()) from None

    def _close_iterator(self):
        close = getattr(self._it, "close", None)
        self._it = None
        if close is not None:
            close()

    def close(self):
        with self._lock:
            self._close_iterator()


def _bind_resource(op, session):
    it = op.attrs["iterator"]
    state = _registry(session).state(it._name)
    if it._is_one_shot:
        state.one_shot = it
    value = np.empty((), object)
    value[()] = it._name
    return lambda: value


def _bind_make_iterator(op, session):
    dataset, captures = op.attrs["dataset"], op.attrs["captures"]
    registry = _registry(session)

    def kernel(handle, *values):
        registry.state(handle.item()).reset(dataset, dict(zip(captures, values)), session)
    return kernel


def _bind_get_next(op, session):
    it = op.attrs["iterator"]
    spec, fixed_name = it._spec, getattr(it, "_name", None)
    sparse = [s.sparse for s in spec.flat]
    registry = _registry(session)

    def kernel(handle):
        key = fixed_name if fixed_name is not None else handle.item()
        state = registry.states.get(key)
        if state is None:
            raise errors.NotFoundError(None, op, "No iterator named %r in this session" % (key,))
        if fixed_name is None and state.dataset is not None and not state.dataset.element_spec.\
                is_compatible_with(spec):
            raise errors.InvalidArgumentError(None, op, "The iterator behind the handle produces %s, not %s"
                                              % (state.dataset.element_spec.describe(), spec.describe()))
        flat = state.next(session, op)
        if not any(sparse):
            return as_feed(flat[0]) if len(flat) == 1 else tuple([as_feed(v) for v in flat])
        out = []
        for v, sp in zip(flat, sparse):
            out.extend([v.indices, v.values, v.dense_shape] if sp else [as_feed(v)])
        return out[0] if len(out) == 1 else tuple(out)
    return kernel


ITERATOR = OpDef("IteratorV2", bind=_bind_resource, grad=None, host_only=True)
ONE_SHOT_ITERATOR = OpDef("OneShotIterator", bind=_bind_resource, grad=None, host_only=True)
MAKE_ITERATOR = OpDef("MakeIterator", bind=_bind_make_iterator, grad=None, host_only=True)
ITERATOR_GET_NEXT = OpDef("IteratorGetNext", bind=_bind_get_next, grad=None, host_only=True)


class Iterator:
    """Produces the elements of a dataset in a graph (``tf.data.Iterator``).

    Create one with ``dataset.make_one_shot_iterator()``, ``dataset.make_initializable_iterator()``,
    ``Iterator.from_structure(types, shapes)`` or ``Iterator.from_string_handle(handle, types, shapes)``.
    """

    def __init__(self, spec, handle=None, name="Iterator", one_shot=None, shared_name=None):
        self._spec = spec
        self.dataset = one_shot
        self._is_one_shot = one_shot is not None
        self._initializer = None
        if handle is not None:
            self._handle, self._resource = handle, None
            return
        op_def = ONE_SHOT_ITERATOR if one_shot is not None else ITERATOR
        self._resource = make_op(op_def, [], [(dtypes.string, [])], name, attrs={"iterator": self})
        self._handle = self._resource.outputs[0]
        self._name = (shared_name or self._resource.name).encode("utf-8")
        if one_shot is not None:
            self._check_one_shot_captures()

    # ---- construction ---------------------------------------------------------------
    @classmethod
    def _one_shot(cls, dataset):
        return cls(dataset.element_spec, name="OneShotIterator", one_shot=dataset)

    @classmethod
    def _initializable(cls, dataset, shared_name=None):
        it = cls(dataset.element_spec, shared_name=shared_name)
        it._initializer = it.make_initializer(dataset)
        it.dataset = dataset
        return it

    @staticmethod
    def from_structure(output_types, output_shapes=None, shared_name=None, output_classes=None):
        """An uninitialized iterator for datasets of this structure; bind one with ``make_initializer``."""
        return Iterator(from_types_and_shapes(output_types, output_shapes, output_classes), shared_name=shared_name)

    @staticmethod
    def from_string_handle(string_handle, output_types, output_shapes=None, output_classes=None):
        """An iterator that switches between iterators by feeding ``string_handle`` their ``string_handle()``."""
        handle = convert_to_tensor(string_handle)
        if handle.dtype is not dtypes.string:
            raise TypeError("string_handle must be a tf.string tensor, got %s" % handle)
        return Iterator(from_types_and_shapes(output_types, output_shapes, output_classes), handle=handle)

    def _check_one_shot_captures(self):
        for t in self.dataset._captures():
            placeholder = _placeholder_behind(t)
            if placeholder is not None:
                raise ValueError("Cannot make a one-shot iterator of a dataset that depends on the placeholder '%s' "
                                 "(through '%s'); use make_initializable_iterator() and feed it to the initializer."
                                 % (placeholder.name, t.name))

    def _capture_values(self, session):
        caps = [t for t in self.dataset._captures() if constant_value(t) is None]
        same = [t for t in caps if t.graph is session.graph]
        other = [t for t in caps if t.graph is not session.graph]
        values = dict(zip(same, session.run(same))) if same else {}
        if other:
            values.update(zip(other, evaluate_tensors(other)))
        return values

    # ---- ops ---------------------------------------------------------------------------
    def make_initializer(self, dataset, name=None):
        """An op that (re)starts this iterator on ``dataset`` (captured tensors are computed by the op)."""
        if self._resource is None:
            raise ValueError("Iterators made by from_string_handle cannot be initialized; initialize the iterators "
                             "whose string_handle() you feed")
        if not dataset.element_spec.is_compatible_with(self._spec):
            raise TypeError("Expected a dataset with elements %s but got one with elements %s."
                            % (self._spec.describe(), dataset.element_spec.describe()))
        graph = self._handle.graph
        inputs = [t for t in dataset._captures() if t.graph is graph]
        with graph.as_default():
            op = make_op(MAKE_ITERATOR, [self._handle] + inputs, [], name or "MakeIterator",
                         attrs={"dataset": dataset, "captures": inputs})
        op.device = "/cpu:0"  # datasets take numpy values: never move the captured tensors to a GPU
        return op

    @property
    def initializer(self):
        if self._initializer is None:
            raise ValueError("This iterator has no initializer: one-shot iterators initialize themselves; "
                             "iterators from from_structure use make_initializer(dataset)")
        return self._initializer

    def get_next(self, name=None):
        """The next element as a structure of tensors (one op; OutOfRangeError at the end)."""
        specs = []
        for s in self._spec.flat:
            if s.sparse:
                rank = s.shape.ndims
                specs += [(dtypes.int64, [None, rank]), (s.dtype, [None]), (dtypes.int64, [rank])]
            else:
                specs.append((s.dtype, s.shape))
        op = make_op(ITERATOR_GET_NEXT, [self._handle], specs, name or "IteratorGetNext", attrs={"iterator": self})
        outs, leaves = iter(op.outputs), []
        for s in self._spec.flat:
            if s.sparse:
                sp = SparseTensor(next(outs), next(outs), next(outs))
                sp.set_shape(s.shape)
                leaves.append(sp)
            else:
                leaves.append(next(outs))
        return self._spec.pack(leaves)

    def string_handle(self, name=None):
        """A scalar string tensor naming this iterator (feed it to a ``from_string_handle`` iterator)."""
        with self._handle.graph.as_default():
            return identity(self._handle, name=name or "IteratorToStringHandle")

    # ---- structure -----------------------------------------------------------------------
    @property
    def element_spec(self):
        return self._spec

    @property
    def output_types(self):
        return self._spec.types()

    @property
    def output_shapes(self):
        return self._spec.shapes()

    @property
    def output_classes(self):
        return self._spec.classes()


def _placeholder_behind(t):
    """A Placeholder op that ``t`` depends on, or None."""
    seen, stack = set(), [t.op]
    while stack:
        op = stack.pop()
        if op in seen:
            continue
        seen.add(op)
        if op.type == "Placeholder":
            return op
        stack.extend(i.op for i in op.inputs)
    return None


def make_one_shot_iterator(dataset):
    """``tf.compat.v1.data.make_one_shot_iterator(dataset)``."""
    return dataset.make_one_shot_iterator()


def make_initializable_iterator(dataset, shared_name=None):
    """``tf.compat.v1.data.make_initializable_iterator(dataset)``."""
    return dataset.make_initializable_iterator(shared_name)


def get_output_types(dataset_or_iterator):
    return dataset_or_iterator.output_types


def get_output_shapes(dataset_or_iterator):
    return dataset_or_iterator.output_shapes


def get_output_classes(dataset_or_iterator):
    return dataset_or_iterator.output_classes
