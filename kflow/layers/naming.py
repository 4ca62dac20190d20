"""Default layer names: the class name in snake_case, uniquified per graph ("dense", "dense_1").

Example:
    >>> to_snake_case("BatchNormalization")
    'batch_normalization'
    >>> unique_layer_name("dense"), unique_layer_name("dense")
    ('dense', 'dense_1')
"""
import re
import weakref

from kflow.engine import graph as graph_mod

_COUNTS = weakref.WeakKeyDictionary()  # graph -> {base name: times used}


def to_snake_case(name):
    """"Conv2DTranspose" -> "conv2d_transpose", as Keras names layers."""
    s = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    s = re.sub("([a-z])([A-Z])", r"\1_\2", s).lower()
    return s if s[0] != "_" else "private" + s


def unique_layer_name(base, graph=None):
    """``base`` the first time in ``graph`` (default graph), then ``base_1``, ``base_2`` ..."""
    graph = graph if graph is not None else graph_mod.get_default_graph()
    counts = _COUNTS.setdefault(graph, {})
    n = counts.get(base, 0)
    counts[base] = n + 1
    return base if n == 0 else "%s_%d" % (base, n)
