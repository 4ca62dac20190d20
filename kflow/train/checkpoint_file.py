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

* root attribute ``kflow_checkpoint`` = format version (1), which marks the
  file as a kflow checkpoint, and ``global_step`` (int64) when known;
* group ``variables`` holding one dataset per variable, dtype and shape as
  given, keyed by the variable name without ``:0``. A "/" in the name is
  stored as "%2F" (and "%" as "%25"): nested groups cannot work because TF
  names a variable and its slots ``w``, ``w/Adam``, ``w/Adam_1``, which would
  make ``w`` both a dataset and a group. :func:`list_variables` and the
  readers give back the original names. ``kf.string`` values (arbitrary
  bytes) are variable-length uint8 datasets with attribute
  ``kflow_string`` = True; readers return them as object arrays of bytes.

Files are written to a temporary file in the same directory and moved into
place with ``os.replace``, so a crash or kill mid-write leaves the previous
file intact (at worst a hidden ``.NAME.*.tmp`` file stays behind).

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
import tempfile

import numpy as np

from kflow import errors
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

FORMAT_VERSION = 1
SUFFIX = ".h5"
_VERSION_ATTR = "kflow_checkpoint"
_STEP_ATTR = "global_step"
_GROUP = "variables"
_STRING_ATTR = "kflow_string"  # on datasets holding kf.string values


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


def write_checkpoint(path, name_to_array, global_step=None):
    """Writes variable values to an HDF5 checkpoint at ``path``, atomically.

    Args:
      path: the checkpoint path, e.g. ``"train/model.ckpt-100"``; the file is
        ``path + ".h5"`` (``path`` itself if it ends in ``.h5``). Its directory must exist.
      name_to_array: dict from variable name (``"dense/kernel:0"`` or
        ``"dense/kernel"``) to a numpy array, number or cupy array. Values are
        converted one at a time, while the file is being written.
      global_step: optional int stored as the file's ``global_step`` attribute.

    Returns:
      ``path``.

    Raises:
      kflow.errors.NotFoundError: if the parent directory does not exist.
      ValueError: if two names map to the same key (``"w"`` and ``"w:0"``).
      TypeError: if a value has a dtype HDF5 cannot hold (e.g. objects other than bytes/str).
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
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{os.path.basename(target)}.", suffix=".tmp")
    os.close(fd)
    try:
        with h5py.File(tmp, "w") as f:
            f.attrs[_VERSION_ATTR] = FORMAT_VERSION
            if global_step is not None:
                f.attrs[_STEP_ATTR] = np.int64(int(global_step))
            group = f.create_group(_GROUP)
            for key, name in keys.items():
                value = _to_numpy(name_to_array[name])
                try:
                    _write_dataset(group, _encode(key), value)
                except (TypeError, ValueError) as e:
                    raise TypeError(f"cannot store variable {key!r} (dtype {value.dtype}, "
                                    f"shape {value.shape}) in a checkpoint: {e}") from e
        fsync_path(tmp)  # data on disk before the rename makes it visible
        os.replace(tmp, target)
        fsync_path(parent)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    return path


def _write_dataset(group, name, value):
    if value.dtype.kind not in "OSU":
        group.create_dataset(name, data=value)
        return
    # kf.string values are arbitrary bytes (serialized protos hold NULs, which HDF5's variable-length
    # strings refuse): store each as a variable-length uint8 array, marked so reads give bytes back.
    vlen_bytes = h5py.vlen_dtype(np.uint8)
    data = np.empty(value.shape, dtype=vlen_bytes)  # this dtype keeps equal-length items from becoming an axis
    for index, item in np.ndenumerate(value):
        if isinstance(item, str):
            item = item.encode("utf-8")
        if not isinstance(item, (bytes, np.bytes_)):
            raise TypeError(f"string variables hold bytes or str, got {type(item).__name__}")
        data[index] = np.frombuffer(bytes(item), np.uint8)
    if data.size:
        dataset = group.create_dataset(name, data=data, dtype=vlen_bytes)
    else:
        dataset = group.create_dataset(name, shape=value.shape, dtype=vlen_bytes)
    dataset.attrs[_STRING_ATTR] = True


def _read_dataset(dataset):
    """A dataset's value; string variables come back as an object array of ``bytes``, as TF returns them."""
    value = dataset[...]
    if not dataset.attrs.get(_STRING_ATTR, False):
        return value
    out = np.empty(value.shape, dtype=object)
    for index, item in np.ndenumerate(value):
        out[index] = item.tobytes()
    return out


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
    """Opens a checkpoint for reading, turning every failure into a clear error."""

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
        except OSError as e:
            raise errors.DataLossError(None, None, f"{path}: corrupt checkpoint file ({e})") from e
        if _VERSION_ATTR not in self.file.attrs or _GROUP not in self.file:
            self.file.close()
            raise errors.NotFoundError(None, None, f"{path} is an HDF5 file but not a kflow checkpoint "
                                       f"(no '{_VERSION_ATTR}' attribute or '{_GROUP}' group)")
        return self.file

    def __exit__(self, *exc):
        self.file.close()


def read_checkpoint(path):
    """Reads every variable of a checkpoint.

    Args:
      path: a checkpoint path, or a directory (its latest checkpoint).

    Returns:
      dict from variable name (without ``:0``) to numpy array (0-d for scalars).

    Raises:
      kflow.errors.NotFoundError: missing file, or not a kflow checkpoint.
      kflow.errors.DataLossError: the file is corrupt.
    """
    with _Reader(path) as f:
        return {_decode(k): _read_dataset(ds) for k, ds in f[_GROUP].items()}


def list_variables(path):
    """Returns ``[(name, shape_list), ...]`` sorted by name, like TF's."""
    with _Reader(path) as f:
        return sorted((_decode(k), list(ds.shape)) for k, ds in f[_GROUP].items())


def load_variable(path, name):
    """Returns the value of one variable (``name`` with or without ``:0``).

    Raises:
      kflow.errors.NotFoundError: the checkpoint or the variable is missing.
    """
    key = variable_key(name)
    with _Reader(path) as f:
        group = f[_GROUP]
        if _encode(key) not in group:
            names = sorted(_decode(k) for k in group)
            shown = ", ".join(names[:20]) + (", ..." if len(names) > 20 else "")
            raise errors.NotFoundError(None, None, f"Key {key} not found in checkpoint {f.filename} "
                                       f"(it holds: {shown or 'no variables'})")
        return _read_dataset(group[_encode(key)])


def load_global_step(path):
    """The ``global_step`` stored with a checkpoint, or None."""
    with _Reader(path) as f:
        step = f.attrs.get(_STEP_ATTR)
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
