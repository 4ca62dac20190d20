"""Network: what every Keras model is made of - layers, inputs, outputs, weights - and itself a Layer.

As in tf.keras 1.x, a model lives in the default graph of the moment it is made (a functional
model in the graph of its ``Input`` tensors) and uses that graph's session (``K.get_session()``):
several models share one graph, their layers uniquely named ("dense", "dense_1"), and models
sharing layers share weights. A model is a ``Layer``: calling it on new tensors runs its layers
again on them with the same weights, so a model can be a layer of another model.

Weights are read and written straight through the session (``get_weights`` is one
``Session.run``, ``set_weights`` loads values), so neither adds ops to the graph.

Example:
    >>> model.get_weights()[0].shape
    (784, 64)
    >>> model.set_weights(other.get_weights())
    >>> y = model(kf.keras.Input(shape=(784,)))   # the same weights on a new input
"""
import inspect

import numpy as np

from kflow.engine import dtypes
from kflow.engine.execution_mode import executing_eagerly
from kflow.engine.function_graph import FuncGraph
from kflow.engine import graph as graph_mod
from kflow.engine.learning_phase import learning_phase
from kflow.engine.ops.constant_op import placeholder
from kflow.keras import backend as K
from kflow.keras.model import summary as summary_mod
from kflow.layers.base import Layer, _unique  # one de-duplication by identity for layers and models
from kflow.layers.floatx import floatx


def accepts_training(layer):
    """True when ``layer.call`` takes a ``training`` argument (Dropout, BatchNormalization, models, ...)."""
    call = getattr(layer, "call", None)
    if call is None:
        return False
    try:
        params = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return False
    return "training" in params


def call_layer(layer, inputs, training=None, args=(), kwargs=None):
    """Applies ``layer`` to ``inputs`` and the call's other arguments, passing ``training`` (default: the graph's
    learning phase) to layers that take it unless the call gives its own."""
    kwargs = dict(kwargs or {})
    if accepts_training(layer) and "training" not in kwargs:
        kwargs["training"] = training if training is not None else learning_phase()
    return layer(inputs, *args, **kwargs)


class Network(Layer):
    """Base of Model and Sequential: layers, weights, session, summary.

    Subclasses set ``inputs``/``outputs`` (lists of tensors) and ``_layers`` when they build.

    Args:
        name: the model name (default: snake_case of the class, unique in the graph: "sequential_1").
        graph: the graph the model lives in (default: the default graph).
    """

    def __init__(self, name=None, graph=None):
        super().__init__(name=name)
        if graph is None:
            # eager mode: the model's symbolic graph (fit/evaluate/predict) captures the eager weights it reads
            graph = FuncGraph("keras_model") if executing_eagerly() else graph_mod.get_default_graph()
        self._graph = graph
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        self.stop_training = False

    # ---- layer tracking (subclassed models assign layers as attributes) -------------
    def __setattr__(self, name, value):
        if not name.startswith("_") and name not in ("inputs", "outputs"):
            for v in (value if isinstance(value, (list, tuple)) else [value]):
                if _is_layer(v) and all(v is not l for l in self._layers):
                    self._layers.append(v)
        object.__setattr__(self, name, value)

    @property
    def layers(self):
        return list(self._layers)

    def get_layer(self, name=None, index=None):
        """The layer called ``name`` or at position ``index``."""
        if index is not None:
            if index >= len(self._layers):
                raise ValueError("Was asked to retrieve layer at index %d but model only has %d layers."
                                 % (index, len(self._layers)))
            return self._layers[index]
        for layer in self._layers:
            if layer.name == name:
                return layer
        raise ValueError("No such layer: %s. Layers: %s" % (name, [l.name for l in self._layers]))

    # ---- graph and session -------------------------------------------------------------
    @property
    def graph(self):
        """The graph the model lives in (the default graph when it was made)."""
        return self._graph

    @property
    def session(self):
        """The session of this model's graph (``K.get_session()``; holds the weight values)."""
        return K.get_session(self._graph)

    def _load_initial_weights(self):
        """Loads the values of ``Layer(weights=[...])``, which wait for the model's session."""
        for layer in self._layers:
            initial = getattr(layer, "_pending_initial_weights", None)
            if initial is not None:
                layer._pending_initial_weights = None
                layer.set_weights(initial)

    def _placeholder_for(self, array, name):
        """An input placeholder matching ``array`` (batch dimension left open, of Keras's ``floatx``)."""
        shape = [None] + list(np.shape(array)[1:])
        with self._graph.as_default():
            return placeholder(floatx(), shape, name=name)

    # ---- weights ------------------------------------------------------------------
    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return _unique(w for l in self._layers for w in getattr(l, "trainable_weights", []))

    @property
    def non_trainable_weights(self):
        weights = _unique(w for l in self._layers for w in getattr(l, "non_trainable_weights", []))
        if not self.trainable:
            weights = _unique(list(_unique(w for l in self._layers for w in getattr(l, "trainable_weights", [])))
                              + weights)
        return weights

    @property
    def weights(self):
        return _unique(self.trainable_weights + self.non_trainable_weights)

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def losses(self):
        return _unique([loss for l in self._layers for loss in getattr(l, "losses", [])] +
                       self.__dict__.get("_model_losses", []))

    def add_loss(self, losses, inputs=None):
        """Adds loss tensors of the whole model (e.g. a VAE's loss built from its inputs and outputs) to the
        loss ``fit`` minimizes; then ``compile(optimizer)`` needs no ``loss`` and ``fit`` no ``y``."""
        own = self.__dict__.setdefault("_model_losses", [])
        for loss in (losses if isinstance(losses, (list, tuple)) else [losses]):
            if loss is not None:
                own.append(loss)
        self._compiled, self._functions = None, {}

    @property
    def updates(self):
        # As Keras: a frozen layer (or model) runs no updates, so a frozen BatchNormalization keeps its moving
        # statistics while the rest is fine-tuned (recompile after changing `trainable`, as for the weights).
        if not self.trainable:
            return []
        return _unique(u for l in self._layers if getattr(l, "trainable", True) for u in getattr(l, "updates", []))

    def _weights_by_layer(self):
        # Keras orders get/set_weights layer by layer (each layer's own order), whatever is frozen: a list
        # taken before `layer.trainable = False` still loads after it.
        return _unique(w for l in self._layers for w in getattr(l, "weights", []))

    def get_weights(self):
        """The weight values (numpy copies), layer by layer as Keras orders them."""
        weights = self._weights_by_layer()
        if not weights:
            return []
        if hasattr(weights[0], "_eager_read"):  # built in eager mode: the weights hold their values
            return [np.array(w) for w in weights]
        return list(self.session.run(tuple(weights)))

    def set_weights(self, weights):
        """Loads values (same order and shapes as ``get_weights()``) without adding ops."""
        own = self._weights_by_layer()
        if len(weights) != len(own):
            raise ValueError("You called `set_weights(weights)` on model %s with a weight list of length %d, but "
                             "the model has %d weights." % (self.name, len(weights), len(own)))
        sess = self.session
        for var, value in zip(own, weights):
            value = np.asarray(value)
            if tuple(var.shape.as_list()) != value.shape:
                raise ValueError("Weight %s has shape %s; the value given has shape %s."
                                 % (var.name, tuple(var.shape.as_list()), value.shape))
            var.load(value, sess)

    def count_params(self):
        return int(sum(np.prod(w.shape.as_list(), dtype=np.int64) for w in self.weights))

    # ---- shapes -------------------------------------------------------------------------
    @property
    def input(self):
        return self.inputs[0] if len(self.inputs) == 1 else self.inputs

    @property
    def output(self):
        return self.outputs[0] if len(self.outputs) == 1 else self.outputs

    @property
    def input_shape(self):
        shapes = [tuple(t.shape.as_list()) for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [tuple(t.shape.as_list()) for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def _layer_output_shape(self, layer):
        """Output shape shown by ``summary``; "multiple" when unknown (as Keras prints)."""
        return "multiple"

    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False):
        """Prints the layers, their output shapes and parameter counts (Keras's table); ``expand_nested`` lists
        the layers of nested models too."""
        summary_mod.print_summary(self, line_length, positions, print_fn, expand_nested)

    def __repr__(self):
        return "<kflow.keras %s '%s' with %d layers>" % (type(self).__name__, self.name, len(self._layers))


def _is_layer(v):
    return (hasattr(v, "build") or hasattr(v, "get_config")) and hasattr(v, "trainable_weights") and \
        callable(v) and not isinstance(v, type)
