"""Keras models: Network/Model/Sequential (layers themselves), the functional graph, batching, loops, saving."""
from kflow.keras.model.sequential import Sequential
from kflow.keras.model.training import Model
from kflow.layers.input_layer import Input, InputLayer

__all__ = ["Input", "InputLayer", "Model", "Sequential"]
