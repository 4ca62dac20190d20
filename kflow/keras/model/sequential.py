"""Sequential: a linear stack of layers, in the default graph.

The model is built as soon as the input shape is known: from the first layer's
``input_shape`` / ``input_dim`` (or the inputs of a model given as first layer), or from
the first data given to fit/predict, or from the first tensor it is called on.

Example:
    >>> model = kf.keras.Sequential([
    ...     kf.keras.layers.Dense(64, activation="relu", input_shape=(784,)),
    ...     kf.keras.layers.Dense(10, activation="softmax")])
    >>> model.output_shape
    (None, 10)
    >>> wider = kf.keras.Sequential([model, kf.keras.layers.Dense(2)])   # a model is a layer
"""
from kflow.engine import dtypes
from kflow.engine.ops.constant_op import placeholder
from kflow.keras.model.network import Network, call_layer
from kflow.keras.model.training import Model
from kflow.layers.floatx import floatx
from kflow.layers.input_layer import InputLayer
from kflow.layers.serialization import deserialize_layer


class Sequential(Model):
    """Args: layers: optional list of layers, added in order; name: model name."""

    def __init__(self, layers=None, name=None):
        super().__init__(name=name)
        self._layer_outputs = {}
        self._build_input_shape = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Appends a layer; builds the model when the input shape becomes known."""
        origin = getattr(layer, "_keras_history", None)
        if origin is not None and isinstance(origin[0], InputLayer):  # a kf.keras.Input(...) tensor: its layer
            layer = origin[0]
        if isinstance(layer, InputLayer):  # model.add(InputLayer(input_shape=...)) fixes the input
            if self._layers or self.built:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model.")
            self._build_input_shape = tuple(layer.batch_input_shape)
            self._build(self._build_input_shape, layer.dtype)
            return
        if not callable(layer) or not hasattr(layer, "trainable_weights"):
            raise TypeError("The added layer must be an instance of class Layer. Found: %r" % (layer,))
        if any(layer is l for l in self._layers):
            raise ValueError("Layer %s is already in the model." % layer.name)
        self._layers.append(layer)
        if self.built:
            self._apply(layer)
            self._compiled, self._functions = None, {}
            self._load_initial_weights()
        elif len(self._layers) == 1 and _batch_input_shape(layer) is not None:
            self._build(_batch_input_shape(layer), getattr(layer, "dtype", None))

    def pop(self):
        """Removes the last layer (its ops stay in the graph, unused)."""
        if not self._layers:
            raise TypeError("There are no layers in the model.")
        layer = self._layers.pop()
        self._layer_outputs.pop(id(layer), None)
        if self.built:
            self.outputs = [self._layer_outputs[id(self._layers[-1])]] if self._layers else list(self.inputs)
            self.output_names = [self._layers[-1].name] if self._layers else list(self.input_names)
            self._compiled, self._functions = None, {}

    def build(self, input_shape=None):
        """Builds on ``input_shape`` (with the batch dimension, e.g. ``(None, 784)``)."""
        if input_shape is None:
            input_shape = self._build_input_shape
        if input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._build(tuple(input_shape.as_list() if hasattr(input_shape, "as_list") else input_shape))

    def _build_from_arrays(self, x_arrays):
        if len(x_arrays) != 1:
            raise ValueError("A Sequential model has one input; got %d arrays." % len(x_arrays))
        self._build((None,) + tuple(x_arrays[0].shape[1:]))

    def _build(self, batch_input_shape, dtype=None):
        self._build_input_shape = tuple(batch_input_shape)
        name = (self._layers[0].name if self._layers else self.name) + "_input"
        with self._graph.as_default():
            x = placeholder(dtypes.as_dtype(dtype or floatx()), list(batch_input_shape), name=name)
        self.inputs, self.input_names = [x], [name]
        self.outputs, self.output_names = [x], [name]
        self.built = True
        for layer in self._layers:
            self._apply(layer)
        self._load_initial_weights()

    def _apply(self, layer):
        out = call_layer(layer, self.outputs[0])
        if isinstance(out, (list, tuple)):
            raise TypeError("All layers in a Sequential model should have a single output tensor; layer %s "
                            "returned %d." % (layer.name, len(out)))
        self._layer_outputs[id(layer)] = out
        self.outputs, self.output_names = [out], [layer.name]

    def call(self, inputs, training=None):
        h = inputs
        for layer in self._layers:
            h = call_layer(layer, h, training)
        return h

    def _layer_output_shape(self, layer):
        out = self._layer_outputs.get(id(layer))
        return tuple(out.shape.as_list()) if out is not None else "multiple"

    def get_config(self):
        layers = [{"class_name": type(l).__name__, "config": l.get_config()} for l in self._layers]
        shape = list(self._build_input_shape or []) or None
        if shape is not None and layers:  # as tf.keras 2 writes it, so Keras 3 sees the input's true shape
            layers.insert(0, {"class_name": "InputLayer", "config": {
                "batch_input_shape": shape, "dtype": self.inputs[0].dtype.name if self.inputs else floatx(), "sparse": False, "ragged": False,
                "name": self._layers[0].name + "_input"}})
        return {"name": self.name, "build_input_shape": shape, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        if isinstance(config, list):  # the Keras 2.0 format: just the layer list
            config = {"layers": config}
        model = cls(name=config.get("name"))
        entries = list(config["layers"])
        shape = config.get("build_input_shape")
        if entries and entries[0]["class_name"] == "InputLayer":  # tf.keras 2 lists the input first
            first = entries.pop(0)["config"]
            shape = shape or first.get("batch_input_shape") or first.get("batch_shape")
        for entry in entries:
            model._layers.append(deserialize_layer(entry, custom_objects))
        shape = shape or getattr(model._layers[0], "_batch_input_shape", None)
        if shape is not None:
            model._build(tuple(shape))
        return model


def _batch_input_shape(layer):
    """The input shape a first layer fixes: its ``input_shape`` argument, or a built model's input."""
    shape = getattr(layer, "_batch_input_shape", None)
    if shape is None and isinstance(layer, Network) and len(layer.inputs) == 1:
        shape = tuple(layer.inputs[0].shape.as_list())
    return shape
