"""kf.RunOptions / kf.RunMetadata: a FULL_TRACE run records each op's step stats (TF's StepStats layout), the
FileWriter writes them as a tagged RunMetadata event, and untraced runs stay on the plan's bare path.

The end-to-end test follows the usage of TF1's mnist_with_summaries tutorial (own code, a small MNIST subset)."""
import glob
import os
import time

import numpy as np
import pytest

import kflow as kf
from kflow.datasets import mnist
from kflow.summary.event_proto import summary_iterator


def _variable_summaries(var):
    with kf.name_scope("summaries"):
        mean = kf.reduce_mean(var)
        kf.summary.scalar("mean", mean)
        kf.summary.scalar("stddev", kf.sqrt(kf.reduce_mean(kf.square(var - mean))))
        kf.summary.histogram("histogram", var)


def _nn_layer(input_tensor, input_dim, output_dim, layer_name, act=kf.nn.relu):
    with kf.name_scope(layer_name):
        with kf.name_scope("weights"):
            weights = kf.Variable(kf.truncated_normal([input_dim, output_dim], stddev=0.1))
            _variable_summaries(weights)
        with kf.name_scope("biases"):
            biases = kf.Variable(kf.constant(0.1, shape=[output_dim]))
            _variable_summaries(biases)
        with kf.name_scope("Wx_plus_b"):
            preactivate = kf.matmul(input_tensor, weights) + biases
        return act(preactivate, name="activation")


def _train_with_summaries(log_dir, steps=30):
    """The tutorial's loop: test summaries every 10 steps, a traced step (with run metadata) every 10th."""
    (x_train, y_train), (x_test, y_test) = mnist.load_data(embedded=True)
    x_train, y_train = x_train[:2000].reshape(-1, 784) / 255.0, y_train[:2000]
    x_test, y_test = x_test[:500].reshape(-1, 784) / 255.0, y_test[:500]
    kf.reset_default_graph()
    kf.set_random_seed(1)
    with kf.name_scope("input"):
        x = kf.placeholder(kf.float32, [None, 784], name="x-input")
        y_ = kf.placeholder(kf.int64, [None], name="y-input")
    hidden1 = _nn_layer(x, 784, 64, "layer1")
    with kf.name_scope("dropout"):
        keep_prob = kf.placeholder(kf.float32)
        dropped = kf.nn.dropout(hidden1, keep_prob)
    y = _nn_layer(dropped, 64, 10, "layer2", act=kf.identity)
    with kf.name_scope("cross_entropy"):
        cross_entropy = kf.losses.sparse_softmax_cross_entropy(labels=y_, logits=y)
    kf.summary.scalar("cross_entropy", cross_entropy)
    with kf.name_scope("train"):
        train_step = kf.train.AdamOptimizer(0.001).minimize(cross_entropy)
    with kf.name_scope("accuracy"):
        accuracy = kf.reduce_mean(kf.cast(kf.equal(kf.argmax(y, 1), y_), kf.float32))
    kf.summary.scalar("accuracy", accuracy)
    merged = kf.summary.merge_all()
    sess = kf.InteractiveSession()
    train_writer = kf.summary.FileWriter(log_dir + "/train", sess.graph)
    test_writer = kf.summary.FileWriter(log_dir + "/test")
    kf.global_variables_initializer().run()
    rng = np.random.RandomState(0)

    def feed_dict(train):
        if train:
            idx = rng.randint(0, len(x_train), 100)
            return {x: x_train[idx], y_: y_train[idx], keep_prob: 0.9}
        return {x: x_test, y_: y_test, keep_prob: 1.0}

    accuracies, traced = [], []
    for i in range(steps):
        if i % 10 == 0:
            summary, acc = sess.run([merged, accuracy], feed_dict=feed_dict(False))
            test_writer.add_summary(summary, i)
            accuracies.append(acc)
        elif i % 10 == 9:
            run_options = kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE)
            run_metadata = kf.RunMetadata()
            before = time.time()
            summary, _ = sess.run([merged, train_step], feed_dict=feed_dict(True), options=run_options,
                                  run_metadata=run_metadata)
            traced.append((run_metadata, before, time.time()))
            train_writer.add_run_metadata(run_metadata, "step%03d" % i)
            train_writer.add_summary(summary, i)
        else:
            summary, _ = sess.run([merged, train_step], feed_dict=feed_dict(True))
            train_writer.add_summary(summary, i)
    train_writer.close()
    test_writer.close()
    sess.close()
    return accuracies, traced


@pytest.fixture(scope="module")
def tutorial_run(tmp_path_factory):
    log_dir = str(tmp_path_factory.mktemp("mnist_with_summaries"))
    accuracies, traced = _train_with_summaries(log_dir)
    return log_dir, accuracies, traced


def _node_stats(run_metadata):
    return {n.node_name: (d.device, n) for d in run_metadata.step_stats.dev_stats for n in d.node_stats}


def test_tutorial_trains_and_traces_every_op_of_the_step(tutorial_run):
    _, accuracies, traced = tutorial_run
    assert accuracies[-1] > accuracies[0] + 0.2  # it learns
    assert len(traced) == 3
    meta, before, after = traced[0]
    stats = _node_stats(meta)
    for name in ("layer1/Wx_plus_b/MatMul", "layer2/Wx_plus_b/MatMul", "layer1/activation"):
        assert name in stats, sorted(stats)
    for scope in ("cross_entropy/", "train/", "dropout/"):  # the loss, the optimizer's updates, the dropout
        assert any(n.startswith(scope) for n in stats), (scope, sorted(stats))
    for device, n in stats.values():
        assert device == "/job:localhost/replica:0/task:0/device:CPU:0"
        assert before * 1e6 - 1 <= n.all_start_micros <= after * 1e6 + 1
        assert 0 <= n.all_end_rel_nanos <= (after - before) * 1e9
        assert n.all_start_nanos // 1000 == n.all_start_micros and n.op_end_rel_nanos == n.all_end_rel_nanos
        assert n.timeline_label.startswith(n.node_name + " = ")
    starts = [n.all_start_nanos for d in meta.step_stats.dev_stats for n in d.node_stats]
    assert starts == sorted(starts)  # in the order the plan ran them


def test_written_event_decodes_to_the_run_metadata(tutorial_run):
    log_dir, _, traced = tutorial_run
    path, = glob.glob(os.path.join(log_dir, "train", "events.out.tfevents.*"))
    tagged = [e.tagged_run_metadata for e in summary_iterator(path) if e.HasField("tagged_run_metadata")]
    assert [t.tag for t in tagged] == ["step009", "step019", "step029"]
    decoded = kf.RunMetadata.FromString(tagged[1].run_metadata)
    assert decoded == traced[1][0]
    assert _node_stats(decoded)["layer1/Wx_plus_b/MatMul"][1].all_end_rel_nanos > 0
    # TensorBoard's own protobuf classes read the same bytes
    event_pb2 = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    config_pb2 = pytest.importorskip("tensorboard.compat.proto.config_pb2")
    from kflow.data.tfrecord import tf_record_iterator
    events = [event_pb2.Event.FromString(r) for r in tf_record_iterator(path)]
    metas = [e.tagged_run_metadata for e in events if e.HasField("tagged_run_metadata")]
    real = config_pb2.RunMetadata.FromString(metas[1].run_metadata)
    names = {n.node_name: n for d in real.step_stats.dev_stats for n in d.node_stats}
    ours = _node_stats(decoded)
    assert set(names) == set(ours)
    assert names["layer1/Wx_plus_b/MatMul"].all_start_micros == ours["layer1/Wx_plus_b/MatMul"][1].all_start_micros


def test_untraced_runs_leave_metadata_empty_and_build_no_traced_plan():
    x = kf.placeholder(kf.float32, [3])
    y = kf.tanh(x) * 2.0
    meta = kf.RunMetadata()
    with kf.Session() as sess:
        sess.run(y, {x: np.ones(3)}, run_metadata=meta)
        sess.run(y, {x: np.ones(3)}, options=kf.RunOptions(timeout_in_ms=1000), run_metadata=meta)
        sess.run(y, {x: np.ones(3)}, options=kf.RunOptions(trace_level=kf.RunOptions.NO_TRACE))
        plan = next(iter(sess._plans.values()))[0]
        assert plan._traced is None
        assert meta == kf.RunMetadata() and not meta.step_stats.dev_stats
        sess.run(y, {x: np.ones(3)}, options=kf.RunOptions(trace_level=kf.RunOptions.SOFTWARE_TRACE),
                 run_metadata=meta)
        assert plan._traced is not None
        assert {n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats} >= {y.op.name,
                                                                                           y.op.inputs[0].op.name}


def test_a_failing_traced_run_names_the_op_and_keeps_the_stats_so_far():
    x = kf.placeholder(kf.float32, [None])
    first = kf.exp(x, name="before")
    bad = kf.reshape(first, kf.constant([2, 2]), name="bad_reshape")
    meta = kf.RunMetadata()
    with kf.Session() as sess, pytest.raises(kf.errors.InvalidArgumentError, match="bad_reshape"):
        sess.run(bad, {x: np.ones(3)}, options=kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE),
                 run_metadata=meta)
    names = [n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats]
    assert "before" in names and "bad_reshape" in names


def test_run_options_bytes_match_tensorflow():
    config_pb2 = pytest.importorskip("tensorboard.compat.proto.config_pb2")
    opts = kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE, timeout_in_ms=250)
    real = config_pb2.RunOptions.FromString(opts.SerializeToString())
    assert real.trace_level == config_pb2.RunOptions.FULL_TRACE and real.timeout_in_ms == 250
    assert kf.RunOptions.TraceLevel.HARDWARE_TRACE == config_pb2.RunOptions.HARDWARE_TRACE
    assert kf.RunOptions.FromString(real.SerializeToString()) == opts
