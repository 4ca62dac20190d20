"""Sessions: run fetched subgraphs with per-session variable values.

Example:
    >>> x = kf.placeholder(kf.float32, [None, 2])
    >>> y = x * 2.0
    >>> with kf.Session() as sess:
    ...     sess.run(y, feed_dict={x: [[1, 2]]})
    array([[2., 4.]], dtype=float32)
"""
import contextlib
import warnings

import numpy as np

from kflow import errors
from kflow.engine import dtypes, execution_mode, graph as graph_mod
from kflow.engine.default_session import get_default_session, session_for, session_stack  # noqa: F401
from kflow.engine.fetches import FetchStructure
from kflow.engine.host_memory import keep_freed_buffers
from kflow.engine.placement import Placer, device_name
from kflow.engine.plan import Plan
from kflow.engine.run_metadata import trace_level
from kflow.engine.run_options import deadline_after

# Runs in a row that found the graph grown before the "graph grows in the loop" warning fires.
GROWTH_WARN_RUNS = 5


class ConfigProto:
    """Session options; ``log_device_placement=True`` prints each op's device when a plan is built."""

    def __init__(self, log_device_placement=False, allow_soft_placement=True, device_count=None,
                 inter_op_parallelism_threads=0, intra_op_parallelism_threads=0, gpu_options=None, **kwargs):
        self.log_device_placement = log_device_placement
        self.allow_soft_placement = allow_soft_placement
        self.device_count = device_count or {}
        self.inter_op_parallelism_threads = inter_op_parallelism_threads
        self.intra_op_parallelism_threads = intra_op_parallelism_threads
        # TF1 code sets fields on the default: ``config.gpu_options.allow_growth = True``
        self.gpu_options = gpu_options if gpu_options is not None else GPUOptions()
        self.extra = kwargs


class GPUOptions:
    def __init__(self, allow_growth=False, per_process_gpu_memory_fraction=1.0, **kwargs):
        self.allow_growth = allow_growth
        self.per_process_gpu_memory_fraction = per_process_gpu_memory_fraction


_TARGET_PLANS = {}  # target scheme ("mpi") -> plan class running graphs placed over a cluster's tasks


def register_target(scheme, plan_class):
    """Makes ``Session("<scheme>://...")`` compile its runs with ``plan_class`` (same constructor and ``run`` as
    ``Plan``): how ``kflow.distribute`` serves ``Session(server.target)`` without the engine knowing MPI."""
    _TARGET_PLANS[scheme] = plan_class


def _plan_class(target):
    if not target or "://" not in target:
        return Plan  # "" (and TF's "local") run in this process
    scheme = target.split("://", 1)[0]
    if scheme not in _TARGET_PLANS:
        raise ValueError("Session target %r: kflow serves in-process sessions and the targets of "
                         "kflow.distribute.Server (mpi://...; launch with mpiexec), not %s:// servers."
                         % (target, scheme))
    return _TARGET_PLANS[scheme]


class Session:
    """Runs ops of ``graph`` (default: the default graph). Each session has its own variable values."""

    def __init__(self, target="", graph=None, config=None):
        self.target = target
        self._plan_class = _plan_class(target)
        self.graph = graph if graph is not None else graph_mod.get_default_graph()
        store = self.graph.variable_store  # a kf.function graph's: the eager variables' values
        if self.graph.eager_friendly:  # (private graphs: a dataset's map function, a kf.function, run in eager mode)
            _refuse_in_eager_mode("kf.Session()")
        self.config = config or ConfigProto()
        self.variable_values = {} if store is None else store  # variable Operation -> array
        self.resources = {}  # op -> per-session state (random generators, iterators, ...)
        self._plans = {}
        self._fetch_structures = {}
        self._closed = False
        self._last_version = None
        self._growth_runs = 0
        self._warned_growth = False
        self._context = None
        self.placer = Placer(self.config.allow_soft_placement)
        self._operation_timeout = getattr(self.config, "extra", {}).get("operation_timeout_in_ms", 0)  # ms; 0: none
        keep_freed_buffers()  # steps reuse freed arrays instead of page-faulting on fresh memory

    # ---- running ---------------------------------------------------------
    def run(self, fetches, feed_dict=None, options=None, run_metadata=None):
        """Computes ``fetches`` (a graph element, name, or nested list/tuple/dict of them).

        Returns numpy values in the structure of ``fetches``. ``options`` (``kf.RunOptions``) with a
        ``trace_level`` adds each op's step stats to ``run_metadata`` (``kf.RunMetadata``).

        Raises:
            InvalidArgumentError: a feed has the wrong shape/dtype, or a placeholder is not fed.
            FailedPreconditionError: a variable is read before it is initialized.
            DeadlineExceededError: ``options.timeout_in_ms`` (or the config's ``operation_timeout_in_ms``)
                passed while a kernel waited (a queue, a reader).
        """
        if self._closed:
            raise RuntimeError("Attempted to use a closed Session.")
        feed_dict = feed_dict or {}
        structure = self._fetch_structure(fetches)
        key = (structure.key, tuple(feed_dict))
        entry = self._plans.get(key)
        if entry is None:
            # nested-tuple keys (an RNN state) are looked for here, once per plan, not on every run
            nested = any(isinstance(k, tuple) for k in feed_dict)
            feed_keys = tuple(_flatten_feed(feed_dict)) if nested else key[1]
            entry = self._compile(structure, feed_keys) + (feed_keys, nested)
            self._plans[key] = entry
        else:
            self._note_graph_version(False)
        plan, feed_checks, feed_keys, nested = entry
        if nested:
            feed_dict = _flatten_feed(feed_dict)
        feed_values = [check(feed_dict[k]) for k, check in zip(feed_keys, feed_checks)]
        if options is not None or self._operation_timeout:
            return structure.pack(self._run_with_options(plan, feed_values, options, run_metadata))
        return structure.pack(plan.run(feed_values))

    def _run_with_options(self, plan, feed_values, options, run_metadata):
        """One step under ``options``: traced into ``run_metadata`` when they ask for a trace, and within their
        deadline (or the config's), which blocking kernels (queues, readers) give up at."""
        timeout = getattr(options, "timeout_in_ms", 0) or self._operation_timeout
        with deadline_after(timeout) if timeout and timeout > 0 else contextlib.nullcontext():
            if options is not None and trace_level(options):
                return plan.run_traced(feed_values, run_metadata)
            return plan.run(feed_values)

    def _fetch_structure(self, fetches):
        if isinstance(fetches, (list, dict)):  # mutable: cannot be a cache key
            return self._new_structure(fetches)
        try:
            cached = self._fetch_structures.get(fetches)
        except TypeError:  # e.g. a tuple holding a list
            return self._new_structure(fetches)
        if cached is None:
            cached = self._fetch_structures[fetches] = self._new_structure(fetches)
        return cached

    def _new_structure(self, fetches):
        if self.graph.variable_store is not None:  # eager variables fetched from a kf.function / Keras graph:
            with self.graph.as_default():  # resolved inside it, they give the graph's captured reads
                return FetchStructure(self.graph, fetches)
        return FetchStructure(self.graph, fetches)

    def _compile(self, structure, feed_keys):
        if self.graph.eager_friendly:
            _refuse_in_eager_mode("Session.run()")
        self._note_graph_version(True)
        feeds, checks = [], []
        for k in feed_keys:
            t = self.graph.as_graph_element(k)
            if not hasattr(t, "value_index"):
                raise TypeError("Feed key %r is not a Tensor (got %s); feed placeholders or tensors." % (k, t))
            if t.graph is not self.graph:
                raise ValueError("Cannot feed %s: it belongs to another graph than the session's." % t.name)
            feeds.append(t)
            checks.append(_feed_checker(t))
        for t in structure.elements:
            if t.graph is not self.graph:
                raise ValueError("Fetch argument %s is not an element of this session's graph." % (t,))
        plan = self._plan_class(self, structure.elements, feeds)
        if self.config.log_device_placement:
            for op in plan.ops:
                print("%s: (%s): %s" % (op.name, op.type, device_name(*plan.placements[op])))
        return plan, checks

    def _note_graph_version(self, compiled):
        version = self.graph.version
        if self._last_version is not None and version > self._last_version and compiled:
            self._growth_runs += 1
            if self._growth_runs >= GROWTH_WARN_RUNS and not self._warned_growth:
                self._warned_growth = True
                warnings.warn(
                    "kflow: the graph gained new ops before each of the last %d Session.run calls (now %d ops). "
                    "Creating ops inside a training loop makes the graph grow without bound and each run "
                    "recompiles; build all ops once before the loop (graph.finalize() turns this into an error)."
                    % (self._growth_runs, version), RuntimeWarning, stacklevel=3)
        elif version == self._last_version:
            self._growth_runs = 0
        self._last_version = version

    # ---- lifecycle ---------------------------------------------------------
    def close(self):
        self._closed = True
        self._plans.clear()
        for r in self.resources.values():
            close = getattr(r, "close", None)
            if close is not None:
                close()
        self.resources.clear()
        self.variable_values.clear()

    def as_default(self):
        return _SessionContext(self)

    def __enter__(self):
        self._context = _SessionContext(self)
        self._graph_context = self.graph.as_default()
        self._graph_context.__enter__()
        self._context.__enter__()
        return self

    def __exit__(self, *exc):
        self._context.__exit__(*exc)
        self._graph_context.__exit__(*exc)
        self.close()

    @property
    def sess_str(self):
        return self.target

    def list_devices(self):
        return [device_name("CPU")] + ([device_name("GPU")] if self.placer.gpu is not None else [])


def _refuse_in_eager_mode(what):
    if execution_mode.mode.eager:
        raise RuntimeError(
            "%s is not available while eager execution is active: ops run at once, so there is no graph to "
            "run. Call ops directly and read results with .numpy(), wrap a step in kf.function for graph speed, "
            "or build and run graphs inside `with kf.graph_mode():` (or `with kf.Graph().as_default():`)." % what)


class InteractiveSession(Session):
    """A Session that installs itself as the default session on construction."""

    def __init__(self, target="", graph=None, config=None):
        super().__init__(target, graph, config)
        self._context = _SessionContext(self)
        self._context.__enter__()

    def close(self):
        if self._context is not None and get_default_session() is self:
            self._context.__exit__(None, None, None)
        super().close()


class _SessionContext:
    def __init__(self, session):
        self.session = session

    def __enter__(self):
        stack = session_stack()
        stack.append(self.session)
        return self.session

    def __exit__(self, *exc):
        stack = session_stack()
        if stack and stack[-1] is self.session:
            stack.pop()


class FeedError(errors.InvalidArgumentError, ValueError):
    """A value that cannot be fed (shape, dtype): kf.errors.InvalidArgumentError, and also the ValueError
    TF 1.x's Session.run raises, so either ``except`` clause of user code catches it."""


def _flatten_feed(feed_dict):
    """Feeds keyed by nested tuples of tensors (an RNN state: ``{cell.zero_state(...): state}``) become one
    feed per tensor, as TF1's Session.run allows; the value must have the key's structure."""
    out = {}
    for k, v in feed_dict.items():
        if not isinstance(k, tuple):
            out[k] = v
            continue
        if not isinstance(v, (tuple, list)) or len(v) != len(k):
            raise ValueError("The feed for the nested key %r must be a tuple or list of %d values (its structure), "
                             "got %s" % (k, len(k), type(v).__name__))
        out.update(_flatten_feed(dict(zip(k, v))))
    return out


def _feed_checker(t):
    """Builds the per-step feed conversion for tensor ``t`` (dtype cast, shape check)."""
    dtype = t.dtype
    np_dtype = np.dtype(dtype.as_numpy_dtype)
    dims = t.shape.dims
    is_string = dtype.name == "string"

    def check(value):
        if value.__class__ is np.ndarray and value.dtype == np_dtype and not is_string:  # strings: str -> bytes
            arr = value
        else:
            arr = _convert_feed(value, t, np_dtype, is_string)
        if dims is not None:
            s = arr.shape
            if len(s) != len(dims) or any(d is not None and d != v for d, v in zip(dims, s)):
                raise FeedError(
                    None, t.op, "Cannot feed value of shape %s for Tensor '%s', which has shape %s" % (
                        tuple(s), t.name, _shape_text(dims)))
        return arr

    return check


def _convert_feed(value, t, np_dtype, is_string):
    try:
        arr = np.asarray(value)
    except Exception as e:
        raise FeedError(None, t.op, "Cannot convert the value fed for '%s' to an array: %s"
                                          % (t.name, e)) from None
    if is_string:
        return dtypes.string_array(value)
    if arr.dtype == np_dtype:
        return arr
    if arr.dtype.kind == "f" and np_dtype.kind in "iu":
        return _integral_feed(arr, t, np_dtype)
    if arr.dtype.kind in "OSU" or not np.can_cast(arr.dtype, np_dtype, "same_kind") and not (
            arr.dtype.kind in "iub" and np_dtype.kind in "iuf"):
        raise FeedError(
            None, t.op, "Cannot feed a value of dtype %s for Tensor '%s', which has dtype %s" % (
                arr.dtype, t.name, t.dtype.name))
    return arr.astype(np_dtype)


def _integral_feed(arr, t, np_dtype):
    """Float values fed to an integer tensor (``np.ones(...)`` labels): converted when every value is a whole
    number the dtype holds. Unlike TF1, which truncates 1.5 to 1, kflow refuses a feed that would change a value."""
    info = np.iinfo(np_dtype)
    ok = np.isfinite(arr) & (arr == np.round(arr)) & (arr >= info.min) & (arr <= info.max)
    if not ok.all():
        bad = arr[~ok].reshape(-1)[0]
        raise FeedError(None, t.op, "Cannot feed a value of dtype %s for Tensor '%s', which has dtype %s: %r is not "
                        "a whole number in the %s range, and kflow does not truncate feeds (TF1 would); round or "
                        "cast the value first" % (arr.dtype, t.name, t.dtype.name, float(bad), t.dtype.name))
    return arr.astype(np_dtype)


def _shape_text(dims):
    return "'(%s)'" % ", ".join("?" if d is None else str(d) for d in dims) if len(dims) != 1 else \
        "'(%s,)'" % ("?" if dims[0] is None else dims[0])
