"""``kf.gfile`` / ``kf.io.gfile``: TF's file API over the local file system.

Missing files raise ``kf.errors.NotFoundError`` and existing targets ``AlreadyExistsError``, as TF's do; files
are created with the process umask.

Example:
    >>> kf.gfile.MakeDirs("/tmp/run/logs")
    >>> with kf.gfile.GFile("/tmp/run/notes.txt", "w") as f:
    ...     f.write("hello")
    >>> kf.gfile.Glob("/tmp/run/*.txt")
    ['/tmp/run/notes.txt']
"""
import collections
import glob as _glob
import os
import shutil

from kflow import errors

FileStatistics = collections.namedtuple("FileStatistics", ["length", "mtime_nsec", "is_directory"])


def _not_found(path, what="file or directory"):
    return errors.NotFoundError(None, None, "%s: no such %s" % (path, what))


class GFile:
    """A file object (``read``, ``readline``, ``write``, iteration, ``size``, ``seek``/``tell``, context manager).

    Args:
        name: the path.
        mode: as ``open``'s: "r"/"w"/"a" give text (``str``), with "b" bytes.

    Raises:
        NotFoundError: reading a file that does not exist.
    """

    def __init__(self, name, mode="r"):
        self.name = os.fspath(name)
        self.mode = mode
        try:
            self._f = open(self.name, mode)
        except FileNotFoundError:
            raise _not_found(self.name, "file") from None

    def read(self, n=-1):
        return self._f.read(n)

    def readline(self):
        return self._f.readline()

    def readlines(self):
        return self._f.readlines()

    def write(self, data):
        if "b" not in self.mode and isinstance(data, bytes):
            data = data.decode("utf-8")
        elif "b" in self.mode and isinstance(data, str):
            data = data.encode("utf-8")
        self._f.write(data)

    def seek(self, offset, whence=0):
        return self._f.seek(offset, whence)

    def tell(self):
        return self._f.tell()

    def size(self):
        return os.path.getsize(self.name)

    def flush(self):
        self._f.flush()

    def close(self):
        self._f.close()

    def __iter__(self):
        return iter(self._f)

    def __next__(self):
        return next(self._f)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


Open = GFile
FastGFile = GFile


def Exists(path):  # noqa: N802 - TF's names
    return os.path.exists(path)


def IsDirectory(path):  # noqa: N802
    return os.path.isdir(path)


def MakeDirs(path):  # noqa: N802
    """Creates ``path`` and its missing parents; an existing directory is fine."""
    os.makedirs(path, exist_ok=True)


def MkDir(path):  # noqa: N802
    """Creates the directory ``path``, whose parent must exist.

    Raises:
        AlreadyExistsError: ``path`` exists.
        NotFoundError: the parent does not exist.
    """
    try:
        os.mkdir(path)
    except FileExistsError:
        raise errors.AlreadyExistsError(None, None, "%s: file or directory already exists" % path) from None
    except FileNotFoundError:
        raise _not_found(os.path.dirname(os.fspath(path)) or ".", "parent directory") from None


def Glob(pattern):  # noqa: N802
    """Paths matching ``pattern`` (sorted)."""
    return sorted(_glob.glob(os.fspath(pattern)))


def ListDirectory(path):  # noqa: N802
    """Names (not paths) of the entries of directory ``path``."""
    if not os.path.isdir(path):
        raise _not_found(path, "directory")
    return sorted(os.listdir(path))


def Remove(path):  # noqa: N802
    try:
        os.remove(path)
    except FileNotFoundError:
        raise _not_found(path, "file") from None


def DeleteRecursively(path):  # noqa: N802
    """Deletes a directory tree (or a file)."""
    if not os.path.exists(path):
        raise _not_found(path)
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    else:
        os.remove(path)


def Copy(oldpath, newpath, overwrite=False):  # noqa: N802
    """Copies file ``oldpath`` to ``newpath``.

    Raises:
        AlreadyExistsError: ``newpath`` exists and ``overwrite`` is false.
        NotFoundError: ``oldpath`` does not exist.
    """
    if not os.path.exists(oldpath):
        raise _not_found(oldpath, "file")
    if os.path.exists(newpath) and not overwrite:
        raise errors.AlreadyExistsError(None, None, "%s: file already exists (pass overwrite=True)" % newpath)
    shutil.copyfile(oldpath, newpath)


def Rename(oldname, newname, overwrite=False):  # noqa: N802
    """Moves ``oldname`` to ``newname`` (``AlreadyExistsError`` when it exists, unless ``overwrite``)."""
    if not os.path.exists(oldname):
        raise _not_found(oldname)
    if os.path.exists(newname) and not overwrite:
        raise errors.AlreadyExistsError(None, None, "%s: file already exists (pass overwrite=True)" % newname)
    os.replace(oldname, newname)


def Walk(top, in_order=True):  # noqa: N802
    """Yields ``(dirname, subdir_names, file_names)``, top-down when ``in_order``; nothing for a missing ``top``."""
    for dirname, subdirs, files in os.walk(top, topdown=in_order):
        yield dirname, sorted(subdirs), sorted(files)


def Stat(path):  # noqa: N802
    """A ``FileStatistics(length, mtime_nsec, is_directory)`` of ``path``."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _not_found(path) from None
    return FileStatistics(st.st_size, st.st_mtime_ns, os.path.isdir(path))


# TF 2 / tf.io.gfile spellings of the same functions
exists, isdir, makedirs, mkdir, glob, listdir = Exists, IsDirectory, MakeDirs, MkDir, Glob, ListDirectory
remove, rmtree, copy, rename, walk, stat = Remove, DeleteRecursively, Copy, Rename, Walk, Stat
