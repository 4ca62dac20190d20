"""The session of a graph: one ``Session`` per graph that Keras-style code reads and writes weights with.

``K.get_session()`` in tf.keras 1.x: models, layers' ``get_weights``/``set_weights`` and
``K.get_value`` all use the same session of their graph, so two models sharing a graph share
weight values. As there, handing out the session first initializes the graph's variables that it
does not hold yet (never the others): models built one after another cost one initializing run
when next used, not one per layer or per model. It lives in the engine because ``kf.layers`` (layer weights) and
``kf.keras`` (models, the backend) both need it.

Example:
    >>> sess = get_session()                    # the default graph's session, made on first use
    >>> kernel, bias = batch_get_value([layer.kernel, layer.bias])
    >>> batch_set_value([(layer.bias, np.zeros(10))])
"""
import weakref

import numpy as np

from kflow.engine import graph as graph_mod
from kflow.engine.graph import GraphKeys
from kflow.engine.session import Session

_SESSIONS = weakref.WeakKeyDictionary()  # graph -> its session
_CHECKED = weakref.WeakKeyDictionary()  # session -> graph version whose variables it holds


def get_session(graph=None):
    """The session of ``graph`` (default: the default graph), created on first use (again once closed),
    with every variable of the graph initialized."""
    graph = graph if graph is not None else graph_mod.get_default_graph()
    sess = _SESSIONS.get(graph)
    if sess is None or sess._closed:
        sess = _SESSIONS[graph] = Session(graph=graph)
    _initialize_new_variables(sess)
    return sess


def set_session(session):
    """Makes ``session`` the session of its graph (models built in that graph then use it)."""
    _SESSIONS[session.graph] = session


def close_sessions():
    """Closes and forgets every graph's session (``K.clear_session``)."""
    for sess in list(_SESSIONS.values()):
        sess.close()
    _SESSIONS.clear()


def batch_get_value(variables):
    """The values (numpy) of ``variables``, all of one graph, in one run of that graph's session."""
    if not variables:
        return []
    if hasattr(variables[0], "_eager_read"):  # eager variables hold their values
        return [np.array(v) for v in variables]
    return list(get_session(variables[0].graph).run(tuple(variables)))


def batch_set_value(pairs):
    """Loads each ``(variable, value)`` into its graph's session; adds no op to the graph."""
    sessions = {}
    for variable, value in pairs:
        if hasattr(variable, "_eager_read"):
            variable.assign(value)
            continue
        sess = sessions.get(variable.graph)
        if sess is None:
            sess = sessions[variable.graph] = get_session(variable.graph)
        variable.load(value, sess)


def _initialize_new_variables(sess):
    graph = sess.graph
    if _CHECKED.get(sess) == graph.version:
        return  # nothing was added to the graph since the last check
    held = sess.variable_values
    pending = [v for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES) +
               graph.get_collection(GraphKeys.LOCAL_VARIABLES) if v.op not in held]
    if pending:
        sess.run(tuple(v.initializer for v in pending))
    _CHECKED[sess] = graph.version
