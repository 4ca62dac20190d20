"""Reading (and writing) TensorFlow's checkpoint format: fixtures written by real TensorFlow, corruption,
Saver.restore / init_from_checkpoint from them, kflow's HDF5 naming, and a round trip through TensorFlow
when it is installed."""
import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kflow as kf
from kflow.train.tf_checkpoint import Bundle, write_bundle
from kflow.train.tf_checkpoint.table import read_table, write_table

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tf_checkpoint_values import many_values, small_values  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures")
SMALL = os.path.join(FIXTURES, "small", "model.ckpt-10")
MANY = os.path.join(FIXTURES, "many", "model.ckpt-20")


def _assert_same(got, want, name):
    want = np.asarray(want)
    assert got.dtype == want.dtype and got.shape == want.shape and np.array_equal(got, want), name


@pytest.mark.parametrize("prefix, values", [(SMALL, small_values()), (MANY, many_values())])
def test_reads_every_tensor_tensorflow_wrote(prefix, values):
    reader = kf.train.load_checkpoint(prefix)
    assert reader.format == "tf"
    assert reader.get_variable_to_shape_map() == {k: list(np.shape(v)) for k, v in values.items()}
    for name, value in values.items():
        assert reader.has_tensor(name)
        _assert_same(reader.get_tensor(name), value, name)


def test_reader_api_matches_tensorflow_names():
    reader = kf.train.NewCheckpointReader(os.path.dirname(SMALL))  # a directory: its latest checkpoint
    dtypes = reader.get_variable_to_dtype_map()
    assert (dtypes["dense/kernel"], dtypes["scalar_double"], dtypes["counts"], dtypes["global_step"],
            dtypes["words"], dtypes["flags"]) == (kf.float32, kf.float64, kf.int32, kf.int64, kf.string, kf.bool)
    assert reader.has_tensor("dense/kernel:0") and not reader.has_tensor("dense/kernl")
    with pytest.raises(kf.errors.NotFoundError, match="dense/kernl.*did you mean 'dense/kernel'"):
        reader.get_tensor("dense/kernl")
    assert kf.train.list_variables(SMALL)[:2] == [("big_ints", [2, 2]), ("counts", [4])]
    _assert_same(kf.train.load_variable(SMALL, "deep/nested/scope/weights"),
                 small_values()["deep/nested/scope/weights"], "nested")
    assert kf.train.latest_checkpoint(os.path.dirname(SMALL)) == SMALL


def test_saver_restore_and_init_from_checkpoint_load_tensorflow_weights():
    want = small_values()
    with kf.variable_scope("dense"):
        kernel = kf.get_variable("kernel", [3, 2])
        bias = kf.get_variable("bias", [2])
    with kf.variable_scope("renamed"):
        weights = kf.get_variable("weights", [2, 3, 4])
    step = kf.Variable(np.int64(0), name="global_step")
    flags = kf.Variable(np.zeros((2, 2), bool), name="flags")
    with kf.Session() as sess:
        kf.train.Saver([kernel, bias, step, flags]).restore(sess, SMALL)
        for var, name in [(kernel, "dense/kernel"), (bias, "dense/bias"), (step, "global_step"), (flags, "flags")]:
            _assert_same(sess.run(var), want[name], name)
    kf.train.init_from_checkpoint(os.path.dirname(SMALL), {"dense/": "dense/", "deep/nested/scope/": "renamed/",
                                                           "global_step": step})
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        _assert_same(sess.run(kernel), want["dense/kernel"], "kernel")
        _assert_same(sess.run(weights), want["deep/nested/scope/weights"], "weights")
        assert sess.run(step) == want["global_step"]
    with pytest.raises(ValueError, match="renamed/weights:0 has shape .* 'dense/kernel' has \\[3, 2\\]"):
        kf.train.init_from_checkpoint(SMALL, {"dense/kernel": "renamed/weights"})


def test_saver_restore_reports_shape_mismatch_against_tensorflow_checkpoint():
    wrong = kf.get_variable("dense/kernel", [2, 3])
    with kf.Session() as sess, pytest.raises(kf.errors.InvalidArgumentError, match="dense/kernel.*\\[3, 2\\]"):
        kf.train.Saver([wrong]).restore(sess, SMALL)


def _copy(tmp_path, prefix=SMALL):
    for suffix in (".index", ".data-00000-of-00001"):
        shutil.copy(prefix + suffix, str(tmp_path / "model") + suffix)
    return str(tmp_path / "model")


@pytest.mark.parametrize("where", ["index_block", "index_footer", "data"])
def test_corrupt_files_raise_data_loss_naming_the_file(tmp_path, where):
    prefix = _copy(tmp_path)
    name = prefix + (".data-00000-of-00001" if where == "data" else ".index")
    raw = bytearray(open(name, "rb").read())
    position = {"index_block": 20, "index_footer": len(raw) - 3, "data": 5}[where]
    raw[position] ^= 0x40
    open(name, "wb").write(bytes(raw))
    with pytest.raises(kf.errors.DataLossError, match=os.path.basename(name)):
        kf.train.load_checkpoint(prefix).read_all()


def test_truncated_index_and_missing_data_file(tmp_path):
    prefix = _copy(tmp_path)
    raw = open(prefix + ".index", "rb").read()
    open(prefix + ".index", "wb").write(raw[:30])
    with pytest.raises(kf.errors.DataLossError, match="model.index"):
        kf.train.load_checkpoint(prefix)
    prefix = _copy(tmp_path)
    os.remove(prefix + ".data-00000-of-00001")
    with pytest.raises(kf.errors.NotFoundError, match="data-00000-of-00001"):
        kf.train.load_variable(prefix, "dense/bias")


def test_table_round_trip_with_shared_prefixes_and_many_blocks(tmp_path):
    items = [(b"", b"header")] + [(b"scope/%05d/w" % i, bytes([i % 251]) * (i % 37)) for i in range(2000)]
    write_table(str(tmp_path / "t"), items, block_size=512)
    assert read_table(str(tmp_path / "t")) == items
    with pytest.raises(ValueError, match="sorted"):
        write_table(str(tmp_path / "u"), [(b"b", b""), (b"a", b"")])


def test_kflow_writes_what_it_reads_byte_identical_data(tmp_path):
    write_bundle(str(tmp_path / "m"), small_values())
    bundle = Bundle(str(tmp_path / "m"))
    for name, value in small_values().items():
        _assert_same(bundle.tensor(name), value, name)
    # The data shard is exactly TensorFlow's: same order, same bytes, same string encoding.
    assert open(str(tmp_path / "m.data-00000-of-00001"), "rb").read() == open(SMALL + ".data-00000-of-00001",
                                                                             "rb").read()


def test_hdf5_checkpoints_are_named_prefix_h5_and_old_names_still_restore(tmp_path):
    v = kf.Variable([1.0, 2.0], name="v")
    saver = kf.train.Saver([v])
    with kf.Session() as sess:
        sess.run(v.initializer)
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=7)
        assert path == str(tmp_path / "model.ckpt-7")  # the prefix, as in TF
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model.ckpt-7.h5", "model.ckpt-7.meta"]
        assert kf.train.latest_checkpoint(str(tmp_path)) == path
        os.rename(path + ".h5", path)  # a checkpoint written by kflow before the suffix
        sess.run(v.assign([0.0, 0.0]))
        saver.restore(sess, path)
        assert sess.run(v).tolist() == [1.0, 2.0]


def test_saver_tf_format_writes_index_and_data(tmp_path):
    v = kf.Variable(np.arange(6, dtype=np.float64).reshape(2, 3), name="scope/v")
    saver = kf.train.Saver([v], format="tf", max_to_keep=1)
    with kf.Session() as sess:
        sess.run(v.initializer)
        saver.save(sess, str(tmp_path / "m"), global_step=1)
        path = saver.save(sess, str(tmp_path / "m"), global_step=2)
        assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-2.data-00000-of-00001", "m-2.index", "m-2.meta"]
        sess.run(v.assign(np.zeros((2, 3))))
        saver.restore(sess, kf.train.latest_checkpoint(str(tmp_path)))
        _assert_same(sess.run(v), np.arange(6, dtype=np.float64).reshape(2, 3), "v")
    assert kf.train.load_checkpoint(path).format == "tf"
    with pytest.raises(ValueError, match="format"):
        kf.train.Saver([v], format="pickle")


def _tensorflow_python():
    """A Python that can import tensorflow: this one, or $KFLOW_TF_PYTHON (a separate venv)."""
    candidates = [os.environ.get("KFLOW_TF_PYTHON"), sys.executable]
    for python in filter(None, candidates):
        if subprocess.run([python, "-c", "import tensorflow"], capture_output=True).returncode == 0:
            return python
    pytest.skip("tensorflow is not importable (set KFLOW_TF_PYTHON to a Python that has it)")


def test_round_trip_through_tensorflow(tmp_path):
    python = _tensorflow_python()
    ours = str(tmp_path / "from_kflow")
    write_bundle(ours, small_values())
    write_bundle(ours + "_many", many_values())  # an index of several blocks
    script = textwrap.dedent("""
        import sys, numpy as np, tensorflow as tf
        r = tf.train.load_checkpoint(sys.argv[1])
        for k in sorted(r.get_variable_to_shape_map()):
            v = r.get_tensor(k)
            print(k, v.dtype, list(v.shape), repr(v.tolist()))
        many = tf.train.load_checkpoint(sys.argv[1] + "_many")
        print("many", len(many.get_variable_to_shape_map()), many.get_tensor("layer_299/w").tolist())
        g = tf.Graph()
        with g.as_default():
            a = tf.compat.v1.Variable(np.array([[1.5, -2.0]], np.float32), name="tf/a")
            b = tf.compat.v1.Variable(np.array([b"x", b""], object), name="b")
            with tf.compat.v1.Session() as s:
                s.run(tf.compat.v1.global_variables_initializer())
                tf.compat.v1.train.Saver([a, b]).save(s, sys.argv[2], write_meta_graph=False)
    """)
    theirs = str(tmp_path / "from_tf")
    out = subprocess.run([python, "-c", script, ours, theirs], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines.pop("many") == "%d %r" % (len(many_values()), many_values()["layer_299/w"].tolist())
    for name, value in small_values().items():
        value = np.asarray(value)
        want_dtype = "object" if value.dtype == object else str(value.dtype)
        assert lines[name] == "%s %s %r" % (want_dtype, list(value.shape), value.tolist()), name
    reader = kf.train.load_checkpoint(theirs)
    _assert_same(reader.get_tensor("tf/a"), np.array([[1.5, -2.0]], np.float32), "tf/a")
    _assert_same(reader.get_tensor("b"), np.array([b"x", b""], object), "b")
