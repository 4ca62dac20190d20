"""kf.logging: levels, verbosity, log_every_n / log_first_n."""
import pytest

import kflow as kf


@pytest.fixture
def verbosity():
    saved = kf.logging.get_verbosity()
    yield
    kf.logging.set_verbosity(saved)


def test_levels_match_tf1():
    assert (kf.logging.DEBUG, kf.logging.INFO, kf.logging.WARN, kf.logging.ERROR, kf.logging.FATAL) == \
        (10, 20, 30, 40, 50)


def test_verbosity_filters_messages(capsys, verbosity):
    kf.logging.set_verbosity(kf.logging.WARN)
    assert kf.logging.get_verbosity() == kf.logging.WARN
    kf.logging.info("hidden %d", 1)
    kf.logging.warn("shown %d", 2)
    kf.logging.set_verbosity(kf.logging.DEBUG)
    kf.logging.debug("debug %s", "x")
    kf.logging.info("info")
    kf.logging.warning("warning")
    kf.logging.error("error")
    kf.logging.fatal("fatal")
    kf.logging.log(kf.logging.INFO, "logged %s", "y")
    err = capsys.readouterr().err
    assert "hidden" not in err and "shown 2" in err
    for text in ("debug x", "info", "warning", "error", "fatal", "logged y"):
        assert text in err


def test_log_every_n_and_first_n(capsys, verbosity):
    kf.logging.set_verbosity(kf.logging.INFO)
    for i in range(7):
        kf.logging.log_every_n(kf.logging.INFO, "every %d", 3, i)
    for i in range(5):
        kf.logging.log_first_n(kf.logging.INFO, "first %d", 2, i)
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":")[-1] for line in lines] == ["every 0", "every 3", "every 6", "first 0", "first 1"]


def test_task_level_status_message_logs_at_error(capsys):
    kf.logging.TaskLevelStatusMessage("task 3 done")
    assert "ERROR:kflow:task 3 done" in capsys.readouterr().err
