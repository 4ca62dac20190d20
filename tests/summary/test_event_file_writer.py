"""FileWriter: file naming, header record, summaries/graphs/logs, flushing (queue, timer, exit), reopen, cache."""
import glob
import os
import re
import socket
import subprocess
import sys
import time

import numpy as np
import pytest

import kflow as kf
from kflow.summary.event_file_writer import FileWriterCache

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _events(logdir):
    (path,) = glob.glob(os.path.join(str(logdir), "events.out.tfevents.*"))
    return list(kf.train.summary_iterator(path))


def test_file_name_and_version_header(tmp_path):
    logdir = tmp_path / "new" / "run"
    with kf.summary.FileWriter(str(logdir), filename_suffix=".v2") as writer:
        assert writer.get_logdir() == str(logdir)
        name = os.path.basename(writer.path)
    assert re.fullmatch(r"events\.out\.tfevents\.\d{10}\.%s\.v2" % re.escape(socket.gethostname()), name)
    (header,) = _events(logdir)
    assert header.file_version == "brain.Event:2" and header.wall_time > 1e9


def test_two_writers_in_one_second_get_distinct_files(tmp_path):
    with kf.summary.FileWriter(str(tmp_path)) as a, kf.summary.FileWriter(str(tmp_path)) as b:
        assert a.path != b.path


def test_add_summary_bytes_proto_and_steps(tmp_path):
    x = kf.placeholder(kf.float32, [])
    merged = (kf.summary.scalar("loss", x), kf.summary.merge_all())[1]
    with kf.Session() as sess, kf.summary.FileWriter(str(tmp_path)) as writer:
        for step in range(3):
            writer.add_summary(sess.run(merged, {x: step * 0.5}), global_step=step)
        writer.add_summary(kf.Summary(value=[kf.Summary.Value(tag="manual", simple_value=0.0)]), 10)
        summary = kf.Summary()
        summary.value.add(tag="added", simple_value=2.5)
        writer.add_summary(summary.SerializeToString())
    events = _events(tmp_path)[1:]
    assert [(e.step, e.summary.value[0].tag, e.summary.value[0].simple_value) for e in events] == [
        (0, "loss", 0.0), (1, "loss", 0.5), (2, "loss", 1.0), (10, "manual", 0.0), (0, "added", 2.5)]
    assert all(e.WhichOneof("what") == "summary" for e in events)
    assert events[0].wall_time <= events[-1].wall_time


def test_graph_session_log_and_event(tmp_path):
    with kf.name_scope("layer"):
        kf.Variable(np.zeros(2, np.float32), name="w")
    with kf.summary.FileWriter(str(tmp_path), graph=kf.get_default_graph()) as writer:
        writer.add_session_log(kf.SessionLog(status=kf.SessionLog.START), global_step=5)
        writer.add_event(kf.Event(wall_time=3.0, step=6, file_version="custom"))
        writer.add_run_metadata(b"meta", "step6", 6)
        with pytest.raises(TypeError, match="SessionLog"):
            writer.add_session_log("start")
        with pytest.raises(ValueError, match="only graph"):
            writer.add_graph(kf.get_default_graph(), graph_def=kf.GraphDef())
    header, graph, log, event, meta = _events(tmp_path)
    names = [n.name for n in kf.GraphDef.FromString(graph.graph_def).node]
    assert "layer/w" in names and "layer/w/Assign" in names
    assert (log.step, log.session_log.status) == (5, kf.SessionLog.START)
    assert (event.wall_time, event.file_version) == (3.0, "custom")
    assert meta.tagged_run_metadata.tag == "step6" and meta.tagged_run_metadata.run_metadata == b"meta"


def test_events_reach_the_file_on_flush_and_every_max_queue(tmp_path):
    writer = kf.summary.FileWriter(str(tmp_path), max_queue=3, flush_secs=3600)
    value = kf.Summary(value=[kf.Summary.Value(tag="t", simple_value=1.0)])
    writer.add_summary(value, 1)
    assert len(_events(tmp_path)) == 1  # only the header so far: still buffered
    writer.add_summary(value, 2)
    writer.add_summary(value, 3)
    assert len(_events(tmp_path)) == 4  # the third pending event pushed the queue out
    writer.add_summary(value, 4)
    writer.flush()
    assert len(_events(tmp_path)) == 5
    writer.close()


def test_background_thread_flushes_every_flush_secs(tmp_path):
    writer = kf.summary.FileWriter(str(tmp_path), max_queue=1000, flush_secs=0.05)
    writer.add_summary(kf.Summary(value=[kf.Summary.Value(tag="t", simple_value=1.0)]), 1)
    deadline = time.time() + 5
    while len(_events(tmp_path)) < 2 and time.time() < deadline:
        time.sleep(0.02)
    assert len(_events(tmp_path)) == 2
    writer.close()


def test_closed_writer_warns_and_reopen_starts_a_new_file(tmp_path):
    writer = kf.summary.FileWriter(str(tmp_path))
    writer.close()
    writer.close()  # idempotent
    with pytest.warns(RuntimeWarning, match="closed FileWriter"):
        writer.add_summary(kf.Summary(), 1)
    first = writer.path
    writer.reopen()
    writer.add_summary(kf.Summary(value=[kf.Summary.Value(tag="t", simple_value=1.0)]), 2)
    writer.close()
    assert writer.path != first and len(glob.glob(str(tmp_path / "events.*"))) == 2
    assert len(list(kf.train.summary_iterator(writer.path))) == 2


def test_unclosed_writer_is_flushed_at_interpreter_exit(tmp_path):
    code = ("import kflow as kf\n"
            "w = kf.summary.FileWriter(%r, flush_secs=3600, max_queue=100)\n"
            "w.add_summary(kf.Summary(value=[kf.Summary.Value(tag='t', simple_value=1.0)]), 7)\n"
            "KEEP = w\n" % str(tmp_path))
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO, timeout=60)
    events = _events(tmp_path)
    assert events[-1].step == 7 and events[-1].summary.value[0].tag == "t"


def test_file_writer_cache(tmp_path):
    try:
        a = FileWriterCache.get(str(tmp_path))
        assert FileWriterCache.get(str(tmp_path)) is a
    finally:
        FileWriterCache.clear()
    assert a._closed
    assert FileWriterCache.get(str(tmp_path)) is not a
    FileWriterCache.clear()
