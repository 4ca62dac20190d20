"""Model configs as Keras writes them (tf.keras 2.x and Keras 3's ``.h5``), translated into kflow's.

kflow's own files follow tf.keras 2's layout, which Keras 3 still reads. Keras 3 writes more: ``module`` /
``registered_name`` beside each class name, dtype policies as objects, ``batch_shape`` for an input,
nodes as ``{"args": [keras tensors], "kwargs": ...}``, and options kflow's layers do not take
(``quantization_config``, ``synchronized``, ...). ``to_kflow`` rewrites a config into the tf.keras 2 form
kflow reads. An option kflow does not know is dropped only when it is unset (None, False, 0 or Keras's
no-op default); any other raises, naming the layer and the option, so nothing is silently ignored.

Example:
    >>> config = to_kflow(json.loads(h5file.attrs["model_config"]))
    >>> model = deserialize_layer(config)
"""
import inspect

from kflow.layers.base import _ALLOWED_KWARGS, Layer
from kflow.layers.serialization import layer_class

# Keras options whose value here changes nothing (so a kflow layer without the option computes the same).
_NO_OP_VALUES = {"groups": 1, "data_format": "channels_last", "renorm_momentum": 0.99, "ema_momentum": 0.99,
                 "dilation_rate": [1, 1], "autocast": True}
_BOOKKEEPING = ("module", "registered_name", "build_config", "compile_config", "shared_object_id")


def to_kflow(entry, custom_objects=None):
    """A ``{"class_name", "config"}`` model/layer entry (Keras 2 or 3) in the form kflow's ``from_config`` takes."""
    entry = {k: v for k, v in entry.items() if k not in _BOOKKEEPING}
    config = dict(entry.get("config") or {})
    name = entry["class_name"]
    if name in ("Sequential", "Model", "Functional"):
        config["layers"] = [to_kflow(e, custom_objects) for e in config.get("layers", [])]
        for key in ("input_layers", "output_layers"):
            if key in config and config[key] and isinstance(config[key][0], str):  # Keras 3: one [name, n, i]
                config[key] = [config[key]]
        config.pop("trainable", None)
        config.pop("dtype", None)
    else:
        config = _layer_config(name, config, custom_objects)
    entry["config"] = config
    if "inbound_nodes" in entry:
        entry["inbound_nodes"] = [_node(n) for n in entry["inbound_nodes"]]
    return entry


def _layer_config(class_name, config, custom_objects):
    if class_name == "InputLayer":
        if "batch_shape" in config:
            config["batch_input_shape"] = config.pop("batch_shape")
        config.pop("optional", None)
        config.pop("ragged", None)
    config = {k: _value(v) for k, v in config.items()}
    try:
        cls = layer_class(class_name, custom_objects)
    except ValueError:
        return config  # deserialization says which class is unknown
    accepted = _accepted(cls)
    if accepted is None:
        return config
    kept = {}
    for key, value in config.items():
        if key in accepted:
            kept[key] = value
        elif value in (None, False, 0, [], {}) or _NO_OP_VALUES.get(key, object()) == value:
            continue
        else:
            raise ValueError("Layer %s (%s) in the model file has option %s=%r, which kflow's %s does not "
                             "support." % (config.get("name"), class_name, key, value, cls.__name__))
    return kept


def _accepted(cls):
    """The config keys ``cls`` takes: its own arguments and, while ``**kwargs`` is passed on up the class chain,
    its bases' (Conv3DTranspose's ``activation`` is Conv3D's), ending with the base Layer's; None when it takes
    anything."""
    names = set()
    for klass in cls.__mro__:
        if "__init__" not in vars(klass):
            continue
        try:
            params = inspect.signature(klass.__init__).parameters
        except (TypeError, ValueError):
            return None
        names |= {n for n, p in params.items() if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind == p.VAR_KEYWORD for p in params.values()):
            return names
        if klass is Layer:
            return names | set(_ALLOWED_KWARGS)
    return None


def _value(value):
    """Keras 3's nested objects in kflow's form: a dtype policy as its name, initializers and regularizers
    without their module."""
    if isinstance(value, dict) and "class_name" in value:
        if value["class_name"] in ("DTypePolicy", "Policy", "FloatDTypePolicy"):
            return (value.get("config") or {}).get("name", "float32")
        inner = {k: v for k, v in (value.get("config") or {}).items() if v is not None}
        return {"class_name": value["class_name"], "config": inner}
    return value


def _node(node):
    """One inbound node as tf.keras 2 writes it: ``[[layer, node_index, tensor_index, kwargs], ...]``."""
    if isinstance(node, list):
        return node
    found = []

    def walk(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            layer, node_index, index = x["config"]["keras_history"]
            found.append([layer, node_index, index, {}])
        elif isinstance(x, (list, tuple)):
            for item in x:
                walk(item)

    walk(node.get("args", []))
    return found
