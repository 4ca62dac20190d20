"""``kf.train.export_meta_graph``: a graph, its collections and its Saver written as a kflow ``.meta`` file.

The file (:mod:`kflow.train.meta_graph_file`) is kflow's own format, not TensorFlow's MetaGraphDef protobuf.
It holds the graph's ops in creation order (each as data, by :mod:`kflow.engine.graph_json`: declared type,
inputs, control inputs, device, kernel parameters and attributes, output specs), the collections (tensors and
ops by name, Variables as descriptions of their ops, plain numbers and strings), the graph-level seed and the
Saver's description, so :func:`kflow.train.import_meta_graph` rebuilds a runnable, trainable graph without
the code that built it.

Control flow (``cond``, ``while_loop`` and their gradients) is described with the contexts grouping its
ops. Ops that cannot be described as data (``py_func`` with its Python callable, Dataset iterators, ...) do not
make the export fail, as in TensorFlow for ``py_func``: they are written as stand-ins
keeping their name, inputs and output specs, and running one after import raises ``UnimplementedError``
naming the op and why it could not be exported (:func:`unexportable_ops` lists them beforehand). Collection
items that are neither tensors, ops, Variables nor plain values (queue runners, Python objects) are left out
with a warning, as TensorFlow does.

Example:
    >>> kf.add_to_collection("predictions", y)
    >>> kf.train.export_meta_graph("run/model.meta")
    >>> saver.save(sess, "run/model")       # also writes run/model.meta
"""
import numbers
import weakref

from kflow.engine import graph as graph_mod
from kflow.engine import graph_json
from kflow.engine.variables import Variable
from kflow.platform import tf_logging as logging
from kflow.train.meta_graph_file import write_meta_graph_file


def export_meta_graph(filename=None, meta_info_def=None, graph_def=None, saver_def=None, collection_list=None,
                      as_text=False, graph=None, clear_devices=False, strip_default_attrs=False,
                      save_debug_info=False):
    """Writes the meta graph of ``graph`` (default: the default graph) to ``filename``; returns it as a dict.

    Args:
        filename: the ``.meta`` file to write (None: only return the document).
        meta_info_def: optional dict of JSON-safe values kept as the document's ``meta_info``.
        graph_def: must be None (kflow exports the graph itself, not a GraphDef).
        saver_def: a ``Saver.as_saver_def()`` description, so ``import_meta_graph`` returns that Saver.
        collection_list: names of the collections to export (default: all).
        as_text: indent the JSON for reading.
        graph: the graph to export.
        clear_devices: drop the ops' device strings.
        strip_default_attrs, save_debug_info: accepted for TF compatibility (nothing to strip or add).

    Raises:
        ValueError: ``graph_def`` was given.
    """
    if graph_def is not None:
        raise ValueError("export_meta_graph: kflow exports a Graph (graph=), not a GraphDef (graph_def=)")
    graph = graph if graph is not None else graph_mod.get_default_graph()
    document = {"graph": graph_document(graph, clear_devices),
                "collections": collections_document(graph, collection_list),
                "saver": saver_def, "meta_info": dict(meta_info_def or {})}
    if filename is not None:
        write_meta_graph_file(filename, document, as_text=as_text)
    return document


def graph_document(graph, clear_devices=False):
    """``{"seed": ..., "ops": [node, ...]}``: the graph's ops in creation order as data.

    The ops' part is cached per graph until an op or a control edge is added: a Saver saving every epoch
    re-encodes nothing (large constants, such as initial values, are encoded once)."""
    ops = graph.get_operations()
    key = (len(ops), sum(len(op.control_inputs) for op in ops), bool(clear_devices))
    cached = _encoded.get(graph)
    if cached is None or cached[0] != key:
        cached = _encoded[graph] = (key, _encode_ops(ops, clear_devices))
    nodes, contexts = cached[1]
    return {"seed": graph.seed, "ops": nodes, "contexts": contexts}


_encoded = weakref.WeakKeyDictionary()  # graph -> (its size when encoded, (its encoded ops, its contexts))


def _encode_ops(ops, clear_devices):
    nodes, contexts = [], graph_json.Contexts()
    for op in ops:
        inputs = [t.name for t in op.inputs]
        control = [c.name for c in op.control_inputs]
        try:
            node = graph_json.encode_op(op, op.name, inputs, control, contexts=contexts)
        except Exception as e:  # noqa: BLE001 - whatever an op holds, a save must not fail: it gets a stand-in
            node = stand_in(op, inputs, control, str(e) if isinstance(e, (TypeError, ValueError)) else
                            "%s: %s" % (type(e).__name__, e))
            if op._cond_context is not None:
                node["context"] = contexts.number(op._cond_context)
        if clear_devices:
            node["device"] = ""
        nodes.append(node)
    return nodes, contexts.describe()


def stand_in(op, inputs, control, reason):
    """The node of an op that cannot be described as data: its place in the graph, and why."""
    where = "Op '%s' (%s)" % (op.name, op.type)
    return {"name": op.name, "type": op.type, "unavailable": reason, "inputs": inputs, "control": control,
            "outputs": [[t.dtype.name, graph_json.encode_value(t.shape, where)] for t in op.outputs],
            "device": op.device if isinstance(op.device, str) else ""}


def unexportable_ops(graph=None):
    """``[(op name, reason), ...]`` for the ops of ``graph`` a meta graph can only hold as stand-ins."""
    graph = graph if graph is not None else graph_mod.get_default_graph()
    return [(n["name"], n["unavailable"]) for n in graph_document(graph)["ops"] if "unavailable" in n]


def describe_variable(var):
    """A Variable as the names of its ops (``import_meta_graph`` rebuilds the Variable around them)."""
    return {"variable": var.op.name, "initializer": var.initializer.name, "snapshot": var.value().name,
            "initial_value": var.initial_value.name, "trainable": bool(var.trainable)}


def collections_document(graph, collection_list=None):
    """``{key: [item, ...]}``: each item ``{"tensor": name}``, ``{"op": name}``, ``{"variable": {...}}`` or
    ``{"value": number or string}``; other items are left out with a warning."""
    keys = graph.get_all_collection_keys() if collection_list is None else list(collection_list)
    out = {}
    for key in keys:
        if not isinstance(key, str):
            if key not in _warned:
                _warned.add(key)
                logging.warning("export_meta_graph: collection key %r is not a string; collection left out", key)
            continue
        items, skipped = [], []
        for item in graph.get_collection(key):
            encoded = _collection_item(item, graph)
            (items if encoded is not None else skipped).append(encoded if encoded is not None else item)
        if skipped and key not in _warned:  # once per collection: a Saver saving every epoch repeats it
            _warned.add(key)
            logging.warning("export_meta_graph: %d item(s) of collection '%s' are not tensors, ops, Variables "
                            "or plain values and are left out (first: %r)", len(skipped), key, skipped[0])
        if items:
            out[key] = items
    return out


_warned = set()  # collections whose left-out items were reported


def _collection_item(item, graph):
    if type(item) is Variable:  # (eager variables and other subclasses hold no graph ops)
        return {"variable": describe_variable(item)} if item.graph is graph else None
    if isinstance(item, (bool, str)):
        return {"value": item}
    if isinstance(item, numbers.Integral):
        return {"value": int(item)}
    if isinstance(item, numbers.Real):
        return {"value": float(item)}
    owner = getattr(item, "graph", None)
    if owner is not graph:
        return None
    if hasattr(item, "value_index") and hasattr(item, "op"):
        return {"tensor": item.name}
    if hasattr(item, "op_def") and hasattr(item, "outputs"):
        return {"op": item.name}
    return None
