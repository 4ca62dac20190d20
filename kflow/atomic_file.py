"""Writing a file atomically: a hidden temporary file beside it, fsync, ``os.replace``.

A crash, a kill or a full disk mid-write leaves the previous file intact. A failed write
raises :class:`kflow.errors.FileWriteError` (an ``OSError``) naming the file and the cause
(h5py reports a full disk as ``RuntimeError: Can't decrement id ref count``), and removes
its temporary file. A process killed mid-write cannot remove its own, so each temporary
name carries the writer's pid, and the next successful write with the same prefix removes
the temporary files of processes that are gone (:func:`remove_stale_temp_files`).

Temporary files are created with mode 0o666, so the finished file honours the umask.

Example:
    >>> with atomic_write("run/model.ckpt-100", stale_prefix="model.ckpt") as tmp:
    ...     with h5py.File(tmp, "w") as f:
    ...         f["w"] = w
"""
import contextlib
import os
import re
import threading

from kflow import errors

_writing = set()  # temporary paths this process is writing now (other threads' saves are not stale)
_writing_lock = threading.Lock()
_TEMP_NAME = re.compile(r"\.(?P<base>.+)\.(?P<pid>\d+)\.[0-9a-f]{12}\.tmp")
_LEGACY_TEMP_NAME = re.compile(r"\.(?P<base>.+)\.[A-Za-z0-9_]{8}\.tmp")  # tempfile.mkstemp names of older kflow


def fsync_path(path):
    """Flushes a file (or a directory entry) to disk; best effort for directories."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # e.g. directories on Windows
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def temp_file(path, suffix=".tmp"):
    """Yields a new empty hidden file ``.NAME.PID.RANDOM<suffix>`` beside ``path``; removes it on exit if it
    is still there (it was not renamed into place). While it exists, no cleanup of this process removes it."""
    directory, base = os.path.split(os.path.abspath(os.fspath(path)))
    while True:
        tmp = os.path.join(directory, ".%s.%d.%s%s" % (base, os.getpid(), os.urandom(6).hex(), suffix))
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            break
        except FileExistsError:
            continue
    with _writing_lock:
        _writing.add(tmp)
    try:
        yield tmp
    finally:
        with _writing_lock:
            _writing.discard(tmp)
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_write(path, stale_prefix=None):
    """Yields a temporary path to write; on success moves it to ``path`` (durably).

    Args:
      path: the final file; its directory must exist.
      stale_prefix: after a successful write, remove the abandoned temporary files of names starting
        with this prefix in the same directory (default: ``path``'s own name).

    Raises:
      kflow.errors.FileWriteError: the write, the flush or the rename failed (disk full, permission,
        I/O error); the previous file at ``path`` is untouched.
    """
    path = os.fspath(path)
    try:
        with temp_file(path) as tmp:
            yield tmp
            fsync_path(tmp)  # data on disk before the rename makes it visible
            os.replace(tmp, path)
    except errors.FileWriteError:
        raise
    except (OSError, RuntimeError) as e:  # h5py raises RuntimeError for some failed writes
        raise errors.FileWriteError(path, e) from e
    directory = os.path.dirname(os.path.abspath(path))
    fsync_path(directory)
    remove_stale_temp_files(directory, os.path.basename(path) if stale_prefix is None else stale_prefix)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def remove_stale_temp_files(directory, prefix, suffix=".tmp"):
    """Removes the hidden temporary files ``.PREFIX*<suffix>`` in ``directory`` whose writer is gone.

    Returns:
      the removed paths.
    """
    removed = []
    try:
        names = os.listdir(directory)
    except OSError:
        return removed
    for name in names:
        if not (name.startswith("." + prefix) and name.endswith(suffix)):
            continue
        path = os.path.join(directory, name)
        stem = name[:-len(suffix)] + ".tmp"
        match = _TEMP_NAME.fullmatch(stem)
        if match is not None:
            with _writing_lock:
                busy = path in _writing
            pid = int(match.group("pid"))
            if busy or (pid != os.getpid() and _alive(pid)):
                continue
        elif _LEGACY_TEMP_NAME.fullmatch(stem) is None:
            continue
        try:
            os.remove(path)
            removed.append(path)
        except OSError:
            pass
    return removed
