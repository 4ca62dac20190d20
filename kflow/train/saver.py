"""``kf.train.Saver``: saves and restores variables to HDF5 checkpoints, keeping the last ``max_to_keep``.

A save reads the variables' values with one pre-existing fetch (their read
snapshots), writes them atomically with :mod:`kflow.train.checkpoint_file`
(one dataset per variable, keyed by the name without ``:0``), then records
the checkpoint in the directory's ``checkpoint`` state file (TF's text format)
and deletes checkpoints beyond ``max_to_keep``: the state file never names a
deleted file, and a crash at any point leaves the previous checkpoint
readable. A restore checks every variable against the file first, reporting
all missing keys and shape/dtype mismatches at once, then loads the values
with ``Variable.load``. Neither adds ops, so saving every epoch never grows
the graph (and works on a finalized graph).

Example:
    >>> saver = kf.train.Saver(max_to_keep=3)
    >>> with kf.Session() as sess:
    ...     sess.run(kf.global_variables_initializer())
    ...     path = saver.save(sess, "run/model.ckpt", global_step=100)   # "run/model.ckpt-100"
    >>> with kf.Session() as sess:
    ...     saver.restore(sess, kf.train.latest_checkpoint("run"))
"""
import difflib
import numbers
import os
import time

import numpy as np

from kflow import errors
from kflow.engine import execution_mode, graph as graph_mod
from kflow.engine.variables import Variable, as_variable, global_variables
from kflow.train import checkpoint_file as ckpt
from kflow.train import checkpoint_reader
from kflow.train.meta_graph_export import describe_variable, export_meta_graph
from kflow.train.tf_checkpoint import write_bundle

_GLOBAL_STEP_KEY = "global_step"


def _now():
    return time.time()


class Saver:
    """Saves and restores variables (``tf.train.Saver``).

    Args:
        var_list: None (all global variables, which include optimizer slots and the global step), a
            list of variables, or a dict from checkpoint key to variable.
        max_to_keep: checkpoints kept; older ones are deleted. None or 0 keeps all (and the state file
            then names only the latest).
        keep_checkpoint_every_n_hours: additionally keep one checkpoint per this many hours for ever.
        save_relative_paths: accepted for TF compatibility; checkpoints inside the state file's
            directory are always recorded relative to it, so the directory can be moved.
        defer_build: resolve ``var_list=None`` at the first save/restore instead of now.
        allow_empty: allow a Saver with no variables (its save/restore do nothing).
        format: ``"hdf5"`` (default: one ``PREFIX.h5`` file) or ``"tf"`` (TensorFlow's ``PREFIX.index`` +
            ``PREFIX.data-00000-of-00001``, which ``tf.train.load_checkpoint`` reads). ``restore``
            reads either.

    The remaining TF arguments (reshape, sharded, name, restore_sequentially, saver_def, builder,
    write_version, pad_step_number, filename) are accepted and ignored.
    """

    def __init__(self, var_list=None, reshape=False, sharded=False, max_to_keep=5,
                 keep_checkpoint_every_n_hours=10000.0, name=None, restore_sequentially=False, saver_def=None,
                 builder=None, defer_build=False, allow_empty=False, write_version=2, pad_step_number=False,
                 save_relative_paths=False, filename=None, format="hdf5"):
        if format not in ("hdf5", "tf"):
            raise ValueError("Saver format must be 'hdf5' or 'tf', got %r" % (format,))
        self._format = format
        self._var_list_arg = var_list
        self._max_to_keep = max_to_keep
        self._keep_every_secs = float(keep_checkpoint_every_n_hours) * 3600.0
        self._next_checkpoint_time = _now() + self._keep_every_secs
        self._allow_empty = allow_empty
        self._last_checkpoints = []  # [(path, save time)], oldest first
        self._to_delete = []  # evicted by max_to_keep, deleted once the state file no longer names them
        self._built = False
        if not defer_build:
            self.build()

    # ---- building ----------------------------------------------------------------
    def build(self):
        """Resolves the variables to save (done at construction unless ``defer_build=True``)."""
        if self._built:
            return
        self._vars = _saveables(self._var_list_arg)
        if not self._vars and not self._allow_empty:
            raise ValueError("No variables to save")
        graphs = {v.graph for v in self._vars.values()}
        if len(graphs) > 1:
            raise ValueError("Saver var_list mixes variables of different graphs: %s"
                             % ", ".join(v.name for v in self._vars.values()))
        self._graph = graphs.pop() if graphs else graph_mod.get_default_graph()
        # The variables' own read snapshots: fetching this tuple reuses one cached plan, adding no ops.
        self._fetch = tuple(v.value() for v in self._vars.values())
        self._built = True

    @property
    def last_checkpoints(self):
        """The kept checkpoint paths, oldest first."""
        return [p for p, _ in self._last_checkpoints]

    def set_last_checkpoints(self, last_checkpoints):
        """Replaces the kept-checkpoint list (paths, oldest first), e.g. to resume ``max_to_keep`` bookkeeping."""
        self._last_checkpoints = [(os.fspath(p), _now()) for p in last_checkpoints]

    def set_last_checkpoints_with_time(self, last_checkpoints_with_time):
        self._last_checkpoints = [(os.fspath(p), float(t)) for p, t in last_checkpoints_with_time]

    def recover_last_checkpoints(self, checkpoint_paths):
        """Takes over existing checkpoints (e.g. ``get_checkpoint_state(d).all_model_checkpoint_paths``)."""
        self._last_checkpoints = [(p, ckpt.checkpoint_mtime(p))
                                  for p in map(os.fspath, checkpoint_paths) if ckpt.checkpoint_exists(p)]

    # ---- saving ------------------------------------------------------------------
    def save(self, sess, save_path, global_step=None, latest_filename=None, meta_graph_suffix="meta",
             write_meta_graph=True, write_state=True, strip_default_attrs=False, save_debug_info=False):
        """Saves the variables' values in ``sess`` and returns the checkpoint path.

        Args:
            sess: the Session holding the values.
            save_path: checkpoint path prefix, e.g. ``"run/model.ckpt"``; its directory must exist.
            global_step: optional int, or a variable/tensor (evaluated in ``sess``); the path becomes
                ``"run/model.ckpt-STEP"`` and the step is recorded in the file.
            latest_filename: state file name (default ``"checkpoint"``), in the checkpoint's directory.
            write_state: update the state file and delete checkpoints beyond ``max_to_keep``.
            write_meta_graph: also write the graph, its collections and this Saver as ``PATH.meta``
                (``kf.train.import_meta_graph`` reads it; kflow's own format, see
                :mod:`kflow.train.meta_graph_export`), as TF1 does by default.
            meta_graph_suffix: the meta graph file's extension.
            strip_default_attrs, save_debug_info: accepted for TF compatibility.

        Raises:
            ValueError: the directory of ``save_path`` does not exist.
            FailedPreconditionError: a variable is not initialized in ``sess``.
            kflow.errors.FileWriteError: writing failed (e.g. disk full); the previous checkpoint is intact.
        """
        self.build()
        self._check_session(sess)
        if latest_filename is not None and os.path.basename(latest_filename) != latest_filename:
            raise ValueError("'latest_filename' must not contain path components: %r" % latest_filename)
        save_path = os.fspath(save_path)
        if global_step is not None:
            if not isinstance(global_step, numbers.Integral):
                global_step = sess.run(global_step)
            global_step = int(global_step)
            path = "%s-%d" % (save_path, global_step)
        else:
            path = save_path
        save_dir = os.path.dirname(path)
        if not os.path.isdir(save_dir or "."):
            raise ValueError("Parent directory of %s doesn't exist, can't save." % path)
        if not self._vars:
            return None  # an empty Saver (allow_empty=True) saves nothing, as in TF
        values = dict(zip(self._vars, sess.run(self._fetch)))
        if self._format == "tf":
            write_bundle(path, values)
        else:
            # a successful save also removes the temporary files that killed saves of this prefix left
            ckpt.write_checkpoint(path, values, global_step=_step_to_record(global_step, values),
                                  stale_prefix=os.path.basename(save_path))
        if write_meta_graph and not execution_mode.mode.eager:  # (as TF: eager variables make no graph)
            self.export_meta_graph("%s.%s" % (path, meta_graph_suffix))
        if write_state:
            self._record_last_checkpoint(path)
            ckpt.update_checkpoint_state(save_dir or ".", path, self.last_checkpoints or [path], latest_filename)
            self._delete_old_checkpoints()
        return path

    def as_saver_def(self):
        """This Saver as data (its variables, by checkpoint key, and settings): ``import_meta_graph`` rebuilds it."""
        self.build()
        return {"variables": {key: describe_variable(v) for key, v in self._vars.items()},
                "max_to_keep": self._max_to_keep, "format": self._format,
                "keep_checkpoint_every_n_hours": self._keep_every_secs / 3600.0}

    def export_meta_graph(self, filename=None, collection_list=None, as_text=False, export_scope=None,
                          clear_devices=False, clear_extraneous_savers=False, strip_default_attrs=False,
                          save_debug_info=False):
        """Writes this Saver's graph, its collections and this Saver to the meta graph file ``filename``."""
        if export_scope:
            raise ValueError("Saver.export_meta_graph: export_scope is not supported by kflow")
        self.build()
        return export_meta_graph(filename, saver_def=self.as_saver_def(), collection_list=collection_list,
                                 as_text=as_text, graph=self._graph, clear_devices=clear_devices)

    def _record_last_checkpoint(self, path):
        if not self._max_to_keep:
            return
        self._last_checkpoints = [(p, t) for p, t in self._last_checkpoints if p != path]
        self._last_checkpoints.append((path, _now()))
        while len(self._last_checkpoints) > self._max_to_keep:
            self._to_delete.append(self._last_checkpoints.pop(0))

    def _delete_old_checkpoints(self):
        # Runs after the state file stopped naming them, so a crash never leaves it naming a missing file.
        while self._to_delete:
            path, saved_at = self._to_delete.pop(0)
            if saved_at > self._next_checkpoint_time:  # keep one checkpoint per keep_checkpoint_every_n_hours
                self._next_checkpoint_time += self._keep_every_secs
                continue
            ckpt.remove_checkpoint(path)
            if os.path.isfile(path + ".meta"):
                os.remove(path + ".meta")  # the meta graph written with it

    # ---- restoring -----------------------------------------------------------------
    def restore(self, sess, save_path):
        """Loads the saved values into the variables of ``sess`` (initialized or not).

        Raises:
            ValueError: ``save_path`` is None, a directory, or no file.
            DataLossError: the file is damaged (a checksum, truncation, not HDF5), naming it and the variable.
            NotFoundError: variables missing from the checkpoint (all are listed, with close names).
            InvalidArgumentError: shape or dtype mismatches (all are listed).
        """
        self.build()
        self._check_session(sess)
        if not self._vars:
            return
        if save_path is None:
            raise ValueError("Can't load save_path when it is None.")
        save_path = os.fspath(save_path)
        if os.path.isdir(save_path):
            latest = ckpt.latest_checkpoint(save_path)
            raise ValueError("The passed save_path is a directory, not a checkpoint: %s%s" % (
                save_path, "; its latest checkpoint is %s (kf.train.latest_checkpoint(dir))" % latest
                if latest else ""))
        if os.path.isfile(save_path) and not ckpt.checkpoint_exists(save_path):
            raise errors.DataLossError(None, None, "Unable to open checkpoint %s: not an HDF5 file (damaged, or "
                                       "not a kflow checkpoint)" % save_path)
        if not ckpt.checkpoint_exists(save_path):
            raise ValueError("The passed save_path is not a valid checkpoint: %s%s" % (save_path,
                                                                                   _similar_files_hint(save_path)))
        stored = checkpoint_reader.read_checkpoint(save_path)
        missing, mismatched = self._problems(stored)
        if missing or mismatched:
            lines = missing + mismatched
            exc = errors.NotFoundError if missing else errors.InvalidArgumentError
            raise exc(None, None, "Restoring from checkpoint %s failed: %d of %d variables do not match it "
                      "(did the graph change since the checkpoint was written?):\n  %s" % (
                          save_path, len(lines), len(self._vars), "\n  ".join(lines)))
        for key, var in self._vars.items():
            var.load(stored[key], sess)

    def _problems(self, stored):
        missing, mismatched = [], []
        for key, var in self._vars.items():
            if key not in stored:
                missing.append("Key '%s' (variable %s) not found in checkpoint%s"
                               % (key, var.name, _did_you_mean(key, stored, stored)))
                continue
            value = stored[key]
            want_dtype = np.dtype(var.dtype.as_numpy_dtype)
            if not var.shape.is_compatible_with(value.shape):
                # Layers built in another order shift names (dense <-> dense_1): offer same-shape keys.
                fitting = {k: v for k, v in stored.items() if k != key and var.shape.is_compatible_with(v.shape)}
                mismatched.append("Shape mismatch for '%s': the variable has shape %s, the checkpoint %s%s"
                                  % (key, var.shape, list(value.shape), _did_you_mean(key, fitting, stored)))
            elif value.dtype != want_dtype:
                mismatched.append("Dtype mismatch for '%s': the variable is %s, the checkpoint holds %s"
                                  % (key, var.dtype.name, value.dtype))
        return missing, mismatched

    def _check_session(self, sess):
        if sess is None or not hasattr(sess, "run"):
            raise TypeError("Saver needs a kf.Session, got %r" % (sess,))
        if self._vars and sess.graph is not self._graph:
            raise ValueError("The Saver's variables belong to another graph than the session's; build the "
                             "Saver after the model, in the session's graph.")


def _did_you_mean(key, candidates, stored):
    """`` (did you mean 'a' [shape] or ...?)`` naming up to 3 keys of ``candidates`` close to ``key``, or ""."""
    close = difflib.get_close_matches(key, list(candidates), n=3, cutoff=0.6)
    if not close:
        return ""
    return " (did you mean %s?)" % " or ".join("'%s' %s" % (c, list(stored[c].shape)) for c in close)


def _step_to_record(global_step, values):
    """The step stored in the file: the given one, else the value of a saved integer "global_step"."""
    if global_step is not None:
        return global_step
    value = np.asarray(values.get(_GLOBAL_STEP_KEY, 0.5))
    return int(value) if value.ndim == 0 and np.issubdtype(value.dtype, np.integer) else None


def _saveables(var_list):
    """An ordered {checkpoint key: Variable} from None, a list, or a dict."""
    if var_list is None:
        var_list = global_variables()
    if isinstance(var_list, dict):
        items = [(str(k), _as_saveable(v)) for k, v in var_list.items()]
    else:
        items = []
        for v in var_list:
            v = _as_saveable(v)
            items.append((ckpt.variable_key(v.name), v))
    out = {}
    for key, var in items:
        if key in out:
            raise ValueError("At least two variables have the same name: %s" % key)
        out[key] = var
    return out


def _as_saveable(v):
    if isinstance(v, Variable):
        return v
    try:
        return as_variable(v)
    except TypeError:
        raise TypeError("Saver var_list entries must be variables, got %r" % (v,)) from None


def _similar_files_hint(path):
    directory = os.path.dirname(path) or "."
    try:
        names = [n for n in os.listdir(directory) if not n.startswith(".")]
    except OSError:
        return " (its directory does not exist)"
    close = difflib.get_close_matches(os.path.basename(path), names, n=3, cutoff=0.6)
    return " (did you mean %s?)" % " or ".join(repr(os.path.join(directory, c)) for c in close) if close else ""
