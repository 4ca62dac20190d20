"""The Keras backend (``kf.keras.backend``, usually imported as ``K``): sessions, learning phase, values.

Keras code runs in the default graph, as in tf.keras 1.x: every graph has one session
(``K.get_session()``, so models sharing a graph share weights) and one learning-phase flag, a
boolean ``placeholder_with_default(False)`` that ``fit`` feeds True, so layers such as Dropout
switch behaviour without rebuilding anything. Both are graph state kept by the engine
(``kflow.engine.graph_session``, ``kflow.engine.learning_phase``); this module is their Keras face.

Example:
    >>> from kflow.keras import backend as K
    >>> K.set_value(model.optimizer.lr, 1e-4)
    >>> K.get_value(model.optimizer.lr)
    1e-04
"""
import numpy as np

from kflow.engine import graph as graph_mod
from kflow.engine.graph_session import batch_get_value, batch_set_value, close_sessions, get_session, set_session
from kflow.engine.learning_phase import forget_learning_phases, learning_phase
from kflow.engine.ops.control_flow_ops import group
from kflow.keras.backend_config import epsilon, floatx, image_data_format, set_epsilon  # noqa: F401

def clear_session():
    """Closes every Keras session and starts a fresh default graph (as ``K.clear_session()``)."""
    close_sessions()
    forget_learning_phases()
    graph_mod.reset_default_graph()


def get_value(x):
    """The value of a Variable (read from its graph's Keras session) or of a plain number/array."""
    if hasattr(x, "_eager_read"):  # an eager variable holds its value
        return x.numpy()
    if hasattr(x, "_variable"):
        return get_session(x.graph).run(x)
    return np.asarray(x) if not np.isscalar(x) else x


def set_value(x, value):
    """Writes ``value`` into Variable ``x`` in its graph's Keras session; adds no op to the graph."""
    if hasattr(x, "_eager_read"):
        x.assign(value)
        return
    x.load(value, get_session(x.graph))


class Function:
    """``K.function(inputs, outputs, updates)``: ``f(values) -> [output values]``, one run of the graph's session.

    It is also what ``Model.fit`` / ``evaluate`` / ``predict`` run per batch: the feeds and fetches never
    change, so the session compiles its plan on the first call and every later call reuses it.

    Args:
        inputs: placeholders, in the order of the values given to ``__call__``. A None value leaves its
            placeholder unfed (e.g. sample weights that default to ones).
        outputs: tensors whose values are returned.
        updates: ops run with the outputs (optimizer update, moving averages), grouped into one op.
        feed_dict: extra feeds given on every call (``Model.fit`` feeds the learning phase True).

    Example (Keras FAQ: a layer's output; 0 feeds the learning phase for test mode):
        >>> f = K.function([model.layers[0].input, K.learning_phase()], [model.layers[3].output])
        >>> layer_output = f([x, 0])[0]
    """

    def __init__(self, inputs, outputs, updates=None, name=None, feed_dict=None):
        self.inputs = list(inputs)
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        graph = (self.outputs + self.inputs)[0].graph if self.outputs or self.inputs else \
            graph_mod.get_default_graph()
        # values take the placeholders' dtypes, as Keras converts them (0/1 for the learning-phase flag)
        self._dtypes = [np.dtype(t.dtype.as_numpy_dtype) for t in self.inputs]
        fetches = tuple(self.outputs)
        if updates:
            with graph.as_default():
                fetches += (group(*updates, name=name or "updates"),)
        self._fetches = fetches
        self._session = get_session(graph)  # after the ops are made: it initializes the graph's new variables
        self._n = len(self.outputs)
        self._feed_dict = dict(feed_dict or {})

    def __call__(self, values):
        if len(values) != len(self.inputs):
            raise ValueError("This function takes %d input values (%s); got %d."
                             % (len(self.inputs), [t.name for t in self.inputs], len(values)))
        feed = dict(self._feed_dict)
        for t, dtype, v in zip(self.inputs, self._dtypes, values):
            if v is not None:
                feed[t] = v if v.__class__ is np.ndarray and v.dtype == dtype else np.asarray(v, dtype)
        return list(self._session.run(self._fetches, feed)[:self._n])


def function(inputs, outputs, updates=None, **kwargs):
    return Function(inputs, outputs, updates=updates, name=kwargs.get("name"), feed_dict=kwargs.get("feed_dict"))


# The tensor functions (K.mean, K.square, ...) live beside, in backend_ops.
from kflow.keras.backend_ops import *  # noqa: E402,F401,F403

# the rest of the Keras 2 backend (issue 15): variables, phases, rnn, convolutions, shape utilities
from kflow.keras.backend_functions import *  # noqa: E402,F401,F403

# issue 15 layers (round 2): volumes, unshared convolutions and CTC
from kflow.keras.backend_volumes import *  # noqa: E402,F401,F403
from kflow.keras.backend_ctc import *  # noqa: E402,F401,F403
