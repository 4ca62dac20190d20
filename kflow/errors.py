"""TF1-compatible error classes (``kf.errors``).

Every error raised while running a graph derives from :class:`OpError`, which
carries the operation (when known) and a message that names the tensors,
shapes and dtypes involved.

Example:
    >>> try:
    ...     sess.run(y)
    ... except kf.errors.InvalidArgumentError as e:
    ...     print(e.message)
"""


class OpError(Exception):
    """Base class of errors raised while running (or building) a graph."""

    def __init__(self, node_def=None, op=None, message=""):
        super().__init__(message)
        self.node_def = node_def
        self.op = op
        self.message = message

    def __str__(self):
        return self.message


class CancelledError(OpError):
    pass


class UnknownError(OpError):
    pass


class InvalidArgumentError(OpError):
    pass


class NotFoundError(OpError):
    pass


class AlreadyExistsError(OpError):
    pass


class FailedPreconditionError(OpError):
    pass


class OutOfRangeError(OpError):
    pass


class UnimplementedError(OpError):
    pass


class InternalError(OpError):
    pass


class DataLossError(OpError):
    pass


class ResourceExhaustedError(OpError):
    pass


class FileWriteError(OSError):
    """Writing a file failed (disk full, permission, I/O error); ``filename`` names it, ``cause`` is the
    underlying error. The file's previous version, if any, is intact (kflow writes files atomically)."""

    def __init__(self, filename, cause):
        errno = getattr(cause, "errno", None)
        super().__init__(errno, "Failed to write %s: %s: %s (the previous file, if any, is intact)"
                         % (filename, type(cause).__name__, cause), filename)
        self.cause = cause

    def __str__(self):
        return self.strerror


# queue-based input and RunOptions deadlines (issue 16)
class DeadlineExceededError(OpError):
    """An operation ran past its deadline (``RunOptions(timeout_in_ms=...)``)."""
