"""The global step: an int64 scalar variable "global_step" counting training steps.

It lives in the ``GLOBAL_VARIABLES`` and ``GLOBAL_STEP`` collections, is not trainable,
and ``optimizer.apply_gradients(..., global_step=gs)`` increments it after each update.

Example:
    >>> gs = kf.train.get_or_create_global_step()
    >>> gs.name
    'global_step:0'
    >>> train_op = kf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=gs)
"""
from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.graph import GraphKeys
from kflow.initializers import zeros_initializer
from kflow.layers.variable_scope import get_variable

GLOBAL_STEP_NAME = "global_step"


def get_global_step(graph=None):
    """The graph's global step (the ``GLOBAL_STEP`` collection, else the tensor "global_step:0"), or None.

    Raises:
        ValueError: several global steps are in the collection.
        TypeError: the global step found is not an integer scalar.
    """
    graph = graph or graph_mod.get_default_graph()
    found = graph.get_collection(GraphKeys.GLOBAL_STEP)
    if len(found) > 1:
        raise ValueError("Multiple variables in the GLOBAL_STEP collection: %s" % [v.name for v in found])
    if found:
        step = found[0]
    else:
        try:
            step = graph.get_tensor_by_name(GLOBAL_STEP_NAME + ":0")
        except KeyError:
            return None
        step = getattr(step.op, "_py_variable", step)
    assert_global_step(step)
    return step


def create_global_step(graph=None):
    """Creates the global step variable (int64, starts at 0, not trainable) in ``graph``.

    Raises:
        ValueError: the graph already has a global step.
    """
    graph = graph or graph_mod.get_default_graph()
    if get_global_step(graph) is not None:
        raise ValueError('"global_step" already exists.')
    with graph.as_default(), graph.name_scope(""), graph.control_dependencies(None):
        return get_variable(GLOBAL_STEP_NAME, shape=[], dtype=dtypes.int64, initializer=zeros_initializer(),
                            trainable=False, collections=[GraphKeys.GLOBAL_VARIABLES, GraphKeys.GLOBAL_STEP])


def get_or_create_global_step(graph=None):
    """The graph's global step, created when missing."""
    graph = graph or graph_mod.get_default_graph()
    step = get_global_step(graph)
    return step if step is not None else create_global_step(graph)


def assert_global_step(global_step_tensor):
    """Raises TypeError unless ``global_step_tensor`` is an integer scalar Variable or Tensor."""
    dtype = getattr(global_step_tensor, "dtype", None)
    shape = getattr(global_step_tensor, "shape", None)
    if dtype is None or shape is None:
        raise TypeError("Existing global step is not a Variable or Tensor: %r" % (global_step_tensor,))
    if not dtype.is_integer:
        raise TypeError("Existing global step '%s' does not have an integer type: %s"
                        % (global_step_tensor.name, dtype.name))
    if shape.ndims != 0 and shape.is_fully_defined():
        raise TypeError("Existing global step '%s' is not scalar: %s" % (global_step_tensor.name, shape))


def global_step(sess, global_step_tensor):
    """The current value of the global step in ``sess``, as a Python int."""
    return int(sess.run(global_step_tensor))
