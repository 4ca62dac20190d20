"""Reading checkpoints of either format: kflow's HDF5 files and TensorFlow's TensorBundles.

``kf.train.load_checkpoint(path)`` (alias ``NewCheckpointReader``) returns a :class:`CheckpointReader` with
TF's methods; ``list_variables``, ``load_variable`` and ``read_checkpoint`` work on both formats, and
``Saver.restore`` uses them, so weights trained in TensorFlow load into kflow. A path is a checkpoint
prefix (``run/model.ckpt-100``) or a directory (its latest checkpoint). A prefix with ``.index`` is read as
TensorFlow's format; anything else as kflow's HDF5 (:mod:`kflow.train.checkpoint_file`).

Example:
    >>> reader = kf.train.load_checkpoint("tf_run")          # written by tf.compat.v1.train.Saver
    >>> reader.get_variable_to_shape_map()["dense/kernel"]
    [784, 10]
    >>> w = reader.get_tensor("dense/kernel")
"""
import difflib
import os

from kflow import errors
from kflow.engine import dtypes
from kflow.train import checkpoint_file as h5_checkpoint
from kflow.train.tf_checkpoint import Bundle, is_bundle
from kflow.train.tf_checkpoint.bundle import DT_STRING


def _resolve(path):
    path = os.fspath(path)
    if os.path.isdir(path):
        latest = h5_checkpoint.latest_checkpoint(path)
        if latest is None:
            raise errors.NotFoundError(None, None, "No checkpoint found in directory %s (no 'checkpoint' state "
                                       "file naming an existing checkpoint)" % path)
        return latest
    return path


class CheckpointReader:
    """Reads the tensors of one checkpoint (``tf.train.load_checkpoint`` / ``NewCheckpointReader``).

    Args:
      path: a checkpoint prefix or a directory (its latest checkpoint).

    Raises:
      kflow.errors.NotFoundError: no checkpoint at ``path``.
      kflow.errors.DataLossError: the checkpoint is corrupt (the message names the file).
    """

    def __init__(self, path):
        self.path = _resolve(path)
        if is_bundle(self.path):
            self._bundle = Bundle(self.path)
            self._shapes = {k: list(e.shape) for k, e in self._bundle.entries.items()}
            self._dtypes = {k: dtypes.as_dtype(e.numpy_dtype()) if e.dtype != DT_STRING else dtypes.string
                            for k, e in self._bundle.entries.items()}
            self._values = None
        else:
            if not h5_checkpoint.checkpoint_exists(self.path):
                raise errors.NotFoundError(None, None, "Unsuccessful checkpoint read: no checkpoint at %s (neither "
                                           "kflow's %s nor TensorFlow's %s.index)"
                                           % (self.path, h5_checkpoint.data_file(self.path), self.path))
            self._bundle = None
            self._values = h5_checkpoint.read_checkpoint(self.path)
            self._shapes = {k: list(v.shape) for k, v in self._values.items()}
            self._dtypes = {k: dtypes.string if v.dtype == object else dtypes.as_dtype(v.dtype)
                            for k, v in self._values.items()}

    @property
    def format(self):
        """``"tf"`` for a TensorFlow checkpoint, ``"hdf5"`` for kflow's."""
        return "tf" if self._bundle is not None else "hdf5"

    def has_tensor(self, name):
        return h5_checkpoint.variable_key(name) in self._shapes

    def get_tensor(self, name):
        """The value of tensor ``name`` (with or without ``:0``) as a numpy array."""
        key = h5_checkpoint.variable_key(name)
        if key not in self._shapes:
            close = difflib.get_close_matches(key, list(self._shapes), n=3, cutoff=0.6)
            raise errors.NotFoundError(None, None, "Key %s not found in checkpoint %s%s" % (
                key, self.path, " (did you mean %s?)" % " or ".join(map(repr, close)) if close else ""))
        return self._bundle.tensor(key) if self._bundle is not None else self._values[key]

    def get_variable_to_shape_map(self):
        return {k: list(v) for k, v in self._shapes.items()}

    def get_variable_to_dtype_map(self):
        return dict(self._dtypes)

    def read_all(self):
        """``{name: array}`` for every tensor."""
        return {k: self.get_tensor(k) for k in self._shapes}

    def debug_string(self):
        return "".join("%s (%s) %s\n" % (k, self._dtypes[k].name, self._shapes[k]) for k in sorted(self._shapes))


def load_checkpoint(ckpt_dir_or_file):
    """A :class:`CheckpointReader` for a checkpoint prefix or a directory's latest checkpoint."""
    return CheckpointReader(ckpt_dir_or_file)


NewCheckpointReader = load_checkpoint


def read_checkpoint(path):
    """``{name: array}`` of every variable of a checkpoint in either format."""
    return CheckpointReader(path).read_all()


def list_variables(ckpt_dir_or_file):
    """``[(name, shape), ...]`` sorted by name, as ``tf.train.list_variables``."""
    return sorted(CheckpointReader(ckpt_dir_or_file).get_variable_to_shape_map().items())


def load_variable(ckpt_dir_or_file, name):
    """The value of one variable, as ``tf.train.load_variable``."""
    return CheckpointReader(ckpt_dir_or_file).get_tensor(name)
