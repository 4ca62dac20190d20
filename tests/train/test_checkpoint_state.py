"""The TF text-format ``checkpoint`` state file."""
import os

import pytest

from kflow.train import checkpoint_state as cs


def test_written_text_matches_tf_format(tmp_path):
    paths = [str(tmp_path / "model.ckpt-100"), str(tmp_path / "model.ckpt-200")]
    cs.update_checkpoint_state(tmp_path, paths[1], paths)
    assert (tmp_path / "checkpoint").read_text() == (
        'model_checkpoint_path: "model.ckpt-200"\n'
        'all_model_checkpoint_paths: "model.ckpt-100"\n'
        'all_model_checkpoint_paths: "model.ckpt-200"\n')
    state = cs.get_checkpoint_state(tmp_path)
    assert state.model_checkpoint_path == paths[1]
    assert state.all_model_checkpoint_paths == paths
    assert [n for n in os.listdir(tmp_path)] == ["checkpoint"]  # no temp file left


def test_relative_dir_and_outside_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.mkdir("run")
    cs.update_checkpoint_state("run", "run/model.ckpt-1", ["/elsewhere/model.ckpt-0"])
    text = (tmp_path / "run" / "checkpoint").read_text()
    assert 'model_checkpoint_path: "model.ckpt-1"' in text
    assert 'all_model_checkpoint_paths: "/elsewhere/model.ckpt-0"' in text
    state = cs.get_checkpoint_state("run")
    assert state.model_checkpoint_path == os.path.join("run", "model.ckpt-1")
    # The latest path is appended when the caller's list lacks it, as in TF.
    assert state.all_model_checkpoint_paths == ["/elsewhere/model.ckpt-0", os.path.join("run", "model.ckpt-1")]


def test_reads_tf_written_files_with_timestamps(tmp_path):
    (tmp_path / "checkpoint").write_text(
        'model_checkpoint_path: "/abs/model.ckpt-2"\n'
        "all_model_checkpoint_paths: \"model.ckpt-1\"\n"
        'all_model_checkpoint_paths: "/abs/model.ckpt-2"\n'
        "all_model_checkpoint_timestamps: 1595000000.5\n"
        "all_model_checkpoint_timestamps: 1595000100.25\n"
        "last_preserved_timestamp: 1594999999.0\n"
        "some_future_field: 3\n")
    state = cs.get_checkpoint_state(tmp_path)
    assert state.model_checkpoint_path == "/abs/model.ckpt-2"
    assert state.all_model_checkpoint_paths == [str(tmp_path / "model.ckpt-1"), "/abs/model.ckpt-2"]
    assert state.all_model_checkpoint_timestamps == [1595000000.5, 1595000100.25]
    assert state.last_preserved_timestamp == 1594999999.0


def test_text_roundtrip_with_escapes():
    state = cs.CheckpointState('dir with "quotes"/m\\x\n.ckpt', ["a", "b\tc"], [1.5, 2.0], 0.5)
    again = cs.CheckpointState.from_text(state.to_text())
    assert again == state
    assert "all_model_checkpoint_timestamps: 1.5" in state.to_text()
    assert cs.CheckpointState.from_text(cs.CheckpointState("δ/m").to_text()).model_checkpoint_path == "δ/m"
    # Protobuf writers may escape non-ASCII bytes in octal.
    octal = cs.CheckpointState.from_text('model_checkpoint_path: "\\316\\264/m"')
    assert octal.model_checkpoint_path == "δ/m"


def test_missing_and_malformed(tmp_path):
    assert cs.get_checkpoint_state(tmp_path) is None
    (tmp_path / "checkpoint").write_text("model_checkpoint_path model.ckpt\n")
    with pytest.warns(RuntimeWarning, match="malformed checkpoint state file.*line 1"):
        assert cs.get_checkpoint_state(tmp_path) is None
    (tmp_path / "checkpoint").write_text('all_model_checkpoint_paths: "a"\n')
    with pytest.warns(RuntimeWarning, match="no model_checkpoint_path"):
        assert cs.get_checkpoint_state(tmp_path) is None
    (tmp_path / "checkpoint").write_bytes(b'model_checkpoint_path: "\xff"\n')
    with pytest.warns(RuntimeWarning, match="malformed"):
        assert cs.get_checkpoint_state(tmp_path) is None


def test_custom_state_filename_and_conflict(tmp_path):
    cs.update_checkpoint_state(tmp_path, str(tmp_path / "m-1"), latest_filename="latest")
    assert (tmp_path / "latest").is_file() and not (tmp_path / "checkpoint").exists()
    assert cs.get_checkpoint_state(tmp_path, "latest").model_checkpoint_path == str(tmp_path / "m-1")
    with pytest.raises(RuntimeError, match="conflicts with path used for checkpoint state"):
        cs.update_checkpoint_state(tmp_path, str(tmp_path / "checkpoint"))


def _protobuf_checkpoint_state_class():
    """TF's ``CheckpointState`` message built at run time with the real protobuf library (no TF needed)."""
    descriptor_pb2 = pytest.importorskip("google.protobuf.descriptor_pb2")
    from google.protobuf import descriptor_pool, message_factory
    proto = descriptor_pb2.FileDescriptorProto(name="kflow_test_checkpoint_state.proto", package="tensorflow",
                                               syntax="proto3")
    message = proto.message_type.add(name="CheckpointState")
    field = descriptor_pb2.FieldDescriptorProto
    for number, name, kind, label in [
            (1, "model_checkpoint_path", field.TYPE_STRING, field.LABEL_OPTIONAL),
            (2, "all_model_checkpoint_paths", field.TYPE_STRING, field.LABEL_REPEATED),
            (3, "all_model_checkpoint_timestamps", field.TYPE_DOUBLE, field.LABEL_REPEATED),
            (4, "last_preserved_timestamp", field.TYPE_DOUBLE, field.LABEL_OPTIONAL)]:
        message.field.add(name=name, number=number, type=kind, label=label)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(proto)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("tensorflow.CheckpointState"))


def test_text_is_byte_identical_to_protobuf_text_format():
    """TF writes the file with ``text_format.MessageToString`` (protobuf 3: non-ASCII bytes in octal)."""
    text_format = pytest.importorskip("google.protobuf.text_format")
    proto_cls = _protobuf_checkpoint_state_class()
    odd = 'dir "q"\'s/m\\x\n\t\r\x01\x7f.δ'
    args = (odd, ["model.ckpt-1", odd], [1595000000.5, 2.0, 1e-05], 1594999999.25)
    ours = cs.CheckpointState(*args).to_text()
    theirs = proto_cls(model_checkpoint_path=args[0], all_model_checkpoint_paths=args[1],
                       all_model_checkpoint_timestamps=args[2], last_preserved_timestamp=args[3])
    assert ours == text_format.MessageToString(theirs, as_utf8=False)
    assert "\\316\\264" in ours and "\\001\\177" in ours and "\\'" in ours
    parsed = text_format.Parse(ours, proto_cls())
    assert (parsed.model_checkpoint_path, list(parsed.all_model_checkpoint_paths)) == (odd, args[1])
    # and kflow reads what newer protobuf writes (UTF-8 left as is)
    assert cs.CheckpointState.from_text(text_format.MessageToString(theirs, as_utf8=True)) == cs.CheckpointState(*args)
