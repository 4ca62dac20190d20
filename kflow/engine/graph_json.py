"""Ops as plain data, encoded as JSON (never pickle, never code): what a client sends to a cluster task
(``kflow.distribute``) and what a meta graph file holds (``kflow.train.meta_graph_export``).

An op travels as its declared type (the receiving task looks its ``OpDef`` up: only kernels kflow itself
declares can run), its kernel parameters and attributes (numbers, strings, dtypes, shapes, arrays as
base64 bytes with dtype and shape, names of other ops, and the names of the few kflow functions marked
:func:`encodable_by_name`: the optimizers' update rules), its input tensor names and output specs.
Anything else (a Python object, a kernel specialized by closure) is refused with an error naming the op.

A whole graph (a meta graph) also describes its control flow: given a :class:`Contexts` table, attributes may
name any tensor, and the cond/loop contexts grouping the ops of ``cond`` branches and ``while_loop`` bodies are
described once each, by number; ops whose attributes name tensors or contexts get them once every op exists
(a loop's attributes name ops its gradient added later).

Example:
    >>> node = encode_op(op, inputs=["a:0"], name="p0/b")
    >>> decode_op(graph, node, {})       # the same op, rebuilt in another graph
"""
import base64
import functools
import sys
import types

import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.op_def import declared
from kflow.engine.operation import make_op
from kflow.engine.ops import params as param_ops
from kflow.engine.ops.control_flow_ops import CondContext
from kflow.engine.ops.while_op import VARIANT, LoopContext
from kflow.engine.ops.window_geometry import Window
from kflow.engine.placement import parse_task
from kflow.engine.tensor import Tensor

_CONTEXT_CLASSES = {"CondContext": CondContext, "LoopContext": LoopContext}
_CONTEXT_FIELDS = {"outer", "ops", "cond_op", "branch"}


def encode_value(value, where, contexts=None):
    """``value`` as JSON-safe data; ``where`` names it in errors; with a :class:`Contexts` table, tensors and
    cond/loop contexts are encoded too."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if type(value) in (list, tuple):
        return {"__" + type(value).__name__ + "__": [encode_value(v, where, contexts) for v in value]}
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: encode_value(v, where, contexts) for k, v in value.items()}}
    if contexts is not None and isinstance(value, Tensor):
        return {"__tensor__": value.name}
    if contexts is not None and type(value) in _CONTEXT_CLASSES.values():
        return {"__context__": contexts.number(value)}
    if isinstance(value, np.ndarray) or isinstance(value, np.generic):
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            return _refuse(value, where)
        if arr.size > 1 and arr.dtype.kind in "biuf" and (arr == arr.flat[0]).all() and (
                arr.dtype.kind != "f" or (np.signbit(arr) == np.signbit(arr.flat[0])).all()):
            # one value repeated (an optimizer slot's zeros): its size would otherwise dominate a meta graph
            return {"__filled__": encode_value(arr.flat[0], where), "shape": list(arr.shape)}
        return {"__array__": base64.b64encode(np.ascontiguousarray(arr).tobytes()).decode("ascii"),
                "dtype": arr.dtype.str, "shape": list(arr.shape), "scalar": isinstance(value, np.generic)}
    if isinstance(value, np.dtype):
        return {"__np_dtype__": value.str}
    if isinstance(value, type) and issubclass(value, np.generic):
        return {"__np_dtype__": np.dtype(value).str}
    if isinstance(value, dtypes.DType):
        return {"__dtype__": value.name}
    if isinstance(value, shapes.TensorShape):
        return {"__shape__": None if value.dims is None else [None if d is None else int(d) for d in value.dims]}
    if type(value) is slice:  # an indexing template (StridedSlice)
        return {"__slice__": [encode_value(v, where) for v in (value.start, value.stop, value.step)]}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if value is param_ops.DYNAMIC:  # a param op's parameter that is an op input
        return {"__dynamic__": True}
    if type(value) is Window:
        return {"__window__": encode_value([value.ksize, value.strides, value.padding, value.dilations], where)}
    if hasattr(value, "op_def") and hasattr(value, "outputs"):  # an Operation: referenced by name
        return {"__op__": value.name}
    if isinstance(value, types.FunctionType) and _kflow_function(value.__module__, value.__qualname__) is value:
        return {"__function__": [value.__module__, value.__qualname__]}  # kflow's own code, by name only
    return _refuse(value, where)


_BY_NAME = set()  # the functions an encoded graph may name (see encodable_by_name)


def encodable_by_name(fn):
    """Decorator: lets encoded graphs (meta graphs, ops sent to cluster tasks) name ``fn``, a module-level
    function or static method of kflow that a kernel takes as a parameter (an optimizer's update rule).

    Only functions marked so can be named: a meta graph is data, and a name in it must never select other code
    (a file-deleting helper, a downloader) for a kernel to call.
    """
    _BY_NAME.add(fn)
    return fn


def _kflow_function(module, qualname):
    """The function ``module.qualname`` marked :func:`encodable_by_name` in an already imported kflow module,
    or None (nothing is imported for a name: a name only selects code kflow has loaded and marked)."""
    if not isinstance(module, str) or not module.startswith("kflow.") or not isinstance(qualname, str):
        return None
    *classes, name = qualname.split(".")
    found = sys.modules.get(module)
    for part in classes:
        found = getattr(found, part, None)
        if not isinstance(found, type):
            return None
    found = getattr(found, name, None)
    return found if isinstance(found, types.FunctionType) and found in _BY_NAME else None


def _refuse(value, where):
    hint = " (of kflow's functions, only those marked encodable_by_name, the optimizers' update rules, travel " \
        "by name)" if isinstance(value, types.FunctionType) else ""
    raise TypeError("%s holds a %s, which cannot be encoded as data (sent to another task or "
                    "written to a meta graph)%s." % (where, type(value).__name__, hint))


def decode_value(data, graph, names, contexts=None):
    """The value ``encode_value`` encoded; ops are looked up in ``graph`` through ``names`` (original -> local),
    contexts in the :class:`Contexts` table ``contexts``."""
    if not isinstance(data, dict):
        return data
    if "__list__" in data:
        return [decode_value(v, graph, names, contexts) for v in data["__list__"]]
    if "__tuple__" in data:
        return tuple(decode_value(v, graph, names, contexts) for v in data["__tuple__"])
    if "__dict__" in data:
        return {k: decode_value(v, graph, names, contexts) for k, v in data["__dict__"].items()}
    if "__tensor__" in data:
        op_name, index = data["__tensor__"].rsplit(":", 1)
        return graph.get_tensor_by_name("%s:%s" % (names.get(op_name, op_name), index))
    if "__context__" in data and contexts is not None:
        return contexts.get(data["__context__"])
    if "__array__" in data:
        arr = np.frombuffer(base64.b64decode(data["__array__"]), np.dtype(data["dtype"])).reshape(data["shape"])
        arr = arr.copy()
        return arr[()] if data["scalar"] else arr
    if "__filled__" in data:
        return np.full(data["shape"], decode_value(data["__filled__"], graph, names))
    if "__np_dtype__" in data:
        return np.dtype(data["__np_dtype__"])
    if "__dtype__" in data:
        return dtypes.as_dtype(data["__dtype__"])
    if "__shape__" in data:
        return shapes.TensorShape(data["__shape__"])
    if "__function__" in data:
        fn = _kflow_function(*data["__function__"])
        if fn is None:
            raise ValueError("No kflow function %s.%s in this kflow." % tuple(data["__function__"]))
        return fn
    if "__slice__" in data:
        return slice(*[decode_value(v, graph, names) for v in data["__slice__"]])
    if "__ellipsis__" in data:
        return Ellipsis
    if "__dynamic__" in data:
        return param_ops.DYNAMIC
    if "__window__" in data:
        return Window(*decode_value(data["__window__"], graph, names))
    if "__op__" in data:
        return graph.get_operation_by_name(names.get(data["__op__"], data["__op__"]))
    raise ValueError("Unknown encoded value %r" % (data,))


def kernel_params(op):
    """The keyword parameters ``op``'s declared kernel runs with.

    Raises:
        ValueError: the op's kernel is not its declared kernel with keyword parameters (a closure: cannot
            travel as data).
    """
    op_def, kernel = op.op_def, op._kernel
    if op_def.bind is not None or kernel is op_def.kernel:
        return {}
    if isinstance(kernel, functools.partial) and kernel.func is op_def.kernel and not kernel.args:
        return dict(kernel.keywords)
    if hasattr(kernel, "kernel_params"):  # a param op's kernel (params.param_kernel): rebuilt from its attrs
        return dict(kernel.kernel_params)
    if not op.inputs and "value" in op.attrs:
        return {}  # a static op (constant): rebuilt from its value
    raise ValueError("Op '%s' (%s) cannot be encoded as data (to run on another task or to be written to a meta "
                     "graph): its kernel is specialized beyond its declared parameters." % (op.name, op.type))


def encode_op(op, name, inputs, control=(), strip_task=False, contexts=None):
    """The data describing ``op`` rebuilt as ``name`` with input tensors named ``inputs`` (and control inputs
    named ``control``); ``strip_task`` drops the job/replica/task fields of its device (a cluster task runs it
    on its own devices); ``contexts`` (a whole graph's :class:`Contexts`) lets attributes name tensors and
    contexts, and records the op's cond/loop context."""
    params = kernel_params(op)
    where = "Op '%s' (%s)" % (op.name, op.type)
    attrs = {k: v for k, v in op.attrs.items() if k not in params}
    device = op.device if isinstance(op.device, str) else ""
    if strip_task and parse_task(device) is not None:
        device = "/" + "/".join(p for p in device.split("/") if p and not p.split(":")[0] in ("job", "replica",
                                                                                               "task"))
    node = {"name": name, "type": op.type, "inputs": list(inputs), "control": list(control),
            "outputs": [[t.dtype.name, encode_value(t.shape, where)] for t in op.outputs],
            "params": encode_value(params, where), "attrs": encode_value(attrs, where, contexts),
            "static": op.op_def.bind is None and not op.inputs and "value" in op.attrs and not params,
            "param_op": hasattr(op._kernel, "kernel_params"),
            "device": "" if device == "/" else device}
    if contexts is not None and op._cond_context is not None:
        node["context"] = contexts.number(op._cond_context)
    return node


def output_dtype(name):
    """The DType of an encoded output spec (a loop's recorded history is of the engine's "variant" type)."""
    return VARIANT if name == VARIANT.name else dtypes.as_dtype(name)


def decode_op(graph, node, names, contexts=None):
    """Rebuilds the op of ``node`` in ``graph`` (its default graph must be ``graph``); returns it.

    With a :class:`Contexts` table the op joins its cond/loop context, and attributes naming tensors or
    contexts are set by ``contexts.finish`` (once every op exists).
    """
    op_def = declared(node["type"])
    if op_def is None:
        raise ValueError("Op type %r of '%s' is not declared in this kflow." % (node["type"], node["name"]))
    inputs = [graph.get_tensor_by_name(n) for n in node["inputs"]]
    specs = [(output_dtype(dt), decode_value(shape, graph, names)) for dt, shape in node["outputs"]]
    params = decode_value(node["params"], graph, names)
    deferred = contexts is not None and _names_graph_parts(node["attrs"])
    attrs = {} if deferred else decode_value(node["attrs"], graph, names)
    control = [graph.get_operation_by_name(n) for n in node["control"]]
    kernel = None
    if node.get("param_op"):
        kernel = param_ops.param_kernel(op_def, attrs["params"], attrs["n_data"], params)
    elif node["static"]:
        value = attrs["value"]
        value.setflags(write=False)
        kernel = lambda: value  # noqa: E731 - as static_op builds it
    with graph.control_dependencies(control), graph.device(node["device"]):
        op = make_op(op_def, inputs, specs, node["name"] + "/", attrs=attrs, params=params or None,
                     kernel=kernel, graph=graph)
    if contexts is not None:
        op._cond_context = contexts.get(node.get("context"))
        if deferred:
            contexts.deferred.append((op, node["attrs"]))
    return op


def _names_graph_parts(encoded):
    """Whether encoded attributes name tensors, ops or contexts (set once the whole graph exists)."""
    if isinstance(encoded, dict):
        return any(k in encoded for k in ("__tensor__", "__op__", "__context__")) or any(
            _names_graph_parts(v) for v in encoded.values())
    return isinstance(encoded, list) and any(_names_graph_parts(v) for v in encoded)


class Contexts:
    """The cond/loop contexts of a whole graph, by number: ``number`` while encoding, ``describe`` once every op
    is encoded; ``from_descriptions`` before decoding, ``finish`` once every op is decoded.

    Example:
        >>> table = Contexts()
        >>> nodes = [encode_op(op, op.name, ins, ctl, contexts=table) for op, ins, ctl in ...]
        >>> described = table.describe()
        >>> table = Contexts.from_descriptions(described)
        >>> for node in nodes: decode_op(graph, node, {}, table)
        >>> table.finish(graph, {})
    """

    def __init__(self):
        self._items = []  # contexts in numbering order
        self._numbers = {}  # id(context) -> number
        self.deferred = []  # (op, encoded attrs) set by finish
        self._described = []  # the descriptions the contexts were rebuilt from

    def number(self, ctx):
        if ctx is None:
            return None
        if id(ctx) not in self._numbers:
            if set(vars(ctx)) != _CONTEXT_FIELDS:
                raise TypeError("%s with fields %s cannot be encoded as data" % (type(ctx).__name__,
                                                                               sorted(vars(ctx))))
            self._numbers[id(ctx)] = len(self._items)
            self._items.append(ctx)
            self.number(ctx.outer)
        return self._numbers[id(ctx)]

    def describe(self):
        """The numbered contexts as data (their ops by name)."""
        return [{"class": type(c).__name__, "outer": self.number(c.outer), "ops": [op.name for op in c.ops],
                 "cond_op": c.cond_op.name if c.cond_op is not None else None, "branch": c.branch}
                for c in self._items]

    @classmethod
    def from_descriptions(cls, described):
        table = cls()
        for d in described:
            if d["class"] not in _CONTEXT_CLASSES:
                raise ValueError("Unknown control-flow context class %r" % (d["class"],))
            table._items.append(_CONTEXT_CLASSES[d["class"]](None))
        table._described = described
        return table

    def get(self, number):
        return None if number is None else self._items[number]

    def finish(self, graph, names):
        """Links the contexts to their ops and sets the deferred attributes (every op now exists)."""
        local = lambda n: graph.get_operation_by_name(names.get(n, n))  # noqa: E731
        for ctx, d in zip(self._items, self._described):
            ctx.outer = self.get(d["outer"])
            ctx.ops = [local(n) for n in d["ops"]]
            ctx.cond_op = local(d["cond_op"]) if d["cond_op"] is not None else None
            ctx.branch = d["branch"]
        for op, encoded in self.deferred:
            op.attrs.update(decode_value(encoded, graph, names, self))
        self.deferred = []
