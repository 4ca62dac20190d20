"""kf.logging: levels, verbosity, log_every_n / log_first_n, where records go."""
import subprocess
import sys

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


def test_verbosity_filters_messages(caplog, verbosity):
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
    messages = caplog.messages
    assert "hidden 1" not in messages and "shown 2" in messages
    for text in ("debug x", "info", "warning", "error", "fatal", "logged y"):
        assert text in messages


def test_log_every_n_and_first_n(caplog, verbosity):
    kf.logging.set_verbosity(kf.logging.INFO)
    for i in range(7):
        kf.logging.log_every_n(kf.logging.INFO, "every %d", 3, i)
    for i in range(5):
        kf.logging.log_first_n(kf.logging.INFO, "first %d", 2, i)
    assert caplog.messages == ["every 0", "every 3", "every 6", "first 0", "first 1"]


def test_task_level_status_message_logs_at_error(caplog):
    kf.logging.TaskLevelStatusMessage("task 3 done")
    assert ("kflow", kf.logging.ERROR, "task 3 done") in caplog.record_tuples


def _stderr_of(program):
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stderr


def test_unconfigured_root_gets_kflow_records_on_stderr_once():
    err = _stderr_of("import kflow as kf; kf.logging.warning('careful %d', 1)")
    assert err.splitlines() == ["WARNING:kflow:careful 1"]


def test_configured_root_gets_kflow_records_through_its_own_handler_only():
    # The application's format, not kflow's, and no second copy from kflow's own handler; child loggers too.
    err = _stderr_of("import logging; import kflow as kf; logging.basicConfig(format='app|%(name)s|%(message)s');"
                     "kf.logging.warning('careful'); logging.getLogger('kflow.estimator').warning('step 1')")
    assert err.splitlines() == ["app|kflow|careful", "app|kflow.estimator|step 1"]
