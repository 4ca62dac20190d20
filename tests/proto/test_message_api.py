"""MessageAPI: both message families (Example classes and field-table messages) parse, replace, copy, size,
compare and pickle through their wire format."""
import copy
import pickle

import pytest

from kflow.data.example.lists import Int64List
from kflow.data.example.messages import Example, Feature, Features
from kflow.summary.event_proto import Summary


def _example(v):
    return Example(features=Features(feature={"x": Feature(int64_list=Int64List(value=[v]))}))


def _summary(tag):
    return Summary(value=[Summary.Value(tag=tag, simple_value=1.5)])


@pytest.mark.parametrize("make", [_example, _summary])
def test_message_api_behaves_like_protobuf(make):
    a, b = make(1 if make is _example else "a"), make(2 if make is _example else "b")
    data = a.SerializeToString()
    assert type(a).FromString(data) == a and a.ByteSize() == len(data)
    target = copy.deepcopy(b)
    target.ParseFromString(data)  # replaces, does not merge
    assert target == a and target != b
    target.CopyFrom(b)
    assert target == b
    target.CopyFrom(target)  # copying onto itself keeps the contents
    assert target == b
    assert pickle.loads(pickle.dumps(a)) == a and copy.copy(a) == a
    with pytest.raises(TypeError):
        hash(a)  # mutable, like protobuf messages
