"""``kf.train.import_meta_graph``: rebuilds a graph exported by ``export_meta_graph`` (or ``Saver.save``).

The ops are re-created in the default graph from their data (each op's declared type, parameters, attributes,
inputs and devices; see :mod:`kflow.engine.graph_json`), kf.Variable objects are rebuilt around the imported
variable ops (so ``global_variables()``, ``trainable_variables()``, the initializers and Savers work), the
collections are restored, and the meta graph's Saver is returned: the TF1 way to resume a model without the
code that built it. Ops exported as stand-ins (see :mod:`kflow.train.meta_graph_export`) are rebuilt with
their names, inputs and outputs; running one raises ``UnimplementedError`` naming it and the reason.

Example:
    >>> saver = kf.train.import_meta_graph("run/model.meta")
    >>> with kf.Session() as sess:
    ...     saver.restore(sess, "run/model")
    ...     sess.run(kf.get_collection("train_op")[0], {"x:0": batch})
"""
import os

from kflow import errors
from kflow.engine import graph as graph_mod, graph_json
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.variables import Variable
from kflow.train.meta_graph_file import read_meta_graph_file
from kflow.train.saver import Saver


def _bind_stand_in(op, session):
    def kernel(*inputs):
        raise errors.UnimplementedError(
            None, op, "Op '%s' (%s) was imported from a meta graph without its computation, which could not be "
            "exported: %s. Build this part of the model with its code instead of importing it."
            % (op.name, op.attrs["original_type"], op.attrs["reason"]))
    return kernel


# an op a meta graph could not describe as data: it keeps its place in the graph and fails when run
STAND_IN = OpDef("MetaGraphStandIn", bind=_bind_stand_in, host_only=True)


def import_meta_graph(meta_graph_or_file, clear_devices=False, import_scope=None, **kwargs):
    """Imports the meta graph (a ``.meta`` path or the dict ``export_meta_graph`` returned) into the default graph.

    Args:
        meta_graph_or_file: the file written by ``export_meta_graph`` / ``Saver.save``, or its document.
        clear_devices: drop the ops' device strings (place them anew here).
        import_scope: a name scope prefixed to every imported name (e.g. "imported" makes "x" "imported/x").
        **kwargs: accepted for TF compatibility (e.g. ``input_map`` is not supported and raises).

    Returns:
        The meta graph's Saver (restoring its variables), a Saver of all imported global variables when the
        meta graph has no Saver description, or None when there are no variables.

    Raises:
        NotFoundError / DataLossError: the file is missing, not a kflow meta graph, truncated or damaged.
        ValueError: an imported name already exists in the graph (import into a fresh graph or give
            ``import_scope``), or an op type is not declared in this kflow.
    """
    if kwargs.get("input_map"):
        raise ValueError("import_meta_graph: input_map is not supported by kflow")
    if isinstance(meta_graph_or_file, dict):
        document = meta_graph_or_file
    else:
        document = read_meta_graph_file(os.fspath(meta_graph_or_file))
    graph = graph_mod.get_default_graph()
    prefix = import_scope.rstrip("/") + "/" if import_scope else ""
    nodes = document["graph"]["ops"]
    clashes = [prefix + n["name"] for n in nodes if prefix + n["name"] in graph._ops_by_name]
    if clashes:
        raise ValueError("import_meta_graph: %d op name(s) already exist in the default graph (e.g. '%s'); "
                         "import into a fresh graph or give import_scope" % (len(clashes), clashes[0]))
    names = {}
    contexts = graph_json.Contexts.from_descriptions(document["graph"].get("contexts", []))
    with graph.as_default(), graph.control_dependencies(None):
        for node in nodes:
            local = dict(node, name=prefix + node["name"], inputs=[prefix + t for t in node["inputs"]],
                         control=[prefix + c for c in node["control"]])
            if clear_devices:
                local["device"] = ""
            names[node["name"]] = local["name"]
            try:
                if "unavailable" in node:
                    _stand_in(graph, local)._cond_context = contexts.get(node.get("context"))
                else:
                    graph_json.decode_op(graph, local, names, contexts)
            except (KeyError, ValueError, TypeError) as e:
                raise ValueError("import_meta_graph: cannot rebuild op '%s' (%s): %s"
                                 % (node["name"], node["type"], e)) from e
        contexts.finish(graph, names)
    _mark_names_used(graph, names.values())
    if graph.seed is None:
        graph.seed = document["graph"].get("seed")
    variables = _VariableRebuilder(graph, prefix)
    for key, items in document.get("collections", {}).items():
        for item in items:
            graph.add_to_collection(key, _collection_item(graph, prefix, variables, item))
    return _saver(document.get("saver"), variables, import_scope)


def _stand_in(graph, node):
    specs = [(graph_json.output_dtype(dt), graph_json.decode_value(shape, graph, {}))
             for dt, shape in node["outputs"]]
    inputs = [graph.get_tensor_by_name(n) for n in node["inputs"]]
    control = [graph.get_operation_by_name(n) for n in node["control"]]
    with graph.control_dependencies(control), graph.device(node["device"]):
        return make_op(STAND_IN, inputs, specs, node["name"] + "/", graph=graph,
                       attrs={"original_type": node["type"], "reason": node["unavailable"]})


def _mark_names_used(graph, names):
    """Makes later ops and name scopes avoid the imported names ("x" is taken, a new one becomes "x_1")."""
    used = graph._names_in_use
    for name in names:
        parts = name.lower().split("/")
        for i in range(1, len(parts) + 1):
            key = "/".join(parts[:i])
            used[key] = max(used.get(key, 0), 1)


class _VariableRebuilder:
    """One kf.Variable per imported variable op, built around the ops its description names."""

    def __init__(self, graph, prefix):
        self.graph, self.prefix, self.built = graph, prefix, {}

    def __call__(self, description):
        name = self.prefix + description["variable"]
        var = self.built.get(name)
        if var is None:
            g, p = self.graph, self.prefix
            var = Variable.from_ops(g.get_operation_by_name(name),
                                    g.get_operation_by_name(p + description["initializer"]),
                                    g.get_tensor_by_name(p + description["snapshot"]),
                                    g.get_tensor_by_name(p + description["initial_value"]), description["trainable"])
            self.built[name] = var
        return var


def _collection_item(graph, prefix, variables, item):
    if "tensor" in item:
        return graph.get_tensor_by_name(prefix + item["tensor"])
    if "op" in item:
        return graph.get_operation_by_name(prefix + item["op"])
    if "variable" in item:
        return variables(item["variable"])
    return item["value"]


def _saver(saver_def, variables, import_scope):
    if saver_def:
        var_list = {key: variables(d) for key, d in saver_def["variables"].items()}
        return Saver(var_list=var_list, max_to_keep=saver_def["max_to_keep"],
                     keep_checkpoint_every_n_hours=saver_def["keep_checkpoint_every_n_hours"],
                     format=saver_def["format"], allow_empty=True)
    imported = graph_mod.get_collection(graph_mod.GraphKeys.GLOBAL_VARIABLES, import_scope)
    return Saver(imported) if imported else None
