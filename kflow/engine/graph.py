"""The dataflow graph, its default-graph stack, name scopes and collections.

Example:
    >>> g = kf.Graph()
    >>> with g.as_default():
    ...     with kf.name_scope("layer"):
    ...         c = kf.constant(1.0)
    >>> c.name
    'layer/Const:0'
"""
import contextlib
import threading

from kflow.engine import execution_mode, shapes


class GraphKeys:
    """Standard collection names, as in ``tf.GraphKeys``."""

    GLOBAL_VARIABLES = "variables"
    LOCAL_VARIABLES = "local_variables"
    TRAINABLE_VARIABLES = "trainable_variables"
    MODEL_VARIABLES = "model_variables"
    MOVING_AVERAGE_VARIABLES = "moving_average_variables"
    UPDATE_OPS = "update_ops"
    REGULARIZATION_LOSSES = "regularization_losses"
    LOSSES = "losses"
    SUMMARIES = "summaries"
    GLOBAL_STEP = "global_step"
    METRIC_VARIABLES = "metric_variables"
    INIT_OP = "init_op"
    TRAIN_OP = "train_op"
    SAVERS = "savers"
    QUEUE_RUNNERS = "queue_runners"


class Graph:
    """A TF1 graph: operations in creation order plus naming and collection state."""

    # Entering a graph with ``as_default`` switches eager execution off for the block (as TF 1.x does), except
    # for the global default graph, which eager code keeps using for names and collections.
    eager_friendly = False
    lifts_variables = False  # a kf.function graph: kf.Variable() made while tracing becomes an eager variable
    variable_store = None  # a function graph's sessions share the eager variables' values (kf.function)

    def __init__(self):
        self._ops = []
        self._ops_by_name = {}
        self._names_in_use = {}
        self._name_stack = ""
        self._control_dependencies_stack = []
        self._device_stack = []
        self._collections = {}
        self._finalized = False
        self._cond_context = None
        self._gradient_override_map = {}  # op type -> registered gradient name
        self._lock = threading.RLock()
        self.seed = None

    # ---- building -------------------------------------------------------
    def as_default(self):
        """Context manager that makes this graph the default graph."""
        return _default_graph_stack.get_controller(self)

    def finalize(self):
        """Makes the graph read-only: adding an op afterwards raises RuntimeError."""
        self._finalized = True

    @property
    def finalized(self):
        return self._finalized

    def _unsafe_unfinalize(self):
        self._finalized = False

    @property
    def version(self):
        return len(self._ops)

    def unique_name(self, name, mark_as_used=True):
        """Returns ``name`` under the current scope, suffixed "_1", "_2" ... when taken."""
        if self._name_stack:
            name = self._name_stack + "/" + name
        key = name.lower()
        i = self._names_in_use.get(key, 0)
        if mark_as_used:
            self._names_in_use[key] = i + 1
        if i > 0:
            base = key
            while key in self._names_in_use:
                key = "%s_%d" % (base, i)
                i += 1
            if mark_as_used:
                self._names_in_use[key] = 1
            name = "%s_%d" % (name, i - 1)
        return name

    def get_name_scope(self):
        return self._name_stack

    @contextlib.contextmanager
    def name_scope(self, name):
        """Opens a (uniquified) name scope; a name ending in "/" re-enters that exact scope."""
        old = self._name_stack
        if not name:
            new = ""
        elif name.endswith("/"):
            new = name[:-1]
        else:
            new = self.unique_name(name)
        self._name_stack = new
        try:
            yield "" if not new else new + "/"
        finally:
            self._name_stack = old

    def _add_op(self, op):
        if self._finalized:
            raise RuntimeError("Graph is finalized and cannot be modified (tried to add op '%s')." % op.name)
        with self._lock:
            if op.name in self._ops_by_name:
                raise ValueError("Duplicate node name in graph: '%s'" % op.name)
            op._id = len(self._ops)
            self._ops.append(op)
            self._ops_by_name[op.name] = op

    # ---- control dependencies and devices ----------------------------------
    @contextlib.contextmanager
    def control_dependencies(self, control_inputs):
        """Ops created inside run after ``control_inputs``; ``None`` clears outer dependencies."""
        if control_inputs is None:
            saved = self._control_dependencies_stack
            self._control_dependencies_stack = []
            try:
                yield
            finally:
                self._control_dependencies_stack = saved
            return
        ops = []
        for c in control_inputs:
            ops.append(_as_operation(c))
        self._control_dependencies_stack.append(ops)
        try:
            yield
        finally:
            self._control_dependencies_stack.pop()

    def _current_control_inputs(self):
        out = []
        for level in self._control_dependencies_stack:
            for op in level:
                if op not in out:
                    out.append(op)
        return out

    @contextlib.contextmanager
    def device(self, device_name):
        """Ops created inside get ``device_name`` (a string, merged with outer scopes) or, for a function,
        ``device_name(op)``; ``None`` ignores the outer scopes."""
        if hasattr(device_name, "to_string"):  # a DeviceSpec
            device_name = device_name.to_string()
        self._device_stack.append(device_name)
        try:
            yield
        finally:
            self._device_stack.pop()

    @contextlib.contextmanager
    def gradient_override_map(self, op_type_map):
        """Ops of the mapped types created inside use another registered gradient (TF1's straight-through
        trick: ``with g.gradient_override_map({"Sign": "Identity"}): y = kf.sign(x)``)."""
        saved = self._gradient_override_map
        self._gradient_override_map = dict(saved, **op_type_map)
        try:
            yield
        finally:
            self._gradient_override_map = saved

    # ---- lookup ---------------------------------------------------------
    def get_operations(self):
        return list(self._ops)

    def get_operation_by_name(self, name):
        try:
            return self._ops_by_name[name]
        except KeyError:
            raise KeyError("The name '%s' refers to an Operation not in the graph." % name) from None

    def get_tensor_by_name(self, name):
        if ":" not in name:
            raise ValueError(
                "The name '%s' looks like an Operation name, not a Tensor name; tensor names look like "
                "'%s:0'." % (name, name))
        op_name, _, index = name.rpartition(":")
        op = self._ops_by_name.get(op_name)
        if op is None:
            raise KeyError("The name '%s' refers to a Tensor which does not exist. The operation, '%s', "
                           "does not exist in the graph." % (name, op_name))
        index = int(index)
        if index >= len(op.outputs):
            raise KeyError("The name '%s' refers to a Tensor which does not exist. The operation '%s' has "
                           "%d outputs." % (name, op_name, len(op.outputs)))
        return op.outputs[index]

    def as_graph_element(self, obj):
        """Resolves a name ("x:0" or "train_op"), Tensor, Operation or Variable to a graph element."""
        if isinstance(obj, str):
            return self.get_tensor_by_name(obj) if ":" in obj else self.get_operation_by_name(obj)
        if hasattr(obj, "_as_graph_element"):
            return obj._as_graph_element()
        return obj

    # ---- collections ----------------------------------------------------
    def add_to_collection(self, name, value):
        if getattr(value, "_is_eager_value", False):
            return  # eager results (a step's loss, an update that ran) are not collected: lists would grow per step
        self._collections.setdefault(name, []).append(value)

    def add_to_collections(self, names, value):
        for n in ([names] if isinstance(names, str) else names):
            self.add_to_collection(n, value)

    def get_collection(self, name, scope=None):
        items = list(self._collections.get(name, []))
        if scope is None:
            return items
        import re
        pattern = re.compile(scope)
        return [i for i in items if hasattr(i, "name") and pattern.match(i.name)]

    def get_collection_ref(self, name):
        return self._collections.setdefault(name, [])

    def clear_collection(self, name):
        self._collections.pop(name, None)

    def get_all_collection_keys(self):
        return list(self._collections)

    def __repr__(self):
        return "<kflow.Graph with %d ops at 0x%x>" % (len(self._ops), id(self))


def _as_operation(x):
    # operations are recognized by their declaration (operation.py builds on this module, not the reverse)
    if hasattr(x, "op_def"):
        return x
    if hasattr(x, "_as_graph_element"):
        x = x._as_graph_element()
    if hasattr(getattr(x, "op", None), "op_def"):
        return x.op
    raise TypeError("Control input must be an Operation, a Tensor or a Variable, got %r" % (x,))


class _DefaultGraphStack(threading.local):
    def __init__(self):
        self.stack = []
        self.global_default = None

    def get_default(self):
        if self.stack:
            return self.stack[-1]
        if _global_default[0] is None:
            _global_default[0] = _new_global_graph()
        return _global_default[0]

    @contextlib.contextmanager
    def get_controller(self, graph):
        self.stack.append(graph)
        mode = execution_mode.mode
        saved = mode.eager
        if saved and not graph.eager_friendly:
            mode.eager = False
        try:
            yield graph
        finally:
            mode.eager = saved
            self.stack.pop()


_global_default = [None]
_default_graph_stack = _DefaultGraphStack()


def get_default_graph():
    """Returns the innermost graph entered with ``as_default`` (or the global default graph)."""
    return _default_graph_stack.get_default()


def reset_default_graph():
    """Replaces the global default graph with a new empty one."""
    if _default_graph_stack.stack:
        raise AssertionError("Do not use reset_default_graph() inside a `with graph.as_default()` block.")
    _global_default[0] = _new_global_graph()


def _new_global_graph():
    g = Graph()
    g.eager_friendly = True
    return g


@contextlib.contextmanager
def name_scope(name, default_name=None, values=None):
    """TF1 ``tf.name_scope(name, default_name=None, values=None)``; yields the scope string "a/b/"."""
    graph = _graph_of(values) if values else get_default_graph()
    n = name if name is not None else default_name
    if n is None and name is None and default_name is None:
        n = ""
    with graph.as_default(), graph.name_scope(n) as scope:
        yield scope


def _graph_of(values):
    for v in values:
        g = getattr(v, "graph", None)
        if g is not None:
            return g
    return get_default_graph()


def control_dependencies(control_inputs):
    return get_default_graph().control_dependencies(control_inputs)


def device(device_name):
    """Records ``device_name`` on ops created inside (``kf.device('/cpu:0')``)."""
    return get_default_graph().device(device_name)


def add_to_collection(name, value):
    get_default_graph().add_to_collection(name, value)


def add_to_collections(names, value):
    get_default_graph().add_to_collections(names, value)


def get_collection(key, scope=None):
    return get_default_graph().get_collection(key, scope)


def get_collection_ref(key):
    return get_default_graph().get_collection_ref(key)


def set_random_seed(seed):
    """Sets the graph-level random seed of the default graph (in eager mode: restarts the random streams)."""
    get_default_graph().seed = seed
    _seed_settings[0] += 1


_seed_settings = [0]  # set_random_seed calls so far: eager random streams restart at each


def seed_setting():
    """How many times ``set_random_seed`` was called (eager generators are keyed by it)."""
    return _seed_settings[0]


def unknown_shape():
    return shapes.TensorShape(None)
