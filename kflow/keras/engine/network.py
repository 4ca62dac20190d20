"""Network: what every Keras model is made of - a graph, a session, layers, inputs, outputs, weights.

Each model lives in one ``kf.Graph`` and uses that graph's Keras session
(``K.get_session(graph)``): Sequential and subclassed models create their own graph, so
several models coexist; a functional model lives in the graph of its ``Input`` tensors,
and models sharing that graph share their layers' weights.

Weights are read and written straight through the session (``get_weights`` is one
``Session.run``, ``set_weights`` loads values), so neither adds ops to the graph.

Example:
    >>> model.get_weights()[0].shape
    (784, 64)
    >>> model.set_weights(other.get_weights())
"""
import collections
import inspect
import itertools

import numpy as np

from kflow.engine import dtypes
from kflow.engine import graph as graph_mod
from kflow.engine.graph import Graph, GraphKeys
from kflow.engine.ops.constant_op import placeholder
from kflow.keras import backend as K
from kflow.keras.engine import summary as summary_mod

_MODEL_COUNTERS = collections.defaultdict(lambda: itertools.count(1))


def _default_name(cls_name):
    snake = "".join("_" + c.lower() if c.isupper() else c for c in cls_name).lstrip("_")
    n = next(_MODEL_COUNTERS[snake])
    return snake if n == 1 else "%s_%d" % (snake, n - 1)


def accepts_training(layer):
    """True when ``layer.call`` takes a ``training`` argument (Dropout, BatchNormalization, ...)."""
    call = getattr(layer, "call", None)
    if call is None:
        return False
    try:
        params = inspect.signature(call).parameters
    except (TypeError, ValueError):
        return False
    return "training" in params


def call_layer(layer, inputs, graph):
    """Applies ``layer`` inside ``graph``, passing the learning phase to layers that take ``training``."""
    if accepts_training(layer):
        return layer(inputs, training=K.learning_phase(graph))
    return layer(inputs)


class Network:
    """Base of Model and Sequential: graph/session ownership, layers, weights, summary.

    Subclasses set ``inputs``/``outputs`` (lists of tensors) and ``_layers`` when they build.
    """

    def __init__(self, name=None, graph=None):
        object.__setattr__(self, "_layers", [])  # before __setattr__ tracking can run
        self.name = name or _default_name(type(self).__name__)
        self._graph = graph if graph is not None else new_model_graph()
        self.inputs, self.outputs = [], []
        self.input_names, self.output_names = [], []
        self.built = False
        self.stop_training = False
        self.trainable = True

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
        return self._graph

    @property
    def session(self):
        """The Keras session of this model's graph (holds the weight values)."""
        return K.get_session(self._graph)

    def _initialize_variables(self):
        """Initializes the variables of the graph that the session does not hold yet (keeps the others)."""
        sess = self.session
        pending = [v for v in self._graph.get_collection(GraphKeys.GLOBAL_VARIABLES) +
                   self._graph.get_collection(GraphKeys.LOCAL_VARIABLES) if v.op not in sess.variable_values]
        if pending:
            sess.run(tuple(v.initializer for v in pending))
        for layer in self._layers:  # Layer(weights=[...]) values wait for the session to exist
            initial = getattr(layer, "_pending_initial_weights", None)
            if initial is not None:
                layer._pending_initial_weights = None
                layer.set_weights(initial)

    def _placeholder_for(self, array, name):
        """An input placeholder matching ``array`` (batch dimension left open, float32 as Keras floatx)."""
        shape = [None] + list(np.shape(array)[1:])
        with self._graph.as_default():
            return placeholder(dtypes.float32, shape, name=name)

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

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Prints the layers, their output shapes and parameter counts (Keras's table)."""
        summary_mod.print_summary(self, line_length, positions, print_fn)

    def __repr__(self):
        return "<kflow.keras %s '%s' with %d layers>" % (type(self).__name__, self.name, len(self._layers))


def new_model_graph():
    """A new graph for a model, seeded from ``kf.set_random_seed`` on the default graph.

    In TF1 a Keras model lives in the default graph, so the graph seed makes runs repeatable while
    models built one after the other still draw different weights. A model's own graph gets the same:
    the user's seed, mixed with how many models have taken one from this default graph so far.
    """
    graph = Graph()
    default = graph_mod.get_default_graph()
    if default.seed is not None:
        seed, count = getattr(default, "_keras_seed_count", (None, 0))
        count = count + 1 if seed == default.seed else 0
        default._keras_seed_count = (default.seed, count)
        graph.seed = (int(default.seed) * 1000003 + count) % (2 ** 31) if count else default.seed
    return graph


def _is_layer(v):
    return (hasattr(v, "build") or hasattr(v, "get_config")) and hasattr(v, "trainable_weights") and \
        callable(v) and not isinstance(v, type)


def _unique(items):
    seen, out = set(), []
    for x in items:
        if id(x) not in seen:
            seen.add(id(x))
            out.append(x)
    return out
