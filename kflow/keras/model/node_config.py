"""A functional model's nodes in its config: which tensors each layer call took, its other arguments included.

Two layouts, both read by Keras 3 (and the first by tf.keras 2):
* a call whose only Keras tensors are in its first argument: tf.keras 2's list of ``[layer, node_index,
  tensor_index, kwargs]`` entries, one per tensor of the first argument, ``kwargs`` holding the other (plain)
  arguments, extra positional ones named after the layer's ``call`` parameters;
* a call with Keras tensors among its other arguments (a seq2seq decoder's ``initial_state=[h, c]``, an attention
  layer's ``value``): Keras 3's ``{"args": [...], "kwargs": {...}}``, each tensor written as
  ``{"class_name": "__keras_tensor__", "config": {"shape", "dtype", "keras_history": [layer, node, index]}}``,
  because Keras 3 reads tensors inside kwargs only in this layout.
Reading, both become the first layout, with tensors inside the arguments as ``[layer, node_index, index]``
references (and positional arguments kept under ``EXTRA_ARGS``), which ``resolve_arguments`` turns back into
the tensors the referenced nodes produced.

Example:
    >>> node_config(decoder_lstm, node, ref)["kwargs"]["initial_state"][0]["config"]["keras_history"]
    ['lstm', 0, 1]
"""
import inspect

import numpy as np

from kflow.layers.node import flatten, map_structure

EXTRA_ARGS = "__args__"  # positional arguments after the first, read from a Keras 3 node


def node_config(layer, node, ref):
    """The config of ``layer``'s call ``node``; ``ref(t)`` gives a Keras tensor's ``[layer, node, index]``."""
    if node.argument_tensors():
        def tensor(t):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": t.shape.as_list() if t.shape.ndims is not None else None, "dtype": t.dtype.name,
                "keras_history": ref(t)}}

        return {"args": [_encode(layer, a, tensor) for a in (node.inputs,) + node.args],
                "kwargs": _encode(layer, _explicit(node.kwargs), tensor)}
    arguments = dict(zip(_positional_names(layer), node.args)) if node.args else {}
    if len(arguments) < len(node.args):
        raise TypeError("Layer %s was called with %d extra positional arguments; its call takes %d by name."
                        % (layer.name, len(node.args), len(arguments)))
    arguments.update(_explicit(node.kwargs))
    arguments = _encode(layer, arguments, None)
    return [ref(t) + [arguments] for t in flatten(node.inputs)]


def legacy_node(data):
    """A node config in the first layout (a Keras 3 node converted, tensors as references)."""
    if isinstance(data, list):
        return data
    args = data.get("args", [])
    arguments = _references(data.get("kwargs") or {})
    if len(args) > 1:
        arguments[EXTRA_ARGS] = _references(list(args[1:]))
    first = _references(args[0]) if args else []
    return [r + [arguments] for r in (first if not _is_ref(first) else [first]) if _is_ref(r)]


def needed_nodes(arguments, layer_names):
    """The ``(layer, node_index)`` pairs whose outputs the call ``arguments`` refer to."""
    found = []
    _walk(arguments, layer_names, lambda r: found.append((r[0], r[1])))
    return found


def resolve_arguments(arguments, layer_names, produced):
    """``(args, kwargs)`` for the call, each reference replaced by the tensor ``produced[(layer, node)]`` holds."""
    def value(x):
        if _is_ref(x) and x[0] in layer_names:
            return produced[(x[0], x[1])][x[2]]
        if isinstance(x, list):
            return [value(i) for i in x]
        if isinstance(x, dict):
            return {k: value(v) for k, v in x.items()}
        return x

    kwargs = value(dict(arguments or {}))
    return kwargs.pop(EXTRA_ARGS, []), kwargs


def _explicit(kwargs):
    """The keyword arguments worth saving: not the learning phase a model passed implicitly as ``training``."""
    training = kwargs.get("training")
    return {k: v for k, v in kwargs.items() if k != "training" or training is None or isinstance(training, bool)}


def _encode(layer, value, tensor):
    def leaf(v):
        if hasattr(v, "_keras_history") and tensor is not None:
            return tensor(v)
        if isinstance(v, (np.ndarray, np.generic)):
            return v.tolist()
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        raise TypeError("Layer %s was called with an argument that a model config cannot hold: %r (only Keras "
                        "tensors, arrays and plain values can be saved)." % (layer.name, v))

    return map_structure(value, leaf)


def _references(x):
    """``x`` with each Keras 3 tensor (``{"class_name": "__keras_tensor__", ...}``) as ``[layer, node, index]``."""
    if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
        return list(x["config"]["keras_history"])
    if isinstance(x, (list, tuple)):
        return [_references(i) for i in x]
    if isinstance(x, dict):
        return {k: _references(v) for k, v in x.items()}
    return x


def _walk(x, layer_names, visit):
    if _is_ref(x) and x[0] in layer_names:
        visit(x)
    elif isinstance(x, list):
        for item in x:
            _walk(item, layer_names, visit)
    elif isinstance(x, dict):
        for item in x.values():
            _walk(item, layer_names, visit)


def _is_ref(x):
    return (isinstance(x, list) and len(x) == 3 and isinstance(x[0], str)
            and all(isinstance(i, int) and not isinstance(i, bool) for i in x[1:]))


def _positional_names(layer):
    """The names of ``layer.call``'s parameters after its first (the inputs), up to a ``*args``."""
    names = []
    for p in list(inspect.signature(type(layer).call).parameters.values())[2:]:  # after self and inputs
        if p.kind not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            break
        names.append(p.name)
    return names
