"""``kf.logging``: TF1's logging module, over Python's ``logging`` (logger "kflow").

The default verbosity is WARN, as TF1's; ``set_verbosity(kf.logging.INFO)`` shows ``info`` messages.
Records propagate to the root logger, as TensorFlow's do, so an application's logging configuration (and pytest's
``caplog``) sees them; kflow writes them to stderr itself only while the root logger has no handler, so they are
neither lost nor printed twice.

Example:
    >>> kf.logging.set_verbosity(kf.logging.INFO)
    >>> kf.logging.info("step %d: loss %.3f", 100, 0.25)
    >>> kf.logging.log_every_n(kf.logging.INFO, "every tenth call", 10)
"""
import logging
import sys
import threading

DEBUG = logging.DEBUG
INFO = logging.INFO
WARN = logging.WARN
ERROR = logging.ERROR
FATAL = logging.FATAL

_logger = logging.getLogger("kflow")


class _StderrHandler(logging.StreamHandler):
    """Writes to the current ``sys.stderr`` (looked up per record, so redirections and test captures see it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, value):
        pass


class _WhileRootUnconfigured(logging.Filter):
    """Passes records only while the root logger has no handler (checked per record: configuration can come later)."""

    def filter(self, record):
        return not logging.getLogger().handlers


_handler = _StderrHandler()
_handler.addFilter(_WhileRootUnconfigured())
_handler.setFormatter(logging.Formatter("%(levelname)s:kflow:%(message)s"))
_logger.addHandler(_handler)
_logger.setLevel(WARN)

_counts = {}  # call site -> calls so far (log_every_n / log_first_n)
_counts_lock = threading.Lock()


def get_logger():
    """The ``logging.Logger`` kflow logs to."""
    return _logger


def set_verbosity(level):
    """Messages below ``level`` (DEBUG, INFO, WARN, ERROR, FATAL) are dropped."""
    _logger.setLevel(level)


def get_verbosity():
    return _logger.getEffectiveLevel()


def log(level, msg, *args, **kwargs):
    _logger.log(level, msg, *args, **kwargs)


def debug(msg, *args, **kwargs):
    _logger.debug(msg, *args, **kwargs)


def info(msg, *args, **kwargs):
    _logger.info(msg, *args, **kwargs)


def warning(msg, *args, **kwargs):
    _logger.warning(msg, *args, **kwargs)


warn = warning


def error(msg, *args, **kwargs):
    _logger.error(msg, *args, **kwargs)


def fatal(msg, *args, **kwargs):
    """Logs at FATAL (TF1's ``logging.fatal`` logs; it does not exit)."""
    _logger.critical(msg, *args, **kwargs)


def TaskLevelStatusMessage(msg):  # noqa: N802 - TF's name
    """TF1 logs task status messages at ERROR level."""
    error(msg)


def vlog(level, msg, *args, **kwargs):
    _logger.log(level, msg, *args, **kwargs)


def _call_count():
    """How many times the calling line (two frames up) has asked, this one included."""
    frame = sys._getframe(2)
    key = (frame.f_code.co_filename, frame.f_lineno)
    with _counts_lock:
        _counts[key] = _counts.get(key, 0) + 1
        return _counts[key]


def log_every_n(level, msg, n, *args):
    """Logs on the 1st, (n+1)th, (2n+1)th... call from one line of code."""
    if (_call_count() - 1) % max(int(n), 1) == 0:
        _logger.log(level, msg, *args)


def log_first_n(level, msg, n, *args):
    """Logs only the first ``n`` calls from one line of code."""
    if _call_count() <= n:
        _logger.log(level, msg, *args)


def log_if(level, msg, condition, *args):
    if condition:
        _logger.log(level, msg, *args)


def flush():
    _handler.flush()
