"""Flattening of Session.run fetches (nested lists/tuples/dicts/namedtuples) and re-packing of results.

Example:
    >>> s = FetchStructure(graph, {"loss": loss, "ops": [train_op]})
    >>> s.elements        # [loss, train_op]
    >>> s.pack([0.5])     # {"loss": 0.5, "ops": [None]}
"""
import numpy as np


class FetchStructure:
    """The leaves of a fetch argument and a function that rebuilds its structure from values."""

    def __init__(self, graph, fetches):
        self.source = fetches
        self.elements = []
        self._packer = self._build(graph, fetches)
        self.key = tuple(self.elements)

    def pack(self, tensor_values):
        it = iter(tensor_values)
        return self._packer(it)

    def _build(self, graph, f):
        if f is None:
            raise TypeError("Fetch argument None has invalid type %s; fetch a Tensor, Operation, Variable or name."
                            % type(None))
        if isinstance(f, dict):
            items = [(k, self._build(graph, v)) for k, v in f.items()]
            cls = type(f)

            def pack_dict(it):
                out = cls() if cls is not dict else {}
                for k, p in items:
                    out[k] = p(it)
                return out

            return pack_dict
        if isinstance(f, (list, tuple)):
            parts = [self._build(graph, v) for v in f]
            if isinstance(f, tuple) and hasattr(f, "_fields"):  # namedtuple
                cls = type(f)
                return lambda it: cls(*[p(it) for p in parts])
            cls = tuple if isinstance(f, tuple) else list
            return lambda it: cls(p(it) for p in parts)
        if hasattr(f, "_fetch_components"):  # composite values, e.g. SparseTensor
            tensors, build = f._fetch_components()
            self.elements.extend(tensors)
            n = len(tensors)
            return lambda it: build([next(it) for _ in range(n)])
        try:
            el = graph.as_graph_element(f)
        except (KeyError, ValueError) as e:
            raise ValueError("Fetch argument %r cannot be interpreted as a Tensor or Operation: %s" % (f, e)) from None
        if not hasattr(el, "graph") or not (hasattr(el, "value_index") or hasattr(el, "outputs")):
            raise TypeError("Fetch argument %r has invalid type %s; must be a Tensor, Operation, Variable or "
                            "a name (string)." % (f, type(f).__name__))
        self.elements.append(el)
        if hasattr(el, "value_index"):
            return _next_value
        return _none


def _next_value(it):
    v = next(it)
    return v if v.__class__ is not np.ndarray or v.ndim else v[()]


def _none(it):
    return None
