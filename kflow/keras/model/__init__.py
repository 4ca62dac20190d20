"""The Keras engine: Network/Model/Sequential, the functional graph, data batching, training loops, saving."""
from kflow.layers.input_layer import Input, InputLayer
from kflow.keras.model.training import Model
from kflow.keras.model.sequential import Sequential

__all__ = ["Input", "InputLayer", "Model", "Sequential"]
