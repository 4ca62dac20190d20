"""protobuf text-format quoting, shared by the Example classes, the declared messages and the checkpoint file."""
import pytest

from kflow.data.example import BytesList, Example, Feature, Features, Int64List
from kflow.proto.text_format import c_escape, quote
from kflow.summary import Summary
from kflow.train.checkpoint_state import CheckpointState

ALL_BYTES = bytes(range(256))


def test_named_escapes_printable_ascii_and_octal():
    assert c_escape(b'a"\'\\\n\r\t') == 'a\\"\\\'\\\\\\n\\r\\t'
    assert c_escape(b"\x00\x1f\x7f\xff") == "\\000\\037\\177\\377"
    assert c_escape("é") == c_escape("é".encode("utf-8")) == "\\303\\251"  # str: its UTF-8 bytes
    assert quote(b"x\n") == '"x\\n"'


def test_matches_protobufs_cescape_on_every_byte():
    text_encoding = pytest.importorskip("google.protobuf.text_encoding")
    assert c_escape(ALL_BYTES) == text_encoding.CEscape(ALL_BYTES, as_utf8=False)


def test_both_message_families_and_the_checkpoint_file_quote_alike():
    assert str(BytesList(value=[b'k"\xff\n'])) == 'value: "k\\"\\377\\n"\n'
    assert str(Summary.Value(tag='k"\u00e9\n')) == 'tag: "k\\"\\303\\251\\n"\n'
    example = Example(features=Features(feature={'a"b': Feature(int64_list=Int64List(value=[1]))}))
    assert 'key: "a\\"b"' in str(example)
    state = CheckpointState(model_checkpoint_path='/tmp/m"x', all_model_checkpoint_paths=['/tmp/m"x'])
    assert state.to_text().startswith('model_checkpoint_path: "/tmp/m\\"x"\n')
