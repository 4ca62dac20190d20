"""kf.nest: TF's ``tf.nest`` over nested lists, tuples, namedtuples and dicts (any ``collections.abc.Mapping``).

Unlike a tf.data element (``kflow.data.pipeline.nest``, where a list is one tensor), here lists are
structures, as in ``tf.nest``. Dict entries flatten in sorted key order; packing restores the original key
order. Everything else (tensors, arrays, strings, None, SparseTensors) is a leaf.

Example:
    >>> kf.nest.flatten({"b": 1, "a": [2, (3, None)]})
    [2, 3, None, 1]
    >>> kf.nest.map_structure(lambda x, y: x + y, (1, [2]), (10, [20]))
    (11, [22])
"""
import collections.abc

__all__ = ["flatten", "is_nested", "pack_sequence_as", "map_structure", "assert_same_structure"]


def is_nested(seq):
    """Whether ``seq`` is a structure (list, tuple, namedtuple or mapping) rather than a leaf."""
    return isinstance(seq, (list, tuple, collections.abc.Mapping))


def _sorted_keys(mapping):
    try:
        return sorted(mapping)
    except TypeError:
        raise TypeError("nest only supports dicts with sortable keys, got keys %r" % (list(mapping),)) from None


def _children(structure):
    if isinstance(structure, collections.abc.Mapping):
        return [structure[k] for k in _sorted_keys(structure)]
    return list(structure)


def flatten(structure, expand_composites=False):
    """The leaves of ``structure`` in order (a leaf alone gives ``[leaf]``)."""
    if not is_nested(structure):
        return [structure]
    return [leaf for child in _children(structure) for leaf in flatten(child)]


def _rebuild(instance, children):
    if isinstance(instance, collections.abc.Mapping):
        by_key = dict(zip(_sorted_keys(instance), children))
        if isinstance(instance, collections.defaultdict):
            out = collections.defaultdict(instance.default_factory)
            out.update((k, by_key[k]) for k in instance)
            return out
        return type(instance)((k, by_key[k]) for k in instance)
    if isinstance(instance, tuple) and hasattr(instance, "_fields"):
        return type(instance)(*children)
    return type(instance)(children)


def _pack(structure, flat, start):
    if not is_nested(structure):
        return flat[start], start + 1
    children = []
    for child in _children(structure):
        packed, start = _pack(child, flat, start)
        children.append(packed)
    return _rebuild(structure, children), start


def pack_sequence_as(structure, flat_sequence, expand_composites=False):
    """``flat_sequence`` packed into the nesting of ``structure`` (the inverse of :func:`flatten`).

    Raises:
        TypeError: ``flat_sequence`` is not a list or tuple.
        ValueError: it has another number of elements than ``structure`` has leaves.
    """
    if not is_nested(flat_sequence) or isinstance(flat_sequence, collections.abc.Mapping):
        raise TypeError("pack_sequence_as: flat_sequence must be a list or tuple, got %s" % type(flat_sequence))
    flat = list(flat_sequence)
    needed = len(flatten(structure))
    if needed != len(flat):
        raise ValueError("Could not pack sequence. Structure had %d elements, but flat_sequence had %d elements. "
                         "Structure: %s, flat_sequence: %s." % (needed, len(flat), structure, flat_sequence))
    if not is_nested(structure):
        return flat[0]
    return _pack(structure, flat, 0)[0]


def _same_type(a, b):
    if isinstance(a, collections.abc.Mapping) and isinstance(b, collections.abc.Mapping):
        return True  # TF treats any two mappings alike (dict vs OrderedDict)
    if hasattr(a, "_fields") and hasattr(b, "_fields"):
        return type(a).__name__ == type(b).__name__ and tuple(a._fields) == tuple(b._fields)
    return type(a) is type(b)


def _check(a, b, check_types, path):
    if is_nested(a) != is_nested(b):
        raise ValueError("The two structures don't have the same nested structure (at %s: %r vs %r)."
                         % (path or "the top", a, b))
    if not is_nested(a):
        return
    if check_types and not _same_type(a, b):
        raise TypeError("The two structures don't have the same sequence type (at %s): %s vs %s."
                        % (path or "the top", type(a).__name__, type(b).__name__))
    if isinstance(a, collections.abc.Mapping) != isinstance(b, collections.abc.Mapping) or (
            isinstance(a, collections.abc.Mapping) and _sorted_keys(a) != _sorted_keys(b)):
        raise ValueError("The two structures don't have the same keys (at %s): %s vs %s."
                         % (path or "the top", _describe_keys(a), _describe_keys(b)))
    if len(a) != len(b):
        raise ValueError("The two structures don't have the same nested structure (at %s: length %d vs %d)."
                         % (path or "the top", len(a), len(b)))
    keys = _sorted_keys(a) if isinstance(a, collections.abc.Mapping) else range(len(a))
    for key, x, y in zip(keys, _children(a), _children(b)):
        _check(x, y, check_types, "%s[%r]" % (path, key))


def _describe_keys(x):
    return _sorted_keys(x) if isinstance(x, collections.abc.Mapping) else type(x).__name__


def assert_same_structure(nest1, nest2, check_types=True, expand_composites=False):
    """Raises when ``nest1`` and ``nest2`` nest differently.

    Raises:
        ValueError: different nesting, lengths or dict keys (the message names where).
        TypeError: ``check_types`` and the sequence types differ (a list where the other has a tuple).
    """
    _check(nest1, nest2, check_types, "")


def map_structure(func, *structure, **kwargs):
    """``func`` applied to the matching leaves of ``structure`` (one or more nests of one structure), packed as
    the first.

    Example:
        >>> kf.nest.map_structure(lambda x: x * 2, {"a": 1, "b": [2, 3]})
        {'a': 2, 'b': [4, 6]}
    """
    check_types = kwargs.pop("check_types", True)
    kwargs.pop("expand_composites", None)
    if kwargs:
        raise ValueError("map_structure: only check_types and expand_composites are accepted, got %s" % list(kwargs))
    if not structure:
        raise ValueError("map_structure: give at least one structure")
    for other in structure[1:]:
        assert_same_structure(structure[0], other, check_types=check_types)
    flats = [flatten(s) for s in structure]
    return pack_sequence_as(structure[0], [func(*leaves) for leaves in zip(*flats)])
