"""GraphDef export: a kflow graph as TensorFlow's ``GraphDef`` (for TensorBoard's graph tab and ``write_graph``).

Each op becomes a ``NodeDef``: its name (so TensorBoard collapses name
scopes), type, inputs (``"op"`` for output 0, ``"op:1"`` for others,
``"^op"`` for control inputs; variable updates list their variable first, as
TF's ``Assign(ref, value)`` does), device, and attributes: ``T`` (the output
dtype), ``dtype``/``shape`` of placeholders and variables, small constants'
values, the op's simple attrs, and ``_output_shapes`` when asked.

Importing this module installs ``Graph.as_graph_def`` and ``Session.graph_def`` (the engine does not
depend on this layer).

Example:
    >>> x = kf.placeholder(kf.float32, [None, 3], name="x")
    >>> node = kf.get_default_graph().as_graph_def().node[0]
    >>> node.name, node.op, node.attr["dtype"].type == DT_FLOAT
    ('x', 'Placeholder', True)
    >>> kf.train.write_graph(kf.get_default_graph(), "logs", "graph.pbtxt")
    'logs/graph.pbtxt'
"""
import numbers
import os

import numpy as np

from kflow.atomic_file import atomic_write
from kflow.engine import dtypes, shapes
from kflow.engine.graph import Graph
from kflow.engine.operation import Operation
from kflow.engine.session import Session
from kflow.proto.message import Field, Message
from kflow.summary.tensor_proto import (DATA_TYPE_NAMES, TensorProto, TensorShapeProto, data_type_enum,
                                        make_tensor_proto, shape_proto)

# Constants up to this many elements keep their value in the GraphDef; bigger ones only dtype and shape,
# so event files stay small (TensorBoard shows no more anyway).
MAX_CONST_ELEMENTS = 1024


class AttrValue(Message):
    """``tensorflow.AttrValue``: one of s, i, f, b, type, shape, tensor or a list of them."""

    class ListValue(Message):
        FIELDS = (
            Field(2, "s", "bytes", repeated=True), Field(3, "i", "int64", repeated=True),
            Field(4, "f", "float", repeated=True), Field(5, "b", "bool", repeated=True),
            Field(6, "type", "enum", repeated=True, enum=DATA_TYPE_NAMES),
            Field(7, "shape", "message", repeated=True, message=TensorShapeProto),
            Field(8, "tensor", "message", repeated=True, message=TensorProto),
        )

    FIELDS = (
        Field(1, "list", "message", message=ListValue, oneof="value"),
        Field(2, "s", "bytes", oneof="value"), Field(3, "i", "int64", oneof="value"),
        Field(4, "f", "float", oneof="value"), Field(5, "b", "bool", oneof="value"),
        Field(6, "type", "enum", oneof="value", enum=DATA_TYPE_NAMES),
        Field(7, "shape", "message", message=TensorShapeProto, oneof="value"),
        Field(8, "tensor", "message", message=TensorProto, oneof="value"),
        Field(9, "placeholder", "string", oneof="value"),
    )


class NodeDef(Message):
    FIELDS = (Field(1, "name", "string"), Field(2, "op", "string"), Field(3, "input", "string", repeated=True),
              Field(4, "device", "string"), Field(5, "attr", "map", message=AttrValue))


class VersionDef(Message):
    FIELDS = (Field(1, "producer", "int32"), Field(2, "min_consumer", "int32"),
              Field(3, "bad_consumers", "int32", repeated=True))


class GraphDef(Message):
    """``tf.GraphDef``: the nodes of a graph, in creation (dependency) order."""

    FIELDS = (Field(1, "node", "message", repeated=True, message=NodeDef),
              Field(3, "version", "int32"), Field(4, "versions", "message", message=VersionDef))


def _tensor_input(t):
    return t.op.name if t.value_index == 0 else "%s:%d" % (t.op.name, t.value_index)


def attr_value(value):
    """The ``AttrValue`` of a Python/kflow attribute value, or None for kinds a GraphDef cannot hold."""
    if isinstance(value, dtypes.DType):
        return AttrValue(type=data_type_enum(value))
    if isinstance(value, shapes.TensorShape):
        return AttrValue(shape=shape_proto(value))
    if isinstance(value, (bool, np.bool_)):
        return AttrValue(b=bool(value))
    if isinstance(value, numbers.Integral):
        return AttrValue(i=int(value))
    if isinstance(value, numbers.Real):
        return AttrValue(f=float(value))
    if isinstance(value, (str, bytes)):
        return AttrValue(s=value)
    if isinstance(value, np.ndarray):
        small = value.size <= MAX_CONST_ELEMENTS
        try:
            return AttrValue(tensor=make_tensor_proto(value, with_content=small))
        except (TypeError, KeyError):
            return None
    if isinstance(value, (list, tuple)):
        return _list_attr(value)
    return None


def _list_attr(items):
    out = AttrValue.ListValue()
    if all(isinstance(x, (bool, np.bool_)) for x in items):
        out.b.extend(items)
    elif all(isinstance(x, numbers.Integral) for x in items):
        out.i.extend(items)
    elif all(isinstance(x, numbers.Real) for x in items):
        out.f.extend(items)
    elif all(isinstance(x, (str, bytes)) for x in items):
        out.s.extend(items)
    elif all(isinstance(x, dtypes.DType) for x in items):
        out.type.extend(data_type_enum(x) for x in items)
    elif all(isinstance(x, shapes.TensorShape) for x in items):
        out.shape.extend(shape_proto(x) for x in items)
    else:
        return None
    return AttrValue(list=out)


def node_def(op, add_shapes=False):
    """The ``NodeDef`` of one operation."""
    node = NodeDef(name=op.name, op=op.type, device=op.device or "")
    var = op.attrs.get("var")
    if isinstance(var, Operation):  # a variable update reads and writes its variable, as TF's Assign(ref, value)
        node.input.append(var.name)
    node.input.extend(_tensor_input(t) for t in op.inputs)
    node.input.extend("^" + c.name for c in op.control_inputs)
    for key, value in op.attrs.items():
        attr = attr_value(value)
        if attr is not None:
            node.attr[key] = attr
    if "dtype" not in op.attrs and "T" not in op.attrs:
        typed = op.outputs or op.inputs
        if typed:
            node.attr["T"] = AttrValue(type=data_type_enum(typed[0].dtype))
    if add_shapes and op.outputs:
        node.attr["_output_shapes"] = AttrValue(list=AttrValue.ListValue(shape=[shape_proto(t.shape)
                                                                               for t in op.outputs]))
    return node


def graph_to_graph_def(graph, add_shapes=False):
    """The ``GraphDef`` of every op of ``graph`` (``Graph.as_graph_def``)."""
    return GraphDef(node=[node_def(op, add_shapes) for op in graph.get_operations()])


def _as_graph_def(self, from_version=None, add_shapes=False):
    """Returns this graph as a ``GraphDef`` message (``SerializeToString`` gives TF's bytes).

    Args:
        from_version: accepted for TF compatibility (ignored: the whole graph is returned).
        add_shapes: also record each node's output shapes in the ``_output_shapes`` attr.
    """
    return graph_to_graph_def(self, add_shapes)


Graph.as_graph_def = _as_graph_def
# TF1's ``sess.graph_def``, as in ``kf.train.write_graph(sess.graph_def, ...)`` and
# ``FileWriter(logdir, sess.graph_def)``
Session.graph_def = property(lambda self: self.graph.as_graph_def(), doc="The session graph's GraphDef.")


def write_graph(graph_or_graph_def, logdir, name, as_text=True):
    """Writes a graph's GraphDef to ``logdir/name`` (text format, or binary), atomically (``tf.train.write_graph``).

    Returns:
        The path written.
    """
    graph_def = graph_or_graph_def
    if isinstance(graph_def, Graph):
        graph_def = graph_def.as_graph_def()
    if not isinstance(graph_def, GraphDef):
        raise TypeError("write_graph expects a kf.Graph or a GraphDef, got %s" % type(graph_def).__name__)
    logdir = os.fspath(logdir)
    os.makedirs(logdir, exist_ok=True)
    path = os.path.join(logdir, name)
    data = str(graph_def).encode("utf-8") if as_text else graph_def.SerializeToString()
    with atomic_write(path) as tmp:  # written with the user's umask (mkstemp's files were 0600)
        with open(tmp, "wb") as f:
            f.write(data)
    return path
