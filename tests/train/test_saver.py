"""kf.train.Saver: paths, state file, max_to_keep, var lists, restore checks, no graph growth, devices."""
import os
import warnings

import h5py
import numpy as np
import pytest

import kflow as kf
from kflow.engine import devices
from kflow.train import checkpoint_file, saver as saver_mod

VALUES = {"f32": np.arange(6, dtype=np.float32).reshape(2, 3), "f64": np.array([1.5, -2.25]),
          "i32": np.array([[1, -2]], np.int32), "i64": np.int64(2 ** 40), "flags": np.array([True, False]),
          "bytes": np.array([7, 255], np.uint8), "empty": np.zeros((0, 4), np.float32)}


def _make_vars(graph):
    with graph.as_default():
        with kf.name_scope("block"):
            return {k: kf.Variable(np.zeros_like(v), name=k) for k, v in VALUES.items()}


def test_round_trip_all_dtypes_into_a_new_graph(tmp_path):
    g1 = kf.Graph()
    vs = _make_vars(g1)
    with g1.as_default():
        saver = kf.train.Saver()
    with kf.Session(graph=g1) as sess:
        for k, v in vs.items():
            v.load(VALUES[k], sess)
        path = saver.save(sess, str(tmp_path / "model.ckpt"))
    assert path == str(tmp_path / "model.ckpt") and os.path.isfile(path + ".h5")
    assert dict(kf.train.list_variables(path)) == {"block/" + k: list(np.shape(v)) for k, v in VALUES.items()}
    g2 = kf.Graph()
    vs2 = _make_vars(g2)
    with g2.as_default():
        saver2 = kf.train.Saver()
    with kf.Session(graph=g2) as sess:
        saver2.restore(sess, path)  # no initializer needed
        for k, v in vs2.items():
            got = sess.run(v)
            assert np.asarray(got).dtype == np.asarray(VALUES[k]).dtype
            np.testing.assert_array_equal(got, VALUES[k])


def test_string_variables_round_trip(tmp_path):
    vocab = kf.Variable(np.array([b"a\x00b", b"", b"\xff"], object), dtype=kf.string, name="vocab")
    with kf.Session() as sess:
        sess.run(vocab.initializer)
        path = kf.train.Saver().save(sess, str(tmp_path / "m"))
        sess.run(vocab.assign(np.array([b"x", b"y", b"z"], object)))
        kf.train.Saver().restore(sess, path)
        assert list(sess.run(vocab)) == [b"a\x00b", b"", b"\xff"]


def test_global_step_paths_and_state_file(tmp_path):
    step = kf.Variable(0, dtype=kf.int64, name="global_step", trainable=False)
    w = kf.Variable([1.0, 2.0], name="w")
    inc = step.assign_add(1)
    saver = kf.train.Saver()
    prefix = str(tmp_path / "model.ckpt")
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert saver.save(sess, prefix, global_step=10) == prefix + "-10"
        sess.run(inc)
        assert saver.save(sess, prefix, global_step=step) == prefix + "-1"  # a variable is evaluated
        assert saver.save(sess, prefix, global_step=step.value() * 5) == prefix + "-5"  # so is a tensor
        assert saver.save(sess, prefix, global_step=np.int64(7)) == prefix + "-7"
        sess.run(w.assign([3.0, 4.0]))
        plain = saver.save(sess, prefix)
    assert kf.train.latest_checkpoint(str(tmp_path)) == plain
    state = kf.train.get_checkpoint_state(str(tmp_path))
    assert state.all_model_checkpoint_paths == [prefix + s for s in ("-10", "-1", "-5", "-7", "")]
    text = open(tmp_path / "checkpoint").read()
    assert text.splitlines()[0] == 'model_checkpoint_path: "model.ckpt"'  # relative, TF's text format
    assert 'all_model_checkpoint_paths: "model.ckpt-10"' in text
    assert checkpoint_file.load_global_step(prefix + "-10") == 10
    assert checkpoint_file.load_global_step(plain) == 1  # from the saved global_step variable
    np.testing.assert_array_equal(kf.train.load_variable(plain, "w"), [3.0, 4.0])
    assert kf.train.checkpoint_exists(plain) and not kf.train.checkpoint_exists(prefix + "-2")


def test_max_to_keep_deletes_oldest_and_resaving_a_path_moves_it(tmp_path):
    kf.Variable(1.0, name="v")
    saver = kf.train.Saver(max_to_keep=2)
    prefix = str(tmp_path / "m")
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for step in range(5):
            saver.save(sess, prefix, global_step=step)
            listed = kf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths
            assert len(listed) == min(step + 1, 2) and all(os.path.isfile(p + ".h5") for p in listed)
        saver.save(sess, prefix, global_step=3)
    assert saver.last_checkpoints == [prefix + "-4", prefix + "-3"]
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "m-3.h5", "m-3.meta", "m-4.h5", "m-4.meta"]
    assert kf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths == [prefix + "-4", prefix + "-3"]


def test_max_to_keep_none_keeps_everything(tmp_path):
    kf.Variable(1.0, name="v")
    saver = kf.train.Saver(max_to_keep=None)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for step in range(4):
            saver.save(sess, str(tmp_path / "m"), global_step=step)
    assert len([p for p in os.listdir(tmp_path) if p.startswith("m-") and p.endswith(".h5")]) == 4
    state = kf.train.get_checkpoint_state(str(tmp_path))
    assert state.all_model_checkpoint_paths == [str(tmp_path / "m-3")]


def test_keep_checkpoint_every_n_hours(tmp_path, monkeypatch):
    clock = [0.0]
    monkeypatch.setattr(saver_mod, "_now", lambda: clock[0])
    kf.Variable(1.0, name="v")
    saver = kf.train.Saver(max_to_keep=1, keep_checkpoint_every_n_hours=1.0)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for step, hours in enumerate([0.1, 0.5, 1.2, 1.5, 2.1, 2.6]):
            clock[0] = hours * 3600
            saver.save(sess, str(tmp_path / "m"), global_step=step)
    # evicted checkpoints survive when saved after the next hourly mark: step 2 (1.2 h > 1 h), step 4
    # (2.1 h > 2 h), not step 3 (1.5 h < 2 h); step 5 is the one max_to_keep keeps
    kept = sorted(p for p in os.listdir(tmp_path) if p.startswith("m-"))
    assert kept == ["m-2.h5", "m-2.meta", "m-4.h5", "m-4.meta", "m-5.h5", "m-5.meta"]  # (meta graphs too)


def test_var_list_dict_and_list(tmp_path):
    a = kf.Variable([1.0], name="a")
    b = kf.Variable([2.0], name="b")
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        path = kf.train.Saver({"renamed/a": a, "b_key": b.value()}).save(sess, str(tmp_path / "d"))
        only_b = kf.train.Saver([b]).save(sess, str(tmp_path / "l"))
    assert [n for n, _ in kf.train.list_variables(path)] == ["b_key", "renamed/a"]
    assert [n for n, _ in kf.train.list_variables(only_b)] == ["b"]
    with pytest.raises(ValueError, match="same name: a"):
        kf.train.Saver([a, a])
    with pytest.raises(TypeError, match="must be variables"):
        kf.train.Saver([kf.constant(1.0)])


def test_dict_and_list_savers_restore_by_key_into_other_names(tmp_path):
    with kf.Graph().as_default():
        a = kf.Variable([1.0, 2.0], name="a")
        b = kf.Variable([[3]], name="scope/b")
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            path = kf.train.Saver({"enc/w": a, "b": b}).save(sess, str(tmp_path / "m"))
    with h5py.File(path + ".h5", "r") as f:  # one dataset per checkpoint key, dtype and shape kept
        assert {k: (f["variables"][k].dtype, f["variables"][k].shape) for k in f["variables"]} == {
            "enc%2Fw": (np.float32, (2,)), "b": (np.int32, (1, 1))}
    other = kf.Variable([0.0, 0.0], name="decoder/kernel")
    untouched = kf.Variable([9.0], name="untouched")
    with kf.Session() as sess:
        sess.run(untouched.initializer)
        kf.train.Saver({"enc/w": other}).restore(sess, path)  # only the dict's variables are restored
        np.testing.assert_array_equal(sess.run(other), [1.0, 2.0])
        np.testing.assert_array_equal(sess.run(untouched), [9.0])
        with pytest.raises(kf.errors.NotFoundError, match="Key 'untouched'"):
            kf.train.Saver([untouched]).restore(sess, path)


def test_restore_lists_every_problem_with_hints(tmp_path):
    g1 = kf.Graph()
    with g1.as_default():
        kf.Variable(np.zeros((2, 3), np.float32), name="dense/kernel")
        kf.Variable(np.zeros(3, np.float32), name="dense/bias")
        kf.Variable(np.zeros(2, np.float32), name="scale")
        kf.Variable(np.zeros(2, np.float32), name="kept")
        kf.Variable(np.zeros((3, 2), np.float32), name="dense_1/kernel")
        kf.Variable(np.zeros(7, np.float32), name="dense_1/bias")
        saver = kf.train.Saver()
        with kf.Session(graph=g1) as sess:
            sess.run(kf.global_variables_initializer())
            path = saver.save(sess, str(tmp_path / "ckpt"))
    kernel = kf.Variable(np.ones((3, 2), np.float32), name="dense/kernel")  # transposed
    kf.Variable(np.ones(3, np.float32), name="dense/biass")  # renamed
    kf.Variable(np.ones(2, np.float64), name="scale")  # dtype changed
    kf.Variable(np.ones(1, np.float32), name="brand_new")
    kept = kf.Variable(np.ones(2, np.float32), name="kept")
    saver = kf.train.Saver()
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        with pytest.raises(kf.errors.NotFoundError) as info:
            saver.restore(sess, path)
        msg = str(info.value)
        assert "4 of 5 variables" in msg
        assert ("Key 'dense/biass' (variable dense/biass:0) not found in checkpoint (did you mean 'dense/bias' [3] "
                "or 'dense_1/bias' [7]?)") in msg
        assert "Key 'brand_new' (variable brand_new:0) not found in checkpoint\n" in msg  # nothing close: no hint
        # a shape mismatch suggests close keys of the variable's shape only (not dense_1/bias)
        assert ("Shape mismatch for 'dense/kernel': the variable has shape (3, 2), the checkpoint [2, 3] "
                "(did you mean 'dense_1/kernel' [3, 2]?)") in msg
        assert "Dtype mismatch for 'scale': the variable is float64, the checkpoint holds float32" in msg
        np.testing.assert_array_equal(sess.run(kept), [1, 1])  # nothing was loaded
        with pytest.raises(kf.errors.InvalidArgumentError, match="Shape mismatch"):
            kf.train.Saver([kernel]).restore(sess, path)


def test_restore_path_errors(tmp_path):
    kf.Variable(1.0, name="v")
    saver = kf.train.Saver()
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=3)
        with pytest.raises(ValueError, match="None"):
            saver.restore(sess, None)
        with pytest.raises(ValueError, match="is a directory.*latest checkpoint is .*model.ckpt-3"):
            saver.restore(sess, str(tmp_path))
        with pytest.raises(ValueError, match="not a valid checkpoint.*did you mean .*model.ckpt-3"):
            saver.restore(sess, str(tmp_path / "model.ckpt-30"))
        saver.restore(sess, path)


def test_save_errors(tmp_path):
    v = kf.Variable(1.0, name="v")
    saver = kf.train.Saver()
    with kf.Session() as sess:
        with pytest.raises(kf.errors.FailedPreconditionError, match="uninitialized"):
            saver.save(sess, str(tmp_path / "m"))
        sess.run(v.initializer)
        with pytest.raises(ValueError, match="Parent directory of .*missing/m doesn't exist"):
            saver.save(sess, str(tmp_path / "missing" / "m"))
        with pytest.raises(ValueError, match="path components"):
            saver.save(sess, str(tmp_path / "m"), latest_filename="sub/state")
        saver.save(sess, str(tmp_path / "m"), latest_filename="state")
    assert kf.train.latest_checkpoint(str(tmp_path), "state") == str(tmp_path / "m")
    assert kf.train.latest_checkpoint(str(tmp_path)) is None
    with kf.Graph().as_default():
        with pytest.raises(ValueError, match="No variables to save"):
            kf.train.Saver()
        empty = kf.train.Saver(allow_empty=True)
        with kf.Session() as other:
            assert empty.save(other, str(tmp_path / "e")) is None
            with pytest.raises(ValueError, match="another graph"):
                saver.save(other, str(tmp_path / "m"))


def test_save_and_restore_add_no_ops_and_work_on_a_finalized_graph(tmp_path):
    v = kf.Variable(np.zeros(3, np.float32), name="v")
    step = kf.Variable(0, name="global_step", trainable=False)
    train = kf.group(v.assign_add(np.ones(3, np.float32)), step.assign_add(1))
    saver = kf.train.Saver(max_to_keep=2)
    g = kf.get_default_graph()
    init = kf.global_variables_initializer()
    g.finalize()
    with kf.Session() as sess, warnings.catch_warnings():
        warnings.simplefilter("error")  # includes the engine's "graph grows in the loop" warning
        sess.run(init)
        n_ops = g.version
        for _ in range(12):
            sess.run(train)
            path = saver.save(sess, str(tmp_path / "m"), global_step=step)
            saver.restore(sess, path)
        assert g.version == n_ops
        np.testing.assert_array_equal(sess.run(v), np.full(3, 12.0))
        assert path.endswith("m-12")


def test_recover_last_checkpoints(tmp_path):
    kf.Variable(1.0, name="v")
    first = kf.train.Saver(max_to_keep=2)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for step in range(2):
            first.save(sess, str(tmp_path / "m"), global_step=step)
        second = kf.train.Saver(max_to_keep=2)
        second.recover_last_checkpoints(kf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths)
        second.save(sess, str(tmp_path / "m"), global_step=2)
    assert sorted(p for p in os.listdir(tmp_path) if p.startswith("m-")) == ["m-1.h5", "m-1.meta", "m-2.h5",
                                                                          "m-2.meta"]


class _DeviceArray(np.ndarray):
    """Marks values living in fake GPU memory."""


def test_restore_puts_values_on_the_variables_device(tmp_path):
    fake = devices.Backend("GPU", np, lambda x: np.asarray(x).view(_DeviceArray),
                           lambda x: np.asarray(x).view(np.ndarray))
    v = kf.Variable(np.zeros(2, np.float32), name="v")
    doubled = v * 2.0
    with kf.Session() as sess:
        sess.run(v.initializer)
        path = kf.train.Saver().save(sess, str(tmp_path / "m"))
    devices._gpu_override.append(fake)
    try:
        with kf.Session() as sess:
            kf.train.Saver([v]).restore(sess, path)
            assert isinstance(sess.variable_values[v.op], _DeviceArray)
            np.testing.assert_array_equal(sess.run(doubled), [0.0, 0.0])
    finally:
        devices._gpu_override.remove(fake)
