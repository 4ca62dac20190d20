"""``model.summary()``: the Keras table of layers, output shapes and parameter counts.

Example output::

    Model: "sequential"
    _________________________________________________________________
    Layer (type)                 Output Shape              Param #
    =================================================================
    dense (Dense)                (None, 64)                50240
    _________________________________________________________________
    dense_1 (Dense)              (None, 10)                650
    =================================================================
    Total params: 50,890
    Trainable params: 50,890
    Non-trainable params: 0
    _________________________________________________________________
"""
import numpy as np

from kflow.layers.base import _flatten
from kflow.layers.input_layer import InputLayer


def _count(weights):
    return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in weights))


def _params(layer):
    if getattr(layer, "built", True) and hasattr(layer, "count_params"):
        return layer.count_params()
    return _count(getattr(layer, "weights", []))


def _shape_text(shape):
    if isinstance(shape, str):
        return shape
    if shape and isinstance(shape[0], (list, tuple)):
        return ", ".join(_shape_text(s) for s in shape)
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + (",)" if len(shape) == 1 else ")")


def connections(model):
    """``{id(layer): ["src[node][tensor]", ...]}`` for a branching functional model; None when it is a chain.

    Keras adds a "Connected to" column for models that are not a plain chain: several inputs or
    outputs, a layer called more than once, or a layer taking several tensors.
    """
    nodes = getattr(model, "_nodes", None)
    if nodes is None:
        return None
    local, links = {}, {}
    for layer, node_index in nodes:  # node numbers within this model, as get_config writes them
        local[(id(layer), node_index)] = sum(1 for k in local if k[0] == id(layer))
    chain = len(model.inputs) == 1 and len(model.outputs) == 1
    for layer, node_index in nodes:
        if isinstance(layer, InputLayer):
            continue
        node = layer._inbound_nodes[node_index]
        sources = [t._keras_history for t in _flatten(node.inputs) + node.argument_tensors()]
        chain = chain and len(sources) == 1 and id(layer) not in links
        links.setdefault(id(layer), []).extend(
            "%s[%d][%d]" % (src.name, local[(id(src), n)], i) for src, n, i in sources)
    return None if chain else links


def print_summary(model, line_length=None, positions=None, print_fn=None, expand_nested=False):
    """Prints ``model``'s table with ``print_fn`` (default ``print``); ``expand_nested`` also lists the layers of
    models used as layers, indented under theirs with "| "."""
    print_fn = print_fn or print
    links = connections(model)
    line_length = line_length or (65 if links is None else 98)
    positions = positions or ([0.45, 0.85, 1.0] if links is None else [0.33, 0.55, 0.67, 1.0])
    if positions[-1] <= 1:
        positions = [int(line_length * p) for p in positions]
    columns = ["Layer (type)", "Output Shape", "Param #"] + ([] if links is None else ["Connected to"])

    def row(fields):
        line = ""
        for i, field in enumerate(fields):
            if i > 0:
                line = line[:-1] + " "
            line += str(field)
            line = line[:positions[i]]
            line += " " * (positions[i] - len(line))
        print_fn(line.rstrip())

    print_fn('Model: "%s"' % model.name)
    print_fn("_" * line_length)
    row(columns)
    print_fn("=" * line_length)
    layers = model.layers

    def nested_rows(outer, depth):
        for inner in getattr(outer, "layers", None) or []:
            row(["| " * depth + "%s (%s)" % (inner.name, type(inner).__name__),
                 _shape_text(outer._layer_output_shape(inner)), _params(inner)] + ([] if links is None else [""]))
            nested_rows(inner, depth + 1)

    for i, layer in enumerate(layers):
        inbound = [] if links is None else links.get(id(layer), [])
        row(["%s (%s)" % (layer.name, type(layer).__name__), _shape_text(model._layer_output_shape(layer)),
             _params(layer)] + ([] if links is None else [inbound[0] if inbound else ""]))
        for extra in inbound[1:]:
            row(["", "", "", extra])
        if expand_nested:
            nested_rows(layer, 1)
        print_fn(("=" if i == len(layers) - 1 else "_") * line_length)
    trainable = _count(model.trainable_weights)
    total = _count(model.weights)
    print_fn("Total params: {:,}".format(total))
    print_fn("Trainable params: {:,}".format(trainable))
    print_fn("Non-trainable params: {:,}".format(total - trainable))
    print_fn("_" * line_length)
