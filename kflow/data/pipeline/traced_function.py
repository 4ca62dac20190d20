"""Functions given to ``Dataset.map`` / ``filter`` / ``flat_map`` / ``interleave``: traced once, or run as Python.

The function is called once on placeholders in a private Graph. When that
works and returns tensors, each iterator runs the compiled plan of that
graph in its own private Session (one generated Python function per
element: no graph walking). When it raises, or returns values that are not
tensors, the function is taken to be plain Python/numpy code and is called
on the numpy element values instead; its output spec is then learned from
its first result (or a probe of the first input element when a spec is
needed before iteration).

Example:
    >>> f = TracedFunction(lambda x: x * 2, spec, "Dataset.map()")
    >>> run = f.make_runner()
    >>> run((np.float32(3),))
    (6.0,)
"""
import threading

import numpy as np

from kflow import errors
from kflow.data.pipeline import nest
from kflow.data.pipeline.dataset import Dataset
from kflow.data.pipeline.structure import (ElementSpec, LeafSpec, as_feed, canonical, component_spec, sparse_value,
                                           to_array)
from kflow.engine import dtypes, graph as graph_mod, plan as plan_mod
from kflow.engine.ops.constant_op import convert_to_tensor, placeholder
from kflow.engine.session import Session
from kflow.engine.tensor import Tensor
from kflow.sparse.sparse_tensor import SparseTensor, SparseTensorValue, is_sparse_value


class _NotTraceable(Exception):
    pass


class FunctionGraph(graph_mod.Graph):
    """The private graph of a traced function: constants of other graphs used by its ops are copied in."""

    def __init__(self, what):
        super().__init__()
        self.what = what
        self._captured = {}

    def capture_external(self, inputs):
        inputs = list(inputs)
        if all(t.graph is self for t in inputs):
            return inputs
        return [t if t.graph is self else self._capture(t) for t in inputs]

    def _capture(self, t):
        inner = self._captured.get(t)
        if inner is None:
            if t.op.type != "Const":
                raise ValueError(
                    "%s: the function uses tensor '%s' of another graph. Functions given to datasets are traced in "
                    "their own graph and can only capture constants; pass other values through the dataset (or "
                    "as numpy values)." % (self.what, t.name))
            with self.as_default(), self.control_dependencies(None):
                inner = self._captured[t] = convert_to_tensor(t.op.attrs["value"], name="captured")
        return inner


def call_with_element(fn, element):
    """tf.data's convention: a tuple element is unpacked into positional arguments."""
    return fn(*element) if type(element) is tuple else fn(element)


class TracedFunction:
    """``fn`` over elements of ``input_spec``; ``returns_dataset`` for flat_map / interleave functions.

    Attributes:
        traced: True when ``fn`` runs as a graph.
        output_spec: the ElementSpec of the results (None until learned for Python functions).
        template: for ``returns_dataset``: the Dataset returned while tracing.
    """

    def __init__(self, fn, input_spec, what, returns_dataset=False):
        if not callable(fn):
            raise TypeError("%s expects a callable, got %s" % (what, type(fn).__name__))
        self.fn = fn
        self.input_spec = input_spec
        self.what = what
        self.returns_dataset = returns_dataset
        self.graph = FunctionGraph(what)
        self.graph.seed = graph_mod.get_default_graph().seed
        self.traced = False
        self.trace_error = None
        self.output_spec = None
        self.template = None
        self._outer = []
        self._lock = threading.Lock()
        self._trace()

    # ---- tracing -----------------------------------------------------------------
    def _trace(self):
        # Per-element kernels run on the host: a GPU would cost two transfers per element.
        with self.graph.as_default(), self.graph.device("/cpu:0"):
            self.feeds, args = _placeholders(self.input_spec)
            try:
                out = call_with_element(self.fn, self.input_spec.pack(args))
            except Exception as e:  # not graph code: run it as Python on numpy values
                self.trace_error = e
                return
            try:
                if self.returns_dataset:
                    self._set_dataset_output(out)
                else:
                    self._set_tensor_outputs(out)
            except _NotTraceable as e:
                self.trace_error = e
                return
        self.traced = True

    def _set_dataset_output(self, out):
        if not isinstance(out, Dataset):
            raise TypeError("%s: `map_func` must return a Dataset object, got %s" % (self.what, type(out).__name__))
        self.template = out
        self.output_spec = out.element_spec
        captures = out._captures()
        self.targets = [t for t in captures if t.graph is self.graph]
        self._outer = [t for t in captures if t.graph is not self.graph]

    def _set_tensor_outputs(self, out):
        out = _check_result(out, self.what)
        leaves = nest.flatten(out)
        flat_specs, self.targets = [], []
        for leaf in leaves:
            if isinstance(leaf, SparseTensor):
                self._own(leaf.values)
                self.targets.extend([leaf.indices, leaf.values, leaf.dense_shape])
                flat_specs.append(LeafSpec(leaf.dtype, leaf.shape, sparse=True))
                continue
            if hasattr(leaf, "outputs") and not hasattr(leaf, "value_index"):
                raise TypeError("%s: the function returned operation '%s'; return tensors" % (self.what, leaf.name))
            if isinstance(leaf, Tensor) or hasattr(leaf, "_as_tensor"):
                t = self._own(convert_to_tensor(leaf))
            else:
                try:
                    t = convert_to_tensor(leaf)
                except (TypeError, ValueError) as e:
                    raise _NotTraceable("returned %r, which is not a tensor (%s)" % (type(leaf).__name__, e))
            self.targets.append(t)
            flat_specs.append(LeafSpec(t.dtype, t.shape))
        self.output_spec = ElementSpec.from_flat(out, flat_specs)

    def _own(self, t):
        if t.graph is not self.graph:
            try:
                return self.graph.capture_external([t])[0]
            except ValueError as e:
                raise _NotTraceable(str(e))
        return t

    def outer_captures(self):
        """Tensors of the outer graph that the returned dataset template refers to."""
        return list(self._outer)

    # ---- running -------------------------------------------------------------------
    def make_runner(self):
        """``run(flat_components) -> result`` for one iterator: flat tuple, or (template, values) for datasets."""
        return self._graph_runner() if self.traced else self._python_runner()

    def _graph_runner(self):
        session = Session(graph=self.graph)
        plan = plan_mod.Plan(session, self.targets, self.feeds)  # looked up late: tests count the plans
        has_sparse_in = any(s.sparse for s in self.input_spec.flat)
        if self.returns_dataset:
            targets, template = self.targets, self.template

            def run_dataset(flat):
                return template, dict(zip(targets, plan.run(_feed_values(flat, has_sparse_in))))
            return run_dataset
        out_sparse = [s.sparse for s in self.output_spec.flat]
        if any(out_sparse):
            def run_sparse(flat):
                outs = iter(plan.run(_feed_values(flat, has_sparse_in)))
                return tuple(SparseTensorValue(o, next(outs), next(outs)) if sp else canonical(o)
                             for o, sp in zip(outs, out_sparse))
            return run_sparse
        run_plan = plan.run
        if not has_sparse_in:
            def run(flat):
                return tuple([canonical(o) for o in run_plan([as_feed(v) for v in flat])])
            return run

        def run_sparse_in(flat):
            return tuple([canonical(o) for o in run_plan(_feed_values(flat, True))])
        return run_sparse_in

    def _python_runner(self):
        pack, fn = self.input_spec.pack, self.fn

        def run(flat):
            try:
                out = call_with_element(fn, pack(flat))
            except Exception as e:
                if self.trace_error is not None and hasattr(e, "add_note"):
                    e.add_note("(%s ran the function as Python because tracing it on placeholders failed: %s: %s)"
                               % (self.what, type(self.trace_error).__name__, self.trace_error))
                raise
            if self.returns_dataset:
                return self._check_dataset(out), {}
            return self._check_python_output(out)
        return run

    def _check_dataset(self, ds):
        if not isinstance(ds, Dataset):
            raise TypeError("%s: `map_func` must return a Dataset object, got %s" % (self.what, type(ds).__name__))
        with self._lock:
            if self.output_spec is None:
                self.output_spec = ds.element_spec
        if not ds.element_spec.is_compatible_with(self.output_spec):
            raise errors.InvalidArgumentError(
                None, None, "%s: the function returned a dataset of %s after one of %s" % (
                    self.what, ds.element_spec.describe(), self.output_spec.describe()))
        return ds

    def _check_python_output(self, out):
        out = _check_result(out, self.what)
        flat = [_python_component(v, self) for v in nest.flatten(out)]
        spec = self.output_spec
        if spec is None:
            with self._lock:
                if self.output_spec is None:
                    self.output_spec = ElementSpec.from_flat(out, [component_spec(v) for v in flat])
                spec = self.output_spec
        if len(flat) != len(spec.flat) or not nest.same_structure(spec.structure, out):
            raise errors.InvalidArgumentError(
                None, None, "%s: the function returned %s, but earlier results had the structure %s" % (
                    self.what, nest.describe(out), spec.describe()))
        return tuple(_conform(v, s, self.what) for v, s in zip(flat, spec.flat))

    def probe(self, input_dataset):
        """Learns the spec of a Python function by applying it to the first input element."""
        if self.output_spec is None:
            try:
                it = input_dataset._make_iterator(input_dataset._python_context())
            except errors.OpError as e:
                raise ValueError("%s: the output types of a Python function are learned from the first input "
                                 "element, which cannot be computed here (%s). Write the function with kflow ops "
                                 "(tracing failed: %s), or wrap the Python code in kf.py_func(func, inp, Tout)."
                                 % (self.what, e, self.trace_error)) from None
            try:
                first = next(it)
            except StopIteration:
                raise ValueError("%s: cannot tell the output types of a Python function over an empty dataset; "
                                 "write the function with kflow ops (it failed to trace: %s)"
                                 % (self.what, self.trace_error)) from None
            finally:
                close = getattr(it, "close", None)
                if close is not None:
                    close()
            self._python_runner()(first)
        return self.output_spec


def _check_result(out, what):
    if out is None:
        raise TypeError("%s: the function returned None; it must return a tensor or a (nested) tuple/dict of "
                        "tensors" % what)
    if isinstance(out, list):  # tf.data converts a returned list to a tuple
        out = tuple(out)
    if any(isinstance(v, Dataset) for v in nest.flatten(out)):
        raise TypeError("%s: the function returned a Dataset; use flat_map or interleave for that" % what)
    return out


def _placeholders(spec):
    feeds, args = [], []
    for i, leaf in enumerate(spec.flat):
        if leaf.sparse:
            rank = leaf.shape.ndims
            parts = [placeholder(dtypes.int64, [None, rank], "args_%d_indices" % i),
                     placeholder(leaf.dtype, [None], "args_%d_values" % i),
                     placeholder(dtypes.int64, [rank], "args_%d_dense_shape" % i)]
            sp = SparseTensor(*parts)
            sp.set_shape(leaf.shape)
            feeds.extend(parts)
            args.append(sp)
        else:
            p = placeholder(leaf.dtype, leaf.shape, "args_%d" % i)
            feeds.append(p)
            args.append(p)
    return feeds, args


def _feed_values(flat, has_sparse):
    if not has_sparse:
        return [as_feed(v) for v in flat]
    out = []
    for v in flat:
        if is_sparse_value(v):
            out.extend([v.indices, v.values, v.dense_shape])
        else:
            out.append(as_feed(v))
    return out


def _python_component(v, fn):
    if isinstance(v, (Tensor, SparseTensor)) or hasattr(v, "_as_tensor"):
        reason = fn.trace_error
        raise TypeError("%s: the function returned the symbolic tensor %s while running as Python on numpy values "
                        "(it could not be traced: %s). Functions given to datasets are traced in their own graph and "
                        "cannot use tensors created outside of them; pass numpy values instead."
                        % (fn.what, v, reason))
    if is_sparse_value(v):
        return sparse_value(v)
    if isinstance(v, np.ndarray) and v.dtype.kind not in "OSU":
        return canonical(v)
    if isinstance(v, np.generic) and not isinstance(v, (np.str_, np.bytes_)):
        return v
    return canonical(to_array(v))


def _conform(v, spec, what):
    """Checks a Python function's component against the spec learned from its first result."""
    if spec.sparse:
        if not is_sparse_value(v):
            raise errors.InvalidArgumentError(None, None, "%s: expected a sparse value, got %s" % (what, type(v)))
        return v
    dtype = np.dtype(spec.dtype.as_numpy_dtype)
    vd = np.dtype(object) if isinstance(v, bytes) else v.dtype
    if vd != dtype:
        if vd.kind == "O" or dtype.kind == "O" or not np.can_cast(vd, dtype, "same_kind"):
            raise errors.InvalidArgumentError(None, None, "%s: the function returned dtype %s where its first result "
                                              "had %s" % (what, vd, dtype))
        v = canonical(np.asarray(v, dtype))
    if spec.shape.dims is not None and np.shape(v) != spec.shape.dims:
        raise errors.InvalidArgumentError(
            None, None, "%s: a Python function returned shape %s where its first result had shape %s; static "
            "shapes of Python dataset functions come from their first result. Use kf.py_func(func, inp, Tout) "
            "inside a traced function for results whose shapes vary." % (what, np.shape(v), spec.shape))
    return v
