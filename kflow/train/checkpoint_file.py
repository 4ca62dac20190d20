"""Checkpoint data files: variable values in one HDF5 file per checkpoint.

TF1 names a checkpoint by a prefix such as ``model.ckpt-100`` and stores it in
``model.ckpt-100.index`` plus data shards. kflow stores the whole checkpoint in
one HDF5 file, ``model.ckpt-100.h5``, and is named by the same prefix as in TF:
``Saver.save`` returns it, the ``checkpoint`` state file records it, ``restore``
takes it. The ``.h5`` suffix keeps TensorFlow's tools from taking the file for
one of theirs (TF's ``latest_checkpoint`` accepts any existing file named by
the prefix). A path that already ends in ``.h5`` is used as it is, and files
written by older kflow at the bare prefix are still read.

Layout (readable with plain h5py):

* root attribute ``kflow_checkpoint`` = format version (2), which marks the
  file as a kflow checkpoint, and ``global_step`` (int64) when known;
* group ``variables`` holding one dataset per variable, dtype and shape as
  given, keyed by the variable name without ``:0``. A "/" in the name is
  stored as "%2F" (and "%" as "%25"): nested groups cannot work because TF
  names a variable and its slots ``w``, ``w/Adam``, ``w/Adam_1``, which would
  make ``w`` both a dataset and a group. :func:`list_variables` and the
  readers give back the original names;
* ``kf.string`` values (arbitrary bytes) are one flat uint8 dataset holding,
  for each element in C order, its uint64 little-endian length and its bytes;
  attributes ``kflow_string`` = True and ``shape`` (int64) give the shape back.
  Every read is bounded by the dataset's size (variable-length HDF5 strings
  made a damaged file spin for minutes);
* each dataset has attribute ``crc32c`` (uint32): the CRC-32C (Castagnoli) of
  the UTF-8 descriptor ``"<name>:<dtype>(<shape>)"`` (e.g.
  ``"dense/kernel:<f4(784, 10)"``, ``"names:string(2,)"``) followed by the
  value's C-order little-endian bytes (for strings, the stored uint8 array),
  as TF keeps a CRC-32C per tensor; a damaged name, dtype or shape fails it
  too. A mismatch on reading is a DataLossError naming file and variable.

Files are written to a temporary file in the same directory and moved into
place with ``os.replace`` (:mod:`kflow.train.atomic_file`), so a crash or
kill mid-write leaves the previous file intact, and the hidden ``.NAME.*.tmp``
files killed writers leave behind are removed by the next successful save.
A damaged file gives a DataLossError naming it, never a raw h5py error.

The ``checkpoint`` state file lives in :mod:`kflow.train.checkpoint_state`;
its functions are re-exported here, with :func:`latest_checkpoint`, which
needs both.

Example:
    >>> write_checkpoint("/tmp/run/model.ckpt-100",       # writes /tmp/run/model.ckpt-100.h5
    ...                  {"dense/kernel:0": w, "global_step:0": 100}, global_step=100)
    >>> list_variables("/tmp/run/model.ckpt-100")
    [('dense/kernel', [784, 10]), ('global_step', [])]
    >>> load_variable("/tmp/run/model.ckpt-100", "dense/kernel").shape
    (784, 10)
"""
import os
import struct
import sys

import numpy as np
from crc32c import crc32c

from kflow import errors
from kflow.atomic_file import atomic_write
from kflow.lazy_import import lazy_module
# Re-exported: the Saver needs the data files and the state file together.
from kflow.train.checkpoint_state import (CheckpointState, get_checkpoint_state,
                                          update_checkpoint_state)
from kflow.train.tf_checkpoint import bundle as tf_bundle

h5py = lazy_module("h5py")  # imported when a checkpoint is first read or written, not by `import kflow`

__all__ = [
    "write_checkpoint", "read_checkpoint", "list_variables", "load_variable", "load_global_step",
    "checkpoint_exists", "checkpoint_files", "checkpoint_mtime", "remove_checkpoint", "data_file",
    "latest_checkpoint", "variable_key",
    # from checkpoint_state:
    "CheckpointState", "get_checkpoint_state", "update_checkpoint_state",
]

FORMAT_VERSION = 2  # 1: no checksums, variable-length strings (still read)
SUFFIX = ".h5"
_VERSION_ATTR = "kflow_checkpoint"
_STEP_ATTR = "global_step"
_GROUP = "variables"
_STRING_ATTR = "kflow_string"  # on datasets holding kf.string values
_SHAPE_ATTR = "shape"  # the shape of a string variable (its dataset is flat)
_CRC_ATTR = "crc32c"
_LENGTH = struct.Struct("<Q")


def variable_key(name):
    """The checkpoint key of a variable: its name without the ``:0`` suffix."""
    name = str(name)
    return name[:-2] if name.endswith(":0") else name


def data_file(path):
    """The HDF5 file of checkpoint ``path``: ``path.h5``, or ``path`` itself when it ends in ``.h5`` or is an
    HDF5 file written by kflow before the suffix (and no ``path.h5`` exists)."""
    path = os.fspath(path)
    if path.endswith(SUFFIX) or (not os.path.exists(path + SUFFIX) and os.path.isfile(path)):
        return path
    return path + SUFFIX


def _encode(key):
    # HDF5 forbids "/" inside a link name and gives "." a meaning.
    encoded = key.replace("%", "%25").replace("/", "%2F")
    return "%2E" if encoded == "." else encoded


def _decode(stored):
    return stored.replace("%2E", ".").replace("%2F", "/").replace("%25", "%")


def _to_numpy(value):
    if hasattr(value, "__cuda_array_interface__") and hasattr(value, "get"):
        value = value.get()  # cupy array: copy to the host
    return np.asarray(value)


def write_checkpoint(path, name_to_array, global_step=None, stale_prefix=None):
    """Writes variable values to an HDF5 checkpoint at ``path``, atomically.

    Args:
      path: the checkpoint path, e.g. ``"train/model.ckpt-100"``; the file is
        ``path + ".h5"`` (``path`` itself if it ends in ``.h5``). Its directory must exist.
      name_to_array: dict from variable name (``"dense/kernel:0"`` or
        ``"dense/kernel"``) to a numpy array, number or cupy array. Values are
        converted one at a time, while the file is being written.
      global_step: optional int stored as the file's ``global_step`` attribute.
      stale_prefix: after the write, remove abandoned temporary files of names starting with this
        prefix (the Saver passes its save path's name, so ``model.ckpt-*`` saves clean each other's).

    Returns:
      ``path``.

    Raises:
      kflow.errors.NotFoundError: if the parent directory does not exist.
      ValueError: if two names map to the same key (``"w"`` and ``"w:0"``).
      TypeError: if a value has a dtype HDF5 cannot hold (e.g. objects other than bytes/str).
      kflow.errors.FileWriteError: the write failed (e.g. disk full); the previous file is intact.
    """
    path = os.fspath(path)
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise errors.NotFoundError(None, None, f"Parent directory of {path} doesn't exist, can't save.")
    keys = {}
    for name in name_to_array:
        key = variable_key(name)
        if not key:
            raise ValueError("checkpoint variable names must not be empty")
        if key in keys:
            raise ValueError(f"variables {keys[key]!r} and {name!r} share the checkpoint key {key!r}")
        keys[key] = name
    target = path if path.endswith(SUFFIX) else path + SUFFIX
    with atomic_write(target, stale_prefix=stale_prefix) as tmp:
        with h5py.File(tmp, "w") as f:
            f.attrs[_VERSION_ATTR] = FORMAT_VERSION
            if global_step is not None:
                f.attrs[_STEP_ATTR] = np.int64(int(global_step))
            group = f.create_group(_GROUP)
            for key, name in keys.items():
                value = _to_numpy(name_to_array[name])
                try:
                    _write_dataset(group, key, value)
                except (TypeError, ValueError) as e:
                    raise TypeError(f"cannot store variable {key!r} (dtype {value.dtype}, "
                                    f"shape {value.shape}) in a checkpoint: {e}") from e
    return path


def _checksum(descriptor, data):
    return np.uint32(crc32c(np.ascontiguousarray(data), crc32c(descriptor.encode("utf-8"))))


def _little_endian(value):
    return value.astype(value.dtype.newbyteorder("<"), copy=False)


def array_checksum(name, value):
    """The ``crc32c`` attribute of a numeric array stored under ``name`` (also used for Keras weights)."""
    value = _little_endian(np.asarray(value))
    return _checksum(f"{name}:{value.dtype.str}{value.shape}", value)


def _write_dataset(group, key, value):
    name = _encode(key)
    if value.dtype.kind not in "OSU":
        if value.dtype.kind not in "biufc":
            raise TypeError(f"dtype {value.dtype} is not a numeric dtype")
        dataset = group.create_dataset(name, data=_little_endian(value))
        dataset.attrs[_CRC_ATTR] = array_checksum(key, value)
        return
    # kf.string values are arbitrary bytes: length-prefixed in one flat uint8 array, so reads are bounded.
    pieces = []
    for item in value.reshape(-1):
        if isinstance(item, str):
            item = item.encode("utf-8")
        if not isinstance(item, (bytes, np.bytes_)):
            raise TypeError(f"string variables hold bytes or str, got {type(item).__name__}")
        pieces += [_LENGTH.pack(len(item)), bytes(item)]
    data = np.frombuffer(b"".join(pieces), np.uint8)
    dataset = group.create_dataset(name, data=data)
    dataset.attrs[_STRING_ATTR] = True
    dataset.attrs[_SHAPE_ATTR] = np.array(value.shape, np.int64)
    dataset.attrs[_CRC_ATTR] = _checksum(f"{key}:string{value.shape}", data)


def _damaged(path, key, reason):
    return errors.DataLossError(None, None, f"{path}: damaged checkpoint: variable {key!r}: {reason}")


def _read_dataset(dataset, path, key, version, file_size):
    """A dataset's value, verified; string variables come back as an object array of ``bytes``, as TF
    returns them.

    Raises:
      kflow.errors.DataLossError: the dataset is damaged (checksum, size, layout), naming file and variable.
    """
    is_string = bool(dataset.attrs.get(_STRING_ATTR, False))
    if version == 1 and is_string:  # legacy: variable-length uint8 items
        value = dataset[...]
        out = np.empty(value.shape, dtype=object)
        for index, item in np.ndenumerate(value):
            out[index] = item.tobytes()
        return out
    if dataset.dtype.kind not in "biufc":
        raise _damaged(path, key, f"stored dtype {dataset.dtype} is not numeric")
    if dataset.size * dataset.dtype.itemsize > file_size:  # a damaged shape: refuse before allocating
        raise _damaged(path, key, f"shape {dataset.shape} x {dataset.dtype.itemsize} bytes exceeds the "
                       f"file size ({file_size} bytes)")
    value = dataset[...]
    if version == 1:
        return value
    stored = dataset.attrs.get(_CRC_ATTR)
    if is_string:
        shape = tuple(int(d) for d in np.asarray(dataset.attrs.get(_SHAPE_ATTR, [-1])).reshape(-1))
        computed = _checksum(f"{key}:string{shape}", value)
    else:
        computed = array_checksum(key, value)
    stored = np.asarray(stored if stored is not None else []).reshape(-1)
    if stored.size != 1 or stored.dtype.kind not in "iu":
        raise _damaged(path, key, f"its '{_CRC_ATTR}' attribute is missing or malformed")
    if int(stored[0]) != int(computed):
        raise _damaged(path, key, f"CRC-32C mismatch (stored 0x{int(stored[0]) & 0xFFFFFFFF:08x}, "
                       f"computed 0x{int(computed):08x})")
    return _strings(value, shape, path, key) if is_string else value


def _strings(data, shape, path, key):
    """The object array of ``bytes`` from a length-prefixed uint8 array (lengths checked against the data)."""
    if any(d < 0 for d in shape):
        raise _damaged(path, key, f"invalid string shape {shape}")
    count = int(np.prod(shape, dtype=object))
    raw = data.tobytes()
    if count * _LENGTH.size > len(raw):
        raise _damaged(path, key, f"{count} strings cannot fit in {len(raw)} bytes")
    out = np.empty(count, dtype=object)
    pos = 0
    for i in range(count):
        if pos + _LENGTH.size > len(raw):
            raise _damaged(path, key, f"string {i} starts past the data's end")
        (length,) = _LENGTH.unpack_from(raw, pos)
        pos += _LENGTH.size
        if length > len(raw) - pos:
            raise _damaged(path, key, f"string {i} announces {length} bytes, {len(raw) - pos} are left")
        out[i] = raw[pos:pos + length]
        pos += length
    if pos != len(raw):
        raise _damaged(path, key, f"{len(raw) - pos} bytes follow the last string")
    return out.reshape(shape)


def _resolve(path):
    """A directory stands for its latest checkpoint, as in TF's readers."""
    path = os.fspath(path)
    if os.path.isdir(path):
        latest = latest_checkpoint(path)
        if latest is None:
            raise errors.NotFoundError(None, None, f"No checkpoint found in directory {path} "
                                       "(no 'checkpoint' state file naming an existing checkpoint)")
        return latest
    return path


class _Reader:
    """Opens a checkpoint for reading; any failure inside becomes a kflow error naming the file."""

    def __init__(self, path):
        self.path = data_file(_resolve(path))

    def __enter__(self):
        path = self.path
        if not os.path.isfile(path):
            raise errors.NotFoundError(None, None, f"Failed to find any matching files for {path} "
                                       "(no such checkpoint file)")
        if not h5py.is_hdf5(path):
            raise errors.NotFoundError(None, None, f"{path} is not a kflow checkpoint (not an HDF5 file; "
                                       "kf.train.load_checkpoint reads TensorFlow's format too)")
        try:
            self.file = h5py.File(path, "r")
        except Exception as e:  # h5py raises OSError, RuntimeError, ... for damaged files
            raise errors.DataLossError(None, None, f"{path}: corrupt checkpoint file ({e})") from e
        try:
            self._check_layout()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def _check_layout(self):
        has_version, has_group = _VERSION_ATTR in self.file.attrs, _GROUP in self.file
        if not has_version and not has_group:
            raise errors.NotFoundError(None, None, f"{self.path} is an HDF5 file but not a kflow checkpoint "
                                       f"(no '{_VERSION_ATTR}' attribute or '{_GROUP}' group)")
        version = self.file.attrs.get(_VERSION_ATTR)
        if not has_group or np.ndim(version) != 0 or int(version) not in (1, FORMAT_VERSION):
            raise errors.DataLossError(None, None, f"{self.path}: damaged checkpoint: format version {version!r}, "
                                       f"'{_GROUP}' group {'present' if has_group else 'missing'}")
        self.version = int(version)
        self.size = os.path.getsize(self.path)
        self.group = self.file[_GROUP]

    def keys(self):
        return [_decode(k) for k in self.group]

    def __contains__(self, key):
        return _encode(key) in self.group

    def read(self, key):
        return _read_dataset(self.group[_encode(key)], self.path, key, self.version, self.size)

    def shape(self, key):
        dataset = self.group[_encode(key)]
        if self.version != 1 and dataset.attrs.get(_STRING_ATTR, False):
            return [int(d) for d in np.asarray(dataset.attrs[_SHAPE_ATTR]).reshape(-1)]
        return list(dataset.shape)

    def __exit__(self, exc_type, exc, tb):
        try:
            self.file.close()
        except Exception:
            pass
        if exc is not None and not isinstance(exc, (errors.OpError, KeyboardInterrupt, GeneratorExit)) and \
                isinstance(exc, Exception):
            # h5py reports damage as TypeError, RuntimeError ("bad heap free list"), KeyError, OSError, ...
            raise errors.DataLossError(None, None, f"{self.path}: damaged checkpoint "
                                       f"({type(exc).__name__}: {exc})") from exc


def read_checkpoint(path):
    """Reads every variable of a checkpoint.

    Args:
      path: a checkpoint path, or a directory (its latest checkpoint).

    Returns:
      dict from variable name (without ``:0``) to numpy array (0-d for scalars).

    Raises:
      kflow.errors.NotFoundError: missing file, or not a kflow checkpoint.
      kflow.errors.DataLossError: the file is damaged (checksum, truncation, layout), naming the file and,
        when known, the variable.
    """
    with _Reader(path) as reader:
        return {key: reader.read(key) for key in reader.keys()}


def list_variables(path):
    """Returns ``[(name, shape_list), ...]`` sorted by name, like TF's."""
    with _Reader(path) as reader:
        return sorted((key, reader.shape(key)) for key in reader.keys())


def load_variable(path, name):
    """Returns the value of one variable (``name`` with or without ``:0``).

    Raises:
      kflow.errors.NotFoundError: the checkpoint or the variable is missing.
      kflow.errors.DataLossError: the variable's data is damaged.
    """
    key = variable_key(name)
    with _Reader(path) as reader:
        if key not in reader:
            names = sorted(reader.keys())
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint {reader.path} "
                                       f"(it holds: {shown or 'no variables'})")
        return reader.read(key)


def load_global_step(path):
    """The ``global_step`` stored with a checkpoint, or None."""
    with _Reader(path) as reader:
        step = reader.file.attrs.get(_STEP_ATTR)
        return None if step is None else int(step)


def checkpoint_exists(path):
    """True if ``path`` names an existing checkpoint: kflow's HDF5 file or TensorFlow's ``path.index``."""
    path = os.fspath(path)
    h5 = data_file(path)
    return (os.path.isfile(h5) and h5py.is_hdf5(h5)) or tf_bundle.is_bundle(path)


def checkpoint_files(path):
    """The existing files of checkpoint ``path``: its HDF5 file, or TensorFlow's index and data shard."""
    path = os.fspath(path)
    names = (data_file(path), tf_bundle.index_path(path), tf_bundle.data_path(path, 0, 1))
    return [name for name in names if os.path.isfile(name)]


def checkpoint_mtime(path):
    """When checkpoint ``path`` was last written (its newest file's modification time).

    Raises:
      FileNotFoundError: the checkpoint has no files.
    """
    files = checkpoint_files(path)
    if not files:
        raise FileNotFoundError("no checkpoint files for %s" % path)
    return max(map(os.path.getmtime, files))


def remove_checkpoint(path):
    """Deletes a checkpoint's files; a missing checkpoint is not an error."""
    for name in checkpoint_files(path):
        try:
            os.remove(name)
        except FileNotFoundError:
            pass


def latest_checkpoint(checkpoint_dir, latest_filename=None):
    """The latest checkpoint path of a directory, or None.

    Args:
      checkpoint_dir: the model directory.
      latest_filename: state file name, default ``"checkpoint"``.

    Returns:
      The path named by the state file (joined to ``checkpoint_dir``), which
      can be passed to ``Saver.restore`` or :func:`read_checkpoint`; None if
      there is no state file or the checkpoint it names no longer exists.
    """
    state = get_checkpoint_state(checkpoint_dir, latest_filename)
    if state is None or not checkpoint_exists(state.model_checkpoint_path):
        return None
    return state.model_checkpoint_path
