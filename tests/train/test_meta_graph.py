"""Meta graphs: export_meta_graph / import_meta_graph / Saver.save's .meta, so a model resumes without its code."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import kflow as kf
from kflow import errors
from kflow.train.meta_graph_export import unexportable_ops

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _data(seed=0):
    rng = np.random.RandomState(seed)
    return rng.randn(16, 4).astype(np.float32), rng.randint(0, 3, 16).astype(np.int32)


def _mlp():
    """An MLP trained with Adam; the TF1 collections a program adds for later use."""
    x = kf.placeholder(kf.float32, [None, 4], name="x")
    y = kf.placeholder(kf.int32, [None], name="y")
    with kf.variable_scope("net"):
        h = kf.layers.dense(x, 8, activation=kf.nn.relu)
        logits = kf.layers.dense(h, 3)
    loss = kf.losses.sparse_softmax_cross_entropy(y, logits)
    step = kf.train.get_or_create_global_step()
    train_op = kf.train.AdamOptimizer(0.01).minimize(loss, global_step=step)
    kf.add_to_collection(kf.GraphKeys.TRAIN_OP, train_op)
    kf.add_to_collection("predictions", kf.nn.softmax(logits, name="probs"))
    kf.add_to_collection("loss", loss)
    kf.add_to_collection("hparams", 0.01)
    kf.add_to_collection("hparams", "adam")
    kf.summary.scalar("loss", loss)
    return x, y, loss, train_op


def test_adam_mlp_continues_training_identically_after_import_and_restore(tmp_path):
    X, Y = _data()
    prefix = str(tmp_path / "model")
    with kf.Graph().as_default():
        x, y, loss, train_op = _mlp()
        saver = kf.train.Saver()
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            for _ in range(5):
                sess.run(train_op, {x: X, y: Y})
            saver.save(sess, prefix)
            expected = [sess.run([loss, train_op], {x: X, y: Y})[0] for _ in range(5)]
            weights = sess.run(kf.trainable_variables())
    assert os.path.isfile(prefix + ".meta")
    with kf.Graph().as_default() as g:
        saver = kf.train.import_meta_graph(prefix + ".meta")
        loss = kf.get_collection("loss")[0]
        train_op = kf.get_collection(kf.GraphKeys.TRAIN_OP)[0]
        with kf.Session() as sess:
            saver.restore(sess, prefix)
            got = [sess.run([loss, train_op], {"x:0": X, "y:0": Y})[0] for _ in range(5)]
            assert sess.run(kf.train.get_global_step()) == 10
            for want, have in zip(weights, sess.run(kf.trainable_variables())):
                np.testing.assert_array_equal(want, have)
        assert g.get_tensor_by_name("x:0").op.type == "Placeholder"
    assert [l.dtype for l in got] == [np.float32] * 5
    np.testing.assert_array_equal(expected, got)  # float32 equality: the same kernels with the same numbers


def test_keras_update_rules_survive_the_round_trip(tmp_path):
    """Keras's own optimizers fuse static-method rules (``KerasRMSprop._rule``): encoded by name too."""
    from kflow.keras.update_rules import KerasRMSprop
    X, Y = _data()
    path = str(tmp_path / "m.meta")

    def run(g):
        with kf.Session(graph=g) as sess:
            sess.run("init")
            return [sess.run(["loss:0", "train"], {"x:0": X, "y:0": Y})[0] for _ in range(3)]

    with kf.Graph().as_default() as g:
        kf.set_random_seed(5)
        x = kf.placeholder(kf.float32, [None, 4], name="x")
        y = kf.placeholder(kf.int32, [None], name="y")
        loss = kf.identity(kf.losses.sparse_softmax_cross_entropy(y, kf.layers.dense(x, 3)), name="loss")
        KerasRMSprop(0.01, rho=0.9, epsilon=1e-7).minimize(loss, name="train")
        kf.global_variables_initializer()
        assert unexportable_ops() == []
        kf.train.export_meta_graph(path)
        want = run(g)
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        np.testing.assert_array_equal(want, run(g))


def test_collections_variables_and_initializers_are_restored(tmp_path):
    path = str(tmp_path / "m.meta")
    with kf.Graph().as_default():
        _mlp()
        before = {k: [getattr(i, "name", i) for i in kf.get_collection(k)] for k in
                  (kf.GraphKeys.GLOBAL_VARIABLES, kf.GraphKeys.TRAINABLE_VARIABLES, kf.GraphKeys.TRAIN_OP,
                   kf.GraphKeys.SUMMARIES, kf.GraphKeys.GLOBAL_STEP, "predictions", "hparams")}
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            init_step = sess.run(kf.train.get_global_step())
        kf.train.export_meta_graph(path)
    with kf.Graph().as_default() as g:
        assert kf.train.import_meta_graph(path) is not None  # no saver described: a Saver of all variables
        after = {k: [getattr(i, "name", i) for i in kf.get_collection(k)] for k in before}
        assert after == before
        assert after["hparams"] == [0.01, "adam"]
        assert all(isinstance(v, kf.Variable) for v in kf.global_variables())
        assert {v.name for v in kf.trainable_variables()} == {"net/dense/kernel:0", "net/dense/bias:0",
                                                              "net/dense_1/kernel:0", "net/dense_1/bias:0"}
        with kf.Session() as sess:
            assert list(sess.run(kf.report_uninitialized_variables())) != []
            sess.run(kf.global_variables_initializer())
            assert len(sess.run(kf.report_uninitialized_variables())) == 0
            assert sess.run(kf.train.get_global_step()) == init_step
            probs = sess.run(kf.get_collection("predictions")[0], {"x:0": _data()[0]})
            np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
            assert sess.run(kf.summary.merge_all(), {"x:0": _data()[0], "y:0": _data()[1]})
        # later ops avoid the imported names, as in the original graph
        assert kf.placeholder(kf.float32, name="x").name == "x_1:0"
        assert g.get_operation_by_name("net/dense/kernel").type == "VariableV2"


def test_import_scope_clear_devices_and_name_clashes(tmp_path):
    path = str(tmp_path / "m.meta")
    with kf.Graph().as_default():
        with kf.device("/cpu:0"):
            v = kf.Variable([1.0, 2.0], name="v")
            out = kf.multiply(v, 3.0, name="out")
        kf.add_to_collection("out", out)
        saver = kf.train.Saver()
        with kf.Session() as sess:
            sess.run(v.initializer)
            saver.save(sess, str(tmp_path / "m"))
    with kf.Graph().as_default() as g:
        saver = kf.train.import_meta_graph(path, import_scope="imp", clear_devices=True)
        assert kf.get_collection("out")[0].name == "imp/out:0"
        assert g.get_operation_by_name("imp/out").device == ""
        assert [x.name for x in kf.global_variables()] == ["imp/v:0"]
        with kf.Session() as sess:
            saver.restore(sess, str(tmp_path / "m"))  # checkpoint keys stay the original names
            np.testing.assert_array_equal(sess.run("imp/out:0"), [3.0, 6.0])
        with pytest.raises(ValueError, match="already exist.*import_scope"):
            kf.train.import_meta_graph(path, import_scope="imp")
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        assert g.get_operation_by_name("out").device == "/device:CPU:0" or "cpu" in \
            g.get_operation_by_name("out").device.lower()


def test_as_text_and_in_memory_meta_graphs(tmp_path):
    path = str(tmp_path / "m.meta")
    with kf.Graph().as_default():
        v = kf.Variable(np.float32(2.0), name="v")
        kf.add_to_collection("out", kf.square(v, name="out"))
        document = kf.train.export_meta_graph(path, as_text=True)
    with open(path, "rb") as f:
        f.readline()
        assert f.readline().rstrip() == b"{"  # indented JSON after the header line
    for source in (path, document):  # the file, or the document export_meta_graph returned
        with kf.Graph().as_default():
            kf.train.import_meta_graph(source)
            with kf.Session() as sess:
                sess.run(kf.global_variables_initializer())
                assert sess.run(kf.get_collection("out")[0]) == 4.0


def test_collection_items_that_are_not_graph_elements_are_left_out_with_one_warning(tmp_path, caplog):
    with kf.Graph().as_default():
        kf.add_to_collection("mixed", object())
        kf.add_to_collection("mixed", kf.constant(1.0, name="one"))
        kf.add_to_collection("mixed", np.int64(3))
        for i in range(2):
            kf.train.export_meta_graph(str(tmp_path / ("m%d.meta" % i)))
    assert sum("collection 'mixed' are not tensors" in m for m in caplog.messages) == 1
    with kf.Graph().as_default():
        kf.train.import_meta_graph(str(tmp_path / "m1.meta"))
        assert [getattr(i, "name", i) for i in kf.get_collection("mixed")] == ["one:0", 3]


def test_dropout_and_seeded_random_ops_survive(tmp_path):
    path = str(tmp_path / "m.meta")
    with kf.Graph().as_default():
        kf.set_random_seed(7)
        x = kf.placeholder(kf.float32, [4, 5], name="x")
        y = kf.nn.dropout(x, rate=0.5, name="drop")
        with kf.Session() as sess:
            want = sess.run(y, {x: np.ones((4, 5), np.float32)})
        kf.train.export_meta_graph(path)
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        with kf.Session() as sess:
            got = sess.run(g.get_tensor_by_name(y.name), {"x:0": np.ones((4, 5), np.float32)})
    np.testing.assert_array_equal(want, got)


def test_cnn_with_batch_norm_and_dropout_trains_identically_after_import(tmp_path):
    """Conv, pooling (window attrs), batch norm (UPDATE_OPS), dropout and initializers seeded by the graph:
    the imported graph, initialized in a new session, follows the original's loss trajectory exactly."""
    path = str(tmp_path / "cnn.meta")
    images = np.random.RandomState(1).rand(6, 8, 8, 2).astype(np.float32)
    labels = np.arange(6, dtype=np.int32) % 3

    def run(graph, x, y, loss, train_op):
        with kf.Session(graph=graph) as sess:
            sess.run(graph.get_operation_by_name("init"))
            return [sess.run([loss, train_op], {x: images, y: labels})[0] for _ in range(4)]

    with kf.Graph().as_default() as g:
        kf.set_random_seed(3)
        x = kf.placeholder(kf.float32, [None, 8, 8, 2], name="x")
        y = kf.placeholder(kf.int32, [None], name="y")
        h = kf.layers.conv2d(x, 4, 3, padding="same", activation=kf.nn.relu)
        h = kf.layers.max_pooling2d(h, 2, 2)
        h = kf.layers.batch_normalization(h, training=True)
        h = kf.nn.dropout(kf.layers.flatten(h), keep_prob=0.8)
        loss = kf.losses.sparse_softmax_cross_entropy(y, kf.layers.dense(h, 3))
        with kf.control_dependencies(kf.get_collection(kf.GraphKeys.UPDATE_OPS)):
            train_op = kf.train.MomentumOptimizer(0.05, 0.9).minimize(loss)
        kf.global_variables_initializer()
        assert unexportable_ops() == []
        kf.train.export_meta_graph(path)
        want = run(g, x, y, loss, train_op)
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        got = run(g, "x:0", "y:0", g.get_tensor_by_name(loss.name), g.get_operation_by_name(train_op.name))
    assert want[0] != want[-1]
    np.testing.assert_array_equal(want, got)


def test_py_func_exports_as_a_stand_in_that_fails_clearly_when_run(tmp_path):
    path = str(tmp_path / "m.meta")
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [2], name="x")
        doubled = kf.py_func(lambda v: v * 2, [x], kf.float32, name="doubled")
        plus = kf.add(x, 1.0, name="plus")
        assert [n for n, _ in unexportable_ops()] == ["doubled"]
        kf.train.export_meta_graph(path)  # as TF: exporting works, running the op after import does not
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        assert g.get_tensor_by_name("doubled:0").dtype == kf.float32
        with kf.Session() as sess:
            np.testing.assert_array_equal(sess.run("plus:0", {"x:0": [1.0, 2.0]}), [2.0, 3.0])
            with pytest.raises(errors.UnimplementedError, match="'doubled' \\(PyFunc\\).*holds a function"):
                sess.run("doubled:0", {"x:0": [1.0, 2.0]})
    del doubled, plus


def test_damaged_truncated_and_foreign_files_are_reported(tmp_path):
    path = str(tmp_path / "m.meta")
    with kf.Graph().as_default():
        kf.Variable([1.0], name="v")
        kf.train.export_meta_graph(path)
    data = open(path, "rb").read()
    cases = {"damaged": data[:-10] + bytes([data[-10] ^ 0x20]) + data[-9:], "truncated": data[:len(data) // 2],
             "foreign": b"\n\x0cmeta_info_def protobuf bytes", "empty": b""}
    messages = {"damaged": "damaged: CRC-32C mismatch", "truncated": "truncated",
                "foreign": "not a kflow meta graph file.*TensorFlow MetaGraphDef", "empty": "not a kflow meta"}
    for kind, content in cases.items():
        bad = str(tmp_path / (kind + ".meta"))
        with open(bad, "wb") as f:
            f.write(content)
        with kf.Graph().as_default():
            with pytest.raises(errors.DataLossError, match=messages[kind]) as info:
                kf.train.import_meta_graph(bad)
            assert bad in str(info.value)
    with pytest.raises(errors.NotFoundError, match="nothere.meta"):
        kf.train.import_meta_graph(str(tmp_path / "nothere.meta"))


def test_meta_file_follows_umask_and_saver_options(tmp_path):
    old = os.umask(0o027)
    try:
        with kf.Graph().as_default():
            v = kf.Variable([1.0], name="v")
            saver = kf.train.Saver(max_to_keep=2)
            with kf.Session() as sess:
                sess.run(v.initializer)
                for step in range(1, 4):
                    saver.save(sess, str(tmp_path / "model"), global_step=step)
                saver.save(sess, str(tmp_path / "nometa"), write_meta_graph=False)
    finally:
        os.umask(old)
    assert os.stat(tmp_path / "model-3.meta").st_mode & 0o777 == 0o640
    # max_to_keep=2 kept model-3 and nometa: the evicted checkpoints' meta graphs went with them
    assert sorted(os.listdir(tmp_path)) == ["checkpoint", "model-3.h5", "model-3.meta", "nometa.h5"]
    with kf.Graph().as_default():
        saver = kf.train.import_meta_graph(str(tmp_path / "model-3.meta"))
        assert saver._max_to_keep == 2 and list(saver._vars) == ["v"]


def test_control_flow_round_trips_with_its_gradients(tmp_path):
    """dynamic_rnn (an LSTM over a While op), a while_loop, a cond and their gradients (WhileGrad, the cond's
    gradient cond) are rebuilt with their contexts: the imported graph trains exactly as the original."""
    path = str(tmp_path / "m.meta")
    seqs = np.random.RandomState(0).rand(2, 5, 3).astype(np.float32)

    def run(graph):
        with kf.Session(graph=graph) as sess:
            sess.run("init")
            return [sess.run(["loss:0", "train"], {"x:0": seqs, "p:0": bool(k % 2)})[0] for k in range(4)]

    with kf.Graph().as_default() as g:
        kf.set_random_seed(1)
        x = kf.placeholder(kf.float32, [2, 5, 3], name="x")
        out, _ = kf.nn.dynamic_rnn(kf.nn.rnn_cell.LSTMCell(4), x, dtype=kf.float32)
        w = kf.Variable(np.ones(3, np.float32), name="w")
        _, r = kf.while_loop(lambda i, r: i < 3, lambda i, r: (i + 1, r * w), [kf.constant(0), x[0, 0]])
        p = kf.placeholder(kf.bool, [], name="p")
        loss = kf.identity(kf.cond(p, lambda: kf.reduce_sum(out) * 2.0, lambda: kf.reduce_sum(r)), name="loss")
        kf.train.RMSPropOptimizer(0.1).minimize(loss, name="train")
        kf.global_variables_initializer()
        assert {op.type for op in g.get_operations()} >= {"While", "WhileGrad", "Cond"}
        assert unexportable_ops() == []
        kf.train.export_meta_graph(path)
        want = run(g)
        want_dw = _gradient_of_w(g, seqs)
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        got = run(g)
        got_dw = _gradient_of_w(g, seqs)  # a gradient built after the import goes through the imported loop
    np.testing.assert_array_equal(want, got)
    assert np.abs(want_dw).sum() > 0
    np.testing.assert_array_equal(want_dw, got_dw)


def _gradient_of_w(g, seqs):
    w, = [v for v in kf.trainable_variables() if v.name == "w:0"]
    dw, = kf.gradients(g.get_tensor_by_name("loss:0"), [w])
    with kf.Session(graph=g) as sess:
        sess.run("init")
        return sess.run(dw, {"x:0": seqs, "p:0": False})


_RESUME = """
import sys
import numpy as np
import kflow as kf

prefix, n = sys.argv[1], int(sys.argv[2])
saver = kf.train.import_meta_graph(prefix + ".meta")
graph = kf.get_default_graph()
x, y = graph.get_tensor_by_name("x:0"), graph.get_tensor_by_name("y:0")
probs = kf.get_collection("predictions")[0]
train_op, loss = kf.get_collection("train_op")[0], kf.get_collection("loss")[0]
rng = np.random.RandomState(0)
X, Y = rng.randn(16, 4).astype(np.float32), rng.randint(0, 3, 16).astype(np.int32)
with kf.Session() as sess:
    saver.restore(sess, prefix)
    print("probs", sess.run(probs, {x: X}).sum())
    for _ in range(n):
        print("loss", repr(float(sess.run([loss, train_op], {x: X, y: Y})[0])))
"""


def test_tf1_resume_pattern_in_a_fresh_process(tmp_path):
    X, Y = _data()
    prefix = str(tmp_path / "model")
    with kf.Graph().as_default():
        x, y, loss, train_op = _mlp()
        saver = kf.train.Saver()
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            sess.run(train_op, {x: X, y: Y})
            saver.save(sess, prefix)
            expected = [float(sess.run([loss, train_op], {x: X, y: Y})[0]) for _ in range(3)]
    script = tmp_path / "resume.py"
    script.write_text(textwrap.dedent(_RESUME))
    env = dict(os.environ, PYTHONPATH=_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, str(script), prefix, "3"], capture_output=True, text=True, env=env,
                         timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.split("\n")
    assert abs(float(lines[0].split()[1]) - 16.0) < 1e-4  # 16 rows of probabilities
    assert [float(l.split()[1]) for l in lines if l.startswith("loss")] == expected
