"""Nested element structures of datasets: tuples, namedtuples and dicts of leaves (``tf.nest`` for tf.data).

As in tf.data, a ``list`` is a leaf (it becomes one tensor), sparse values are
leaves, and dict entries flatten in sorted key order while packing keeps the
original key order. Packing functions are built once per structure
(:func:`make_packer`) so the per-element path does no structure walking.

Example:
    >>> flatten({"b": 1, "a": (2, 3)})
    [2, 3, 1]
    >>> make_packer({"b": 0, "a": (0, 0)})((2, 3, 1))
    {'b': 1, 'a': (2, 3)}
"""
from kflow.data.example.feature_spec import SparseValue


from kflow.sparse.sparse_tensor import SparseTensor, SparseTensorValue

_LEAF_TUPLES = (SparseValue, SparseTensorValue, SparseTensor)


def is_leaf(x):
    """True for anything that is not a tuple/namedtuple/dict (sparse values and specs are leaves)."""
    if isinstance(x, dict):
        return False
    if isinstance(x, tuple):
        return isinstance(x, _LEAF_TUPLES) or getattr(x, "_nest_leaf", False)
    return True


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _keys(d):
    try:
        return sorted(d)
    except TypeError:
        raise TypeError("Dataset element dicts need sortable keys of one type, got %r" % (list(d),)) from None


def flatten(x):
    """The leaves of ``x`` in canonical order."""
    if is_leaf(x):
        return [x]
    out = []
    items = (x[k] for k in _keys(x)) if isinstance(x, dict) else x
    for v in items:
        out.extend(flatten(v))
    return out


def map_structure(fn, *structures):
    """``fn`` applied to corresponding leaves of ``structures`` (which must share one structure)."""
    for s in structures[1:]:
        assert_same_structure(structures[0], s)
    flat = [flatten(s) for s in structures]
    return pack_sequence_as(structures[0], [fn(*leaves) for leaves in zip(*flat)])


def pack_sequence_as(structure, flat):
    """Rebuilds ``structure`` with the leaves ``flat`` (in :func:`flatten` order)."""
    flat = list(flat)
    n = len(flatten(structure))
    if n != len(flat):
        raise ValueError("Structure %s has %d leaves but %d values were given" % (describe(structure), n, len(flat)))
    return make_packer(structure)(flat)


def make_packer(structure):
    """A fast function ``flat_sequence -> nested`` for ``structure``."""
    if is_leaf(structure):
        return _first
    if type(structure) is tuple and all(is_leaf(v) for v in structure):
        return tuple  # a flat tuple of leaves packs to itself
    build, _ = _builder(structure, 0)
    return build


def _first(flat):
    return flat[0]


def _builder(s, start):
    """(fn(flat) -> rebuilt s, number of leaves) for the sub-structure ``s`` whose leaves begin at ``start``."""
    if is_leaf(s):
        return (lambda flat, i=start: flat[i]), 1
    if isinstance(s, dict):
        parts, count = {}, 0
        for k in _keys(s):
            parts[k], n = _builder(s[k], start + count)
            count += n
        order = list(s)
        cls = type(s)
        if cls is dict:
            return (lambda flat: {k: parts[k](flat) for k in order}), count
        return (lambda flat: cls((k, parts[k](flat)) for k in order)), count
    parts, count = [], 0
    for v in s:
        p, n = _builder(v, start + count)
        parts.append(p)
        count += n
    if _is_namedtuple(s):
        cls = type(s)
        return (lambda flat: cls(*[p(flat) for p in parts])), count
    return (lambda flat: tuple(p(flat) for p in parts)), count


def same_structure(a, b):
    """True when ``a`` and ``b`` nest the same way (same container types, keys and lengths)."""
    if is_leaf(a) or is_leaf(b):
        return is_leaf(a) and is_leaf(b)
    if isinstance(a, dict) != isinstance(b, dict):
        return False
    if isinstance(a, dict):
        return _keys(a) == _keys(b) and all(same_structure(a[k], b[k]) for k in a)
    if _is_namedtuple(a) != _is_namedtuple(b) or (_is_namedtuple(a) and type(a)._fields != type(b)._fields):
        return False
    return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))


def assert_same_structure(a, b, what="structures"):
    """Raises ValueError naming both structures when they differ."""
    if not same_structure(a, b):
        raise ValueError("The two %s don't have the same nested structure.\n  First: %s\n  Second: %s"
                         % (what, describe(a), describe(b)))


def describe(x, leaf=None):
    """A short text of the structure of ``x`` (``leaf(v)`` renders leaves; default: the type name)."""
    if is_leaf(x):
        return leaf(x) if leaf is not None else type(x).__name__
    if isinstance(x, dict):
        return "{%s}" % ", ".join("%r: %s" % (k, describe(x[k], leaf)) for k in x)
    inner = ", ".join(describe(v, leaf) for v in x)
    if _is_namedtuple(x):
        return "%s(%s)" % (type(x).__name__, inner)
    return "(%s,)" % inner if len(x) == 1 else "(%s)" % inner
