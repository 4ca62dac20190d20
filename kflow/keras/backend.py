"""The Keras backend (``kf.keras.backend``, usually imported as ``K``): sessions, learning phase, values.

Every graph gets one Keras session (so models sharing a graph share weights) and one
learning-phase flag: a boolean ``placeholder_with_default(False)`` that ``fit`` feeds
True, so layers such as Dropout switch behaviour without rebuilding anything.

Example:
    >>> from kflow.keras import backend as K
    >>> K.set_value(model.optimizer.lr, 1e-4)
    >>> K.get_value(model.optimizer.lr)
    1e-04
"""
import weakref

import numpy as np

from kflow.engine import graph as graph_mod
from kflow.engine.ops.constant_op import placeholder_with_default
from kflow.engine.session import Session

_SESSIONS = weakref.WeakKeyDictionary()  # graph -> its Keras session
_LEARNING_PHASES = weakref.WeakKeyDictionary()  # graph -> bool tensor
_EPSILON = 1e-7
_FLOATX = "float32"


def floatx():
    return _FLOATX


def epsilon():
    """The fuzz factor used to keep logs and divisions finite (1e-7, as in Keras)."""
    return _EPSILON


def set_epsilon(value):
    global _EPSILON
    _EPSILON = float(value)


def image_data_format():
    """Always "channels_last" (NHWC): kflow's image layers default to it (Keras programs branch on this)."""
    return "channels_last"


def get_session(graph=None):
    """The Keras session of ``graph`` (default: the default graph), created on first use."""
    graph = graph if graph is not None else graph_mod.get_default_graph()
    sess = _SESSIONS.get(graph)
    if sess is None or sess._closed:
        sess = _SESSIONS[graph] = Session(graph=graph)
    return sess


def set_session(session):
    """Makes ``session`` the Keras session of its graph (models built in that graph then use it)."""
    _SESSIONS[session.graph] = session


def clear_session():
    """Closes every Keras session and starts a fresh default graph (as ``K.clear_session()``)."""
    for sess in list(_SESSIONS.values()):
        sess.close()
    _SESSIONS.clear()
    _LEARNING_PHASES.clear()
    graph_mod.reset_default_graph()


def learning_phase(graph=None):
    """The boolean learning-phase tensor of ``graph``: False unless fed (``fit`` feeds True)."""
    graph = graph if graph is not None else graph_mod.get_default_graph()
    phase = _LEARNING_PHASES.get(graph)
    if phase is None:
        with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
            phase = placeholder_with_default(False, shape=[], name="keras_learning_phase")
        _LEARNING_PHASES[graph] = phase
    return phase


def get_value(x):
    """The value of a Variable (read from its graph's Keras session) or of a plain number/array."""
    if hasattr(x, "_variable"):
        return get_session(x.graph).run(x)
    return np.asarray(x) if not np.isscalar(x) else x


def set_value(x, value):
    """Writes ``value`` into Variable ``x`` in its graph's Keras session; adds no op to the graph."""
    x.load(value, get_session(x.graph))


def batch_get_value(xs):
    if not xs:
        return []
    return list(get_session(xs[0].graph).run(tuple(xs)))


def batch_set_value(pairs):
    for x, value in pairs:
        set_value(x, value)


class Function:
    """``K.function(inputs, outputs, updates)``: ``f(values) -> [output values]``, one run in the Keras session.

    Example (Keras FAQ: a layer's output; 0 feeds the learning phase for test mode):
        >>> f = K.function([model.layers[0].input, K.learning_phase()], [model.layers[3].output])
        >>> layer_output = f([x, 0])[0]
    """

    def __init__(self, inputs, outputs, updates=None, name=None):
        self.outputs = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
        graph = (self.outputs + list(inputs))[0].graph
        # K.learning_phase() is the default graph's flag; a Sequential model has its own graph: use its flag
        self.inputs = [learning_phase(graph) if t.graph is not graph and _LEARNING_PHASES.get(t.graph) is t else t
                       for t in inputs]
        self._session = get_session(graph)
        fetches = tuple(self.outputs)
        if updates:
            from kflow.engine.ops.control_flow_ops import group

            with graph.as_default():
                fetches += (group(*updates),)
        self._fetches = fetches

    def __call__(self, values):
        if len(values) != len(self.inputs):
            raise ValueError("This function takes %d input values (%s); got %d."
                             % (len(self.inputs), [t.name for t in self.inputs], len(values)))
        # values take the placeholders' dtypes, as Keras converts them (0/1 for the learning phase flag)
        feed = {t: np.asarray(v, dtype=t.dtype.as_numpy_dtype) for t, v in zip(self.inputs, values)}
        out = self._session.run(self._fetches, feed)
        return list(out[:len(self.outputs)])


def function(inputs, outputs, updates=None, **kwargs):
    return Function(inputs, outputs, updates=updates, name=kwargs.get("name"))


# The tensor functions (K.mean, K.square, ...) live beside, in backend_ops.
from kflow.keras.backend_ops import *  # noqa: E402,F401,F403
