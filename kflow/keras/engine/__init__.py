"""The Keras engine: Network/Model/Sequential, the functional graph, data batching, training loops, saving."""
from kflow.keras.engine.input_layer import Input, InputLayer
from kflow.keras.engine.training import Model
from kflow.keras.engine.sequential import Sequential

__all__ = ["Input", "InputLayer", "Model", "Sequential"]
