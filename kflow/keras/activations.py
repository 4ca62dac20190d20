"""kf.keras.activations: ``get``/``serialize`` of layer activations (the ``kf.nn`` functions by name).

Example:
    >>> kf.keras.activations.get("relu") is kf.nn.relu
    True
"""
from kflow.layers.activations import exponential, get, hard_sigmoid, linear, serialize


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)


__all__ = ["get", "serialize", "deserialize", "linear", "exponential", "hard_sigmoid"]
