"""kf.nest follows tf.nest: lists are structures, dicts flatten in sorted key order and pack back in their own
order, namedtuples keep their type, and mismatches raise ValueError / TypeError as in TF."""
import collections

import numpy as np
import pytest

import kflow as kf

Point = collections.namedtuple("Point", "x y")


def _reference_flatten(x):  # an independent walk: sorted dict keys, lists/tuples in order
    if isinstance(x, dict):
        return [leaf for k in sorted(x) for leaf in _reference_flatten(x[k])]
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _reference_flatten(v)]
    return [x]


STRUCTURES = [
    {"b": 1, "a": [2, (3, None)]},
    [Point(1, [2, 3]), {"z": (4,), "y": 5}],
    (),
    [[[]], 1],
    collections.OrderedDict([("q", 1), ("p", [2, 3])]),
]


@pytest.mark.parametrize("structure", STRUCTURES)
def test_flatten_and_pack_round_trip(structure):
    flat = kf.nest.flatten(structure)
    assert flat == _reference_flatten(structure)
    packed = kf.nest.pack_sequence_as(structure, flat)
    assert packed == structure and type(packed) is type(structure)
    if isinstance(structure, dict):
        assert list(packed) == list(structure)  # the original key order survives


def test_leaves_and_is_nested():
    assert kf.nest.flatten("ab") == ["ab"] and kf.nest.flatten(None) == [None]
    t = kf.constant([1, 2])
    assert kf.nest.flatten({"t": t})[0] is t
    assert kf.nest.pack_sequence_as(5, [7]) == 7
    arr = np.zeros(3)
    assert kf.nest.flatten([arr])[0] is arr
    assert kf.nest.is_nested([1]) and kf.nest.is_nested({}) and not kf.nest.is_nested("ab")
    assert not kf.nest.is_nested(np.zeros(2))


def test_pack_sequence_as_checks_the_count():
    with pytest.raises(ValueError, match="Structure had 2 elements, but flat_sequence had 1"):
        kf.nest.pack_sequence_as([1, 2], [1])
    with pytest.raises(TypeError, match="must be a list or tuple"):
        kf.nest.pack_sequence_as([1], 1)
    assert kf.nest.pack_sequence_as({"b": 0, "a": 0}, [1, 2]) == {"b": 2, "a": 1}  # TF: {'b': 2, 'a': 1}


def test_map_structure_over_several_structures():
    got = kf.nest.map_structure(lambda x, y: x + y, (1, [2], {"k": 3}), (10, [20], {"k": 30}))
    assert got == (11, [22], {"k": 33})
    assert kf.nest.map_structure(lambda v: v * 2, Point(1, 2)) == Point(2, 4)
    with pytest.raises(TypeError, match="same sequence type"):
        kf.nest.map_structure(lambda x, y: x, [1], (1,))
    assert kf.nest.map_structure(lambda x, y: x + y, [1], (2,), check_types=False) == [3]
    with pytest.raises(ValueError, match="at least one"):
        kf.nest.map_structure(lambda: 0)


def test_assert_same_structure_errors_as_tf():
    kf.nest.assert_same_structure({"a": [1, (2,)]}, {"a": [5, (6,)]})
    kf.nest.assert_same_structure({"a": 1}, collections.OrderedDict(a=2))  # TF: mappings count alike
    with pytest.raises(TypeError):
        kf.nest.assert_same_structure([1], (1,))  # TF: TypeError
    for a, b in (({"a": 1}, {"b": 1}), ([1, 2], [1]), ([1], [[1]])):  # TF: ValueError for each
        with pytest.raises(ValueError):
            kf.nest.assert_same_structure(a, b)
    with pytest.raises(ValueError, match=r"\[0\]\[1\]"):  # the message says where they differ
        kf.nest.assert_same_structure([(1, 2)], [(1, [2, 3])])
    Other = collections.namedtuple("Other", "x y")
    with pytest.raises(TypeError):
        kf.nest.assert_same_structure(Point(1, 2), Other(1, 2))
