"""kf.keras.models: model classes and whole-model saving/loading.

Example:
    >>> model.save("model.h5")
    >>> model = kf.keras.models.load_model("model.h5", custom_objects={"Scale": Scale})
"""
from kflow.layers.input_layer import Input, InputLayer
from kflow.keras.model.saving import load_model, model_from_config, model_from_json, save_model
from kflow.keras.model.sequential import Sequential
from kflow.keras.model.training import Model


def clone_model(model, custom_objects=None):
    """A new model (in the default graph) with the same architecture and freshly initialized weights."""
    # the config comes from a live model, not from a file: its Lambda layers are the caller's own
    return model_from_config({"class_name": type(model).__name__, "config": model.get_config()}, custom_objects,
                             safe_mode=False)


__all__ = ["Model", "Sequential", "Input", "InputLayer", "load_model", "save_model", "model_from_config",
           "model_from_json", "clone_model"]
