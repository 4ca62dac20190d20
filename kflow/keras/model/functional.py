"""The functional API: a Model defined by its input and output tensors.

``Layer.__call__`` records each call as a node (inputs, outputs and the call's other arguments, whose Keras
tensors are edges too: ``initial_state``, an attention layer's ``value``) and tags the outputs
with ``_keras_history = (layer, node_index, tensor_index)``; a functional model walks these
back from its outputs to its inputs to find its layers (in topological order) and the
connectivity that ``get_config`` saves and ``from_config`` replays (in the default graph).
Calling the model on new tensors (``model(x)``, it is a Layer) replays the same nodes on them,
so the same layers, and weights, compute the new outputs.

Example:
    >>> x = kf.keras.Input(shape=(784,))
    >>> h = kf.keras.layers.Dense(64, activation="relu")(x)
    >>> model = kf.keras.Model(x, kf.keras.layers.Dense(10, activation="softmax")(h))
    >>> clone = kf.keras.Model.from_config(model.get_config())
    >>> again = model(kf.keras.Input(shape=(784,)))    # model's weights on a new input
"""
from kflow.keras.model.network import Network, call_layer
from kflow.keras.model.node_config import legacy_node, needed_nodes, node_config, resolve_arguments
# The same flattening Layer.__call__ uses when it numbers a node's tensors, so indices agree.
from kflow.layers.base import _flatten, _map
from kflow.layers.input_layer import InputLayer
from kflow.layers.serialization import deserialize_layer


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _history(t, what):
    h = getattr(t, "_keras_history", None)
    if h is None:
        raise ValueError("%s tensors to a functional Model must come from kf.keras.Input or a Keras layer; %s does "
                         "not (it has no layer history)." % (what, t))
    return h


def init_network(model, inputs, outputs, name=None):
    """Sets up ``model`` (a fresh Model) as the network from ``inputs`` to ``outputs``."""
    inputs, outputs = _as_list(inputs), _as_list(outputs)
    input_layers = []
    for t in inputs:
        if getattr(t, "_keras_history", None) is None:  # a plain placeholder: wrap it
            InputLayer(input_tensor=t, name=t.op.name)
        input_layers.append(t._keras_history[0])
    Network.__init__(model, name=name, graph=inputs[0].graph)
    model.inputs, model.outputs = inputs, outputs
    model.input_names = [layer.name for layer in input_layers]
    model.output_names = _unique_names([_history(t, "Output")[0].name for t in outputs])
    model._nodes = _topological_nodes(inputs, outputs)  # [(layer, node_index)] inputs first
    model._layers = list(input_layers)  # input layers first, as Keras lists them
    for layer, _ in model._nodes:
        if all(layer is not l for l in model._layers):
            model._layers.append(layer)
    model.built = True
    model._load_initial_weights()


def _unique_names(names):
    seen, out = {}, []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else "%s_%d" % (n, seen[n] - 1))
    return out


def _topological_nodes(inputs, outputs):
    """Nodes ``(layer, node_index)`` between inputs and outputs, each after the nodes feeding it."""
    input_ids = {id(t) for t in inputs}
    order, state = [], {}

    def visit(t, path):
        layer, node_index, _ = _history(t, "Output" if not path else "Intermediate")
        key = (id(layer), node_index)
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            raise ValueError("The functional model's graph has a cycle through layer %s." % layer.name)
        state[key] = 1
        if id(t) not in input_ids:
            if isinstance(layer, InputLayer):
                raise ValueError("Graph disconnected: cannot obtain value for tensor %s at layer \"%s\". It is an "
                                 "input the model was not given (inputs: %s)." % (t, layer.name, inputs))
            node = layer._inbound_nodes[node_index]
            for x in _flatten(node.inputs) + node.argument_tensors():
                visit(x, path + [layer.name])
        state[key] = 2
        order.append((layer, node_index))

    for t in outputs:
        visit(t, [])
    return order


def call_network(model, inputs, training=None):
    """``model``'s outputs computed from new ``inputs``: its nodes replayed in order, layer by layer.

    Each layer is called again (so it reuses its weights and records a new node); the inputs stand
    in for ``model.inputs``, in order.
    """
    inputs = _as_list(inputs)
    if len(inputs) != len(model.inputs):
        raise ValueError("Model %s expects %d inputs (%s) but was called on %d tensors."
                         % (model.name, len(model.inputs), model.input_names, len(inputs)))
    values = {id(t): x for t, x in zip(model.inputs, inputs)}
    for layer, node_index in model._nodes:
        if isinstance(layer, InputLayer):
            continue
        node = layer._inbound_nodes[node_index]
        args, kwargs = node.replay_arguments(lambda t: values[id(t)])
        outputs = call_layer(layer, _map(node.inputs, lambda t: values[id(t)]), training, args, kwargs)
        for old, new in zip(_flatten(node.outputs), _flatten(outputs)):
            values[id(old)] = new
    outputs = [values[id(t)] for t in model.outputs]
    return outputs[0] if len(outputs) == 1 else outputs


def output_shape(model, layer):
    """The output shape(s) of ``layer`` at its (first) call inside ``model``, for ``summary``."""
    for l, node_index in model._nodes:
        if l is layer:
            outs = layer.output if isinstance(layer, InputLayer) else layer._inbound_nodes[node_index].outputs
            shapes = [tuple(t.shape.as_list()) for t in _flatten(outs)]
            return shapes[0] if len(shapes) == 1 else shapes
    return "multiple"


# ---- config ------------------------------------------------------------------------------
def get_config(model):
    """Keras's functional config: layers with their inbound nodes, plus input and output layers."""
    if not hasattr(model, "_nodes"):
        raise NotImplementedError("Subclassed models (defined by overriding call) have no config and cannot be "
                                  "saved with model.save / get_config.")
    # Node indices are renumbered within the model: a shared layer's nodes from other models do not count.
    local = {}
    for layer, node_index in model._nodes:
        local[(id(layer), node_index)] = sum(1 for k in local if k[0] == id(layer))

    def ref(t):
        layer, node_index, index = t._keras_history
        return [layer.name, local[(id(layer), node_index)], index]

    layer_configs = []
    for layer in model.layers:
        nodes = []
        for l, node_index in model._nodes:
            if l is not layer or isinstance(layer, InputLayer):
                continue
            nodes.append(node_config(layer, layer._inbound_nodes[node_index], ref))
        layer_configs.append({"name": layer.name, "class_name": type(layer).__name__, "config": layer.get_config(),
                              "inbound_nodes": nodes})

    return {"name": model.name, "layers": layer_configs, "input_layers": [ref(t) for t in model.inputs],
            "output_layers": [ref(t) for t in model.outputs]}


def from_config(cls, config, custom_objects=None):
    """Rebuilds a functional model (in the default graph) by replaying the saved nodes in order."""
    layers = {entry["name"]: deserialize_layer(entry, custom_objects) for entry in config["layers"]}
    produced = {}  # (layer name, node index) -> flat output tensors
    for entry in config["layers"]:
        layer = layers[entry["name"]]
        if isinstance(layer, InputLayer):
            produced[(layer.name, 0)] = [layer.output]
    pending = [(e["name"], i, legacy_node(node)) for e in config["layers"]
               for i, node in enumerate(e["inbound_nodes"])]
    while pending:
        remaining = []
        for name, index, node in pending:
            arguments = node[0][3] if node else {}  # every entry holds the same call arguments
            needed = [(src, src_node) for src, src_node, _, _ in node] + needed_nodes(arguments, layers)
            if not all(key in produced for key in needed):
                remaining.append((name, index, node))
                continue
            inputs = [produced[(src, src_node)][src_index] for src, src_node, src_index, _ in node]
            args, kwargs = resolve_arguments(arguments, layers, produced)
            out = layers[name](inputs[0] if len(inputs) == 1 else inputs, *args, **kwargs)
            produced[(name, index)] = _flatten(out)
        if len(remaining) == len(pending):
            raise ValueError("Cannot rebuild the model: the inputs of layers %s are never produced."
                             % sorted({r[0] for r in remaining}))
        pending = remaining
    inputs = [produced[(n, i)][j] for n, i, j in config["input_layers"]]
    outputs = [produced[(n, i)][j] for n, i, j in config["output_layers"]]
    return cls(inputs=inputs, outputs=outputs, name=config.get("name"))
