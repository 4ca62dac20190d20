"""The ``checkpoint`` state file: which checkpoints a model directory holds.

TF keeps, next to the checkpoints, a small text file (a ``CheckpointState``
protocol buffer in text format) naming the latest checkpoint and all the
ones still kept, oldest first::

    model_checkpoint_path: "model.ckpt-200"
    all_model_checkpoint_paths: "model.ckpt-100"
    all_model_checkpoint_paths: "model.ckpt-200"

Paths of checkpoints inside the directory are written relative to it, so the
directory can be moved; :func:`get_checkpoint_state` joins them back. The file
is replaced atomically (temporary file + ``os.replace``), so readers see the
old state or the new one, never a torn write.

Example:
    >>> update_checkpoint_state("run", "run/model.ckpt-200",
    ...                         ["run/model.ckpt-100", "run/model.ckpt-200"])
    >>> get_checkpoint_state("run").model_checkpoint_path
    'run/model.ckpt-200'
"""
import codecs
import os
import re
import warnings

from kflow.proto.text_format import quote
from kflow.atomic_file import atomic_write

STATE_FILENAME = "checkpoint"

_STRING_FIELDS = ("model_checkpoint_path", "all_model_checkpoint_paths")
_FLOAT_FIELDS = ("all_model_checkpoint_timestamps", "last_preserved_timestamp")
_LINE = re.compile(r"^\s*([A-Za-z_]\w*)\s*:\s*(.*?)\s*$")


class CheckpointState:
    """The parsed state file (TF's ``CheckpointState`` message).

    Attributes:
      model_checkpoint_path: the latest checkpoint path.
      all_model_checkpoint_paths: all kept checkpoint paths, oldest first.
      all_model_checkpoint_timestamps: save times (seconds) matching the paths.
      last_preserved_timestamp: time of the last checkpoint kept for ever.
    """

    def __init__(self, model_checkpoint_path="", all_model_checkpoint_paths=(),
                 all_model_checkpoint_timestamps=(), last_preserved_timestamp=0.0):
        self.model_checkpoint_path = model_checkpoint_path
        self.all_model_checkpoint_paths = list(all_model_checkpoint_paths)
        self.all_model_checkpoint_timestamps = [float(t) for t in all_model_checkpoint_timestamps]
        self.last_preserved_timestamp = float(last_preserved_timestamp)

    def __eq__(self, other):
        return isinstance(other, CheckpointState) and vars(self) == vars(other)

    def __repr__(self):
        return (f"CheckpointState(model_checkpoint_path={self.model_checkpoint_path!r}, "
                f"all_model_checkpoint_paths={self.all_model_checkpoint_paths!r})")

    def to_text(self):
        """Serializes in protobuf text format, as TF writes the file."""
        lines = [f"model_checkpoint_path: {quote(self.model_checkpoint_path)}"]
        lines += [f"all_model_checkpoint_paths: {quote(p)}" for p in self.all_model_checkpoint_paths]
        lines += [f"all_model_checkpoint_timestamps: {t!r}" for t in self.all_model_checkpoint_timestamps]
        if self.last_preserved_timestamp:
            lines.append(f"last_preserved_timestamp: {self.last_preserved_timestamp!r}")
        return "\n".join(lines) + "\n"

    @classmethod
    def from_text(cls, text):
        """Parses the text format; raises ValueError naming the bad line."""
        state = cls()
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            match = _LINE.match(line)
            if not match:
                raise ValueError(f"line {number}: expected 'field: value', got {line!r}")
            field, value = match.groups()
            try:
                if field in _STRING_FIELDS:
                    value = _unquote(value)
                elif field in _FLOAT_FIELDS:
                    value = float(value)
                else:
                    continue  # fields from newer writers: skip, as TF skips unknown ones
            except ValueError as e:
                raise ValueError(f"line {number}: bad value for {field}: {e}") from e
            if field.startswith("all_"):
                getattr(state, field).append(value)
            else:
                setattr(state, field, value)
        return state


def _unquote(token):
    if len(token) < 2 or token[0] not in "\"'" or token[-1] != token[0]:
        raise ValueError(f"expected a quoted string, got {token}")
    try:
        return codecs.escape_decode(token[1:-1].encode("utf-8"))[0].decode("utf-8")
    except (ValueError, UnicodeDecodeError) as e:
        raise ValueError(f"bad escape in {token}: {e}") from e


def state_file_path(checkpoint_dir, latest_filename=None):
    """The path of the state file in ``checkpoint_dir``."""
    return os.path.join(os.fspath(checkpoint_dir), latest_filename or STATE_FILENAME)


def _stored_path(path, directory):
    # Inside the directory: store the bare name so the directory can move.
    path = os.fspath(path)
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(directory):
        return os.path.basename(path)
    return os.path.abspath(path)


def update_checkpoint_state(save_dir, model_checkpoint_path, all_model_checkpoint_paths=None,
                            latest_filename=None, all_model_checkpoint_timestamps=None,
                            last_preserved_timestamp=None):
    """Atomically (re)writes the state file of ``save_dir``.

    Args:
      save_dir: the model directory (must exist).
      model_checkpoint_path: the latest checkpoint path.
      all_model_checkpoint_paths: kept checkpoint paths, oldest first; the
        latest is appended if it is not last (as TF does). Default: only it.
      latest_filename: state file name, default ``"checkpoint"``.
      all_model_checkpoint_timestamps: optional save times matching the paths.
      last_preserved_timestamp: optional, see :class:`CheckpointState`.

    Raises:
      RuntimeError: if the state file would overwrite a checkpoint.
    """
    save_dir = os.fspath(save_dir)
    paths = list(all_model_checkpoint_paths or [])
    if not paths or paths[-1] != model_checkpoint_path:
        paths.append(model_checkpoint_path)
    target = state_file_path(save_dir, latest_filename)
    for p in paths:
        if os.path.abspath(os.fspath(p)) == os.path.abspath(target):
            raise RuntimeError(f"Save path '{p}' conflicts with path used for checkpoint state. "
                               "Please use a different save path.")
    state = CheckpointState(_stored_path(model_checkpoint_path, save_dir),
                            [_stored_path(p, save_dir) for p in paths],
                            all_model_checkpoint_timestamps or (), last_preserved_timestamp or 0.0)
    with atomic_write(target) as tmp:
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(state.to_text())


def get_checkpoint_state(checkpoint_dir, latest_filename=None):
    """Reads the state file of ``checkpoint_dir``.

    Relative paths in the file are joined to ``checkpoint_dir``.

    Returns:
      A :class:`CheckpointState`, or None when there is no state file, or when
      it is malformed (a warning names the file, as TF logs one).
    """
    checkpoint_dir = os.fspath(checkpoint_dir)
    path = state_file_path(checkpoint_dir, latest_filename)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return None
    try:
        state = CheckpointState.from_text(data.decode("utf-8"))
        if not state.model_checkpoint_path:
            raise ValueError("no model_checkpoint_path")
    except (ValueError, UnicodeDecodeError) as e:
        warnings.warn(f"{path}: malformed checkpoint state file ({e}); ignored", RuntimeWarning)
        return None

    def join(p):
        return p if os.path.isabs(p) else os.path.join(checkpoint_dir, p)

    state.model_checkpoint_path = join(state.model_checkpoint_path)
    state.all_model_checkpoint_paths = [join(p) for p in state.all_model_checkpoint_paths]
    return state
