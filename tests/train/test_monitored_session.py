"""MonitoredTrainingSession / MonitoredSession / SingularMonitoredSession with hooks and Scaffold: init vs
restore from checkpoint_dir, checkpoint and summary saving by steps, should_stop, OutOfRangeError ending the loop,
hooks' end, scaffold defaults shared per graph, errors."""
import os

import pytest

import kflow as kf


def _model():
    kf.reset_default_graph()
    step = kf.train.get_or_create_global_step()
    w = kf.Variable(0.0, name="w")
    loss = kf.square(w - 3.0)
    kf.summary.scalar("loss", loss)
    train = kf.train.GradientDescentOptimizer(0.1).minimize(loss, global_step=step)
    return step, w, train


def _events(directory):
    return [f for f in os.listdir(directory) if f.startswith("events.out.tfevents")]


def test_training_saves_restores_and_stops(tmp_path):
    step, w, train = _model()
    with kf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=4,
                                           save_summaries_steps=2,
                                           hooks=[kf.train.StopAtStepHook(last_step=10)]) as sess:
        runs = 0
        while not sess.should_stop():
            sess.run(train)
            runs += 1
        assert kf.get_default_graph().finalized
    assert runs == 10
    assert kf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-10")
    assert {int(p.rsplit("-", 1)[1]) for p in kf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths}\
        >= {8, 10}
    tags_steps = [(v.tag, e.step) for f in _events(str(tmp_path)) for e in
                  kf.train.summary_iterator(os.path.join(str(tmp_path), f)) if e.summary is not None
                  for v in e.summary.value]
    assert ("loss", 0) in tags_steps and ("loss", 2) in tags_steps
    w_after = kf.train.load_variable(str(tmp_path), "w")

    step, w, train = _model()  # a new program: restores step 10 and continues to 15
    with kf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path), save_checkpoint_steps=100,
                                           hooks=[kf.train.StopAtStepHook(last_step=15)]) as sess:
        assert sess.run(step) == 10 and sess.run(w) == pytest.approx(w_after)
        while not sess.should_stop():
            sess.run(train)
    assert kf.train.latest_checkpoint(str(tmp_path)).endswith("model.ckpt-15")  # saved by end()


def test_out_of_range_ends_the_with_block_and_runs_end_hooks():
    kf.reset_default_graph()
    data = kf.data.Dataset.range(3).make_one_shot_iterator().get_next()
    ended = []

    class Watch(kf.train.SessionRunHook):
        def end(self, session):
            ended.append(True)

    seen = []
    with kf.train.MonitoredSession(hooks=[Watch()]) as sess:
        while not sess.should_stop():
            seen.append(int(sess.run(data)))
    assert seen == [0, 1, 2] and ended == [True]


def test_other_errors_propagate_without_end_hooks():
    kf.reset_default_graph()
    x = kf.placeholder(kf.float32, [])
    double = x * 2.0
    ended = []

    class Watch(kf.train.SessionRunHook):
        def end(self, session):
            ended.append(True)

    with pytest.raises(kf.errors.InvalidArgumentError):
        with kf.train.MonitoredSession(hooks=[Watch()]) as sess:
            sess.run(double)  # x is not fed
    assert ended == []


def test_scaffold_init_fn_feed_and_defaults():
    kf.reset_default_graph()
    start = kf.placeholder(kf.float32, [])
    v = kf.Variable(start, name="v")
    other = kf.Variable(1.0, name="other")
    set_other = other.assign(7.0)
    calls = []
    scaffold = kf.train.Scaffold(init_feed_dict={start: 5.0},
                                 init_fn=lambda scaffold, sess: calls.append(sess.run(set_other)))
    with kf.train.SingularMonitoredSession(scaffold=scaffold) as sess:
        assert sess.run([v, other]) == [5.0, 7.0] and calls == [7.0]
        assert isinstance(sess.raw_session(), kf.Session)
    assert scaffold.finalized and isinstance(scaffold.saver, kf.train.Saver)
    assert kf.get_collection("savers") == [scaffold.saver] and scaffold.summary_op is None


def test_ready_op_failure_and_run_step_fn():
    kf.reset_default_graph()
    v = kf.Variable(1.0, name="v")
    kf.Variable(2.0, name="never")
    with pytest.raises(RuntimeError, match="did not make model ready.*never"):
        kf.train.MonitoredSession(session_creator=kf.train.ChiefSessionCreator(
            scaffold=kf.train.Scaffold(init_op=v.initializer)))
    kf.reset_default_graph()
    v = kf.Variable(1.0, name="v")
    with kf.train.MonitoredSession() as sess:
        def step(ctx):
            ctx.request_stop()
            return ctx.run_with_hooks(v) + ctx.session.run(v)
        assert sess.run_step_fn(step) == 2.0 and sess.should_stop()


def test_saving_hooks_need_a_global_step(tmp_path):
    kf.reset_default_graph()
    kf.Variable(1.0)
    with pytest.raises(RuntimeError, match="Global step should be created to use SummarySaverHook"):
        kf.train.MonitoredTrainingSession(checkpoint_dir=str(tmp_path))
    with pytest.raises(ValueError, match="is_chief"):
        kf.train.MonitoredTrainingSession(is_chief=False)
