"""The learning phase of a graph: one boolean flag that layers such as Dropout read (``K.learning_phase()``).

It is a ``placeholder_with_default(False)``, made once per graph: inference needs no feed and
training (``Model.fit``) feeds True, so layers switch behaviour without building anything twice.
It lives in the engine because both ``kf.layers`` (``training=None``) and ``kf.keras``
read it, and the graph is theirs in common.

Example:
    >>> phase = learning_phase()           # the default graph's flag
    >>> phase is learning_phase()
    True
    >>> sess.run(y, {phase: True})         # y built with training=None: the training branch
"""
import weakref

from kflow.engine import graph as graph_mod
from kflow.engine.ops.constant_op import placeholder_with_default

_PHASES = weakref.WeakKeyDictionary()  # graph -> its bool tensor


def learning_phase(graph=None):
    """The boolean learning-phase tensor of ``graph`` (default: the default graph): False unless fed."""
    graph = graph if graph is not None else graph_mod.get_default_graph()
    phase = _PHASES.get(graph)
    if phase is None:
        # outside any control dependency or name scope the caller is in: the flag belongs to the whole graph
        with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
            phase = placeholder_with_default(False, shape=[], name="keras_learning_phase")
        _PHASES[graph] = phase
    return phase


def forget_learning_phases():
    """Drops every graph's flag (``K.clear_session``); the next ``learning_phase()`` makes a new one."""
    _PHASES.clear()


def set_learning_phase_default(value, graph=None):
    """Makes the flag of ``graph`` (default: the default graph) default to ``value`` (``K.set_learning_phase``).

    A new flag replaces the old one, so it reaches layers built from now on (as in Keras, call it before
    building the model); feeding the flag still overrides it.
    """
    graph = graph if graph is not None else graph_mod.get_default_graph()
    with graph.as_default(), graph.control_dependencies(None), graph.name_scope(None):
        _PHASES[graph] = placeholder_with_default(bool(value), shape=[], name="keras_learning_phase")
    return _PHASES[graph]
