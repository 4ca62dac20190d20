"""Layers from their saved form ``{"class_name": ..., "config": ...}`` (model files, ``from_config``).

A class name is looked up in ``custom_objects`` first, then among kflow's own ``Layer``
subclasses (every layer of ``kflow.layers``, and the Keras models, which are layers too) and
``InputLayer``. A user's layer class must come through ``custom_objects``, as in Keras, so a
file never picks a class by a name the user did not hand over.

Example:
    >>> entry = {"class_name": type(layer).__name__, "config": layer.get_config()}
    >>> same_kind = deserialize_layer(entry)
    >>> custom = deserialize_layer(saved, custom_objects={"Scale": Scale})
"""
import inspect

from kflow.layers.base import Layer
from kflow.layers.input_layer import InputLayer

# Keras's name for a functional model in newer files.
_ALIASES = {"Functional": "Model"}


def serialize_layer(layer):
    """``{"class_name", "config"}`` of ``layer`` (the form ``deserialize_layer`` reads)."""
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def layer_class(class_name, custom_objects=None):
    """The class for a saved ``class_name``: ``custom_objects``, then kflow's layer classes.

    Raises:
        ValueError: no such class (the message says how to pass a custom one).
    """
    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name]
    class_name = _ALIASES.get(class_name, class_name)
    if class_name == "InputLayer":
        return InputLayer
    for cls in _kflow_layer_classes():
        if cls.__name__ == class_name:
            return cls
    raise ValueError("Unknown layer: %s. For a custom layer, pass custom_objects={'%s': %s} to load_model / "
                     "from_config." % (class_name, class_name, class_name))


def deserialize_layer(entry, custom_objects=None):
    """A new layer from ``{"class_name", "config"}``."""
    cls = layer_class(entry["class_name"], custom_objects)
    # As Keras does: classes whose from_config takes custom_objects (Lambda, wrappers, models) get them.
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(entry["config"], custom_objects=custom_objects)
    return cls.from_config(entry["config"])


def _kflow_layer_classes():
    """Every subclass of Layer defined in kflow, base classes before their subclasses."""
    found, todo = [], [Layer]
    while todo:
        cls = todo.pop(0)
        for sub in cls.__subclasses__():
            if sub not in found:
                found.append(sub)
                todo.append(sub)
    return [c for c in found if c.__module__.startswith("kflow.")]
