"""Locating, downloading and loading an image dataset stored as IDX files.

MNIST and Fashion-MNIST ship as four IDX files (train/test images/labels).
Each file is looked for, in order:

1. in ``path``, when the caller passes a directory (nothing else is tried then:
   an explicit location should fail loudly rather than trigger a download);
2. in ``$KFLOW_DATA_DIR/<name>/`` (e.g. ``$KFLOW_DATA_DIR/mnist/``);
3. in the cache, ``$KFLOW_CACHE_DIR/datasets/<name>/`` (default
   ``~/.kflow/datasets/<name>/``);
4. on the mirrors (argument ``mirrors``, else the ``$KFLOW_<NAME>_MIRROR``
   variable, else the module's ``MIRRORS`` list), downloaded into the cache;
5. when all of that fails and no ``path`` was given, in the small subset shipped
   inside kflow (:mod:`kflow.datasets.embedded`), if the dataset has one; one line
   on stderr says so. ``embedded=True`` asks for the subset directly,
   ``embedded=False`` forbids the fallback.

Files may be gzipped (``name.gz``) or raw (``name``).

Example:
    >>> MNIST = IdxDataset("mnist", "kflow.datasets.mnist", md5={...}, mirror_env="KFLOW_MNIST_MIRROR")
    >>> (x_train, y_train), (x_test, y_test) = MNIST.load(("train", "test"))
"""
import dataclasses
import os
import re
import sys

import numpy as np

from kflow import errors
from kflow.datasets import download, idx

DATA_DIR_ENV = "KFLOW_DATA_DIR"
CACHE_DIR_ENV = "KFLOW_CACHE_DIR"


def cache_dir(name):
    """The cache directory of dataset ``name``: ``$KFLOW_CACHE_DIR/datasets/<name>``.

    Without ``KFLOW_CACHE_DIR`` the root is ``~/.kflow`` (as Keras uses ``~/.keras``).
    """
    root = os.environ.get(CACHE_DIR_ENV) or os.path.join(os.path.expanduser("~"), ".kflow")
    return os.path.join(root, "datasets", name)


# The file names MNIST introduced and Fashion-MNIST kept, so it could drop in for MNIST.
MNIST_LAYOUT_SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                       "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


@dataclasses.dataclass(frozen=True)
class IdxDataset:
    """Describes one IDX image-classification dataset and loads it.

    Attributes:
      name: folder name under ``$KFLOW_DATA_DIR`` and the cache, e.g. "mnist".
      module: the public module, named in error messages.
      md5: file name -> MD5 of its decompressed content, checked on download.
      mirror_env: environment variable that overrides the mirror list.
      splits: split name -> (images file, labels file), names without ".gz" (MNIST's names by default).
      num_classes: labels must lie in ``[0, num_classes)``.
      image_shape: the shape of one image.
      subset: the :class:`kflow.datasets.embedded.EmbeddedSubset` shipped with kflow, or None.
    """

    name: str
    module: str
    md5: dict
    mirror_env: str
    splits: dict = dataclasses.field(default_factory=lambda: dict(MNIST_LAYOUT_SPLITS))
    num_classes: int = 10
    image_shape: tuple = (28, 28)
    subset: object = None

    def load(self, splits, path=None, mirrors=None, default_mirrors=(), embedded=None):
        """Loads the given splits.

        Args:
          splits: split names, e.g. ``("train", "test")``.
          path: None, a directory holding the files, or a Keras-style ``.npz``.
          mirrors: base URLs to download from, or None for the default.
          default_mirrors: used when neither ``mirrors`` nor the env var is set.
          embedded: None falls back to :attr:`subset` when the files are neither
            found nor downloadable and no ``path`` names a location; True loads
            the subset at once; False never uses it.

        Returns:
          A list with one ``(images, labels)`` pair of uint8 arrays per split.

        Raises:
          kflow.errors.NotFoundError: a file is missing and could not be fetched
            (and there is no fallback), or ``embedded=True`` without a subset.
          idx.IdxFormatError: a file is malformed.
          ValueError: an unknown split, or ``embedded=True`` with a ``path``.
        """
        for split in splits:
            if split not in self.splits:
                raise ValueError(f"{self.name} has splits {sorted(self.splits)}, not {split!r}")
        if embedded:
            if _names_location(path):
                raise ValueError(f"{self.name}: pass either path={path!r} or embedded=True, not both")
            return self._load_embedded(splits)
        try:
            return self._load_found(splits, path, mirrors, default_mirrors)
        except errors.NotFoundError as missing:
            # An explicit location fails loudly, like an explicit embedded=False.
            if embedded is not None or self.subset is None or _names_location(path):
                raise
            print(self._fallback_notice(missing), file=sys.stderr)
            return self._load_embedded(splits)

    def _load_found(self, splits, path, mirrors, default_mirrors):
        if _names_location(path):
            path = os.path.expanduser(os.fspath(path))
            if os.path.isfile(path) and path.endswith(".npz"):
                return self._load_npz(path, splits)
            if os.path.isdir(path):
                return [self._read_split(s, self._find_all(s, [(path, "path argument")])) for s in splits]
            raise errors.NotFoundError(
                None, None, f"{self.name}: path={path!r} is neither a directory holding "
                f"the IDX files nor a .npz file.\n{self._how_to_fix()}")
        places = self._search_dirs()
        found = {s: self._find_all(s, places, missing_ok=True) for s in splits}
        missing = [f for s in splits for f, p in zip(self.splits[s], found[s]) if p is None]
        if missing:
            self._download(missing, places, mirrors, default_mirrors, splits)
            found = {s: self._find_all(s, places) for s in splits}
        return [self._read_split(s, found[s]) for s in splits]

    def _load_embedded(self, splits):
        if self.subset is None:
            raise errors.NotFoundError(None, None, f"{self.name}: kflow ships no embedded subset of this "
                                       f"dataset; load it with embedded=False.\n{self._how_to_fix()}")
        return [self._read_split(s, self.subset.verified_paths(self.splits[s])) for s in splits]

    def _fallback_notice(self, missing):
        reason = str(missing).splitlines()[0].removeprefix(f"{self.name}: ").rstrip(".")
        return (f"{self.module}: the full set is not available ({reason}); using the subset embedded in kflow: "
                f"{self.subset.summary}. For the full set, put its IDX files in ${DATA_DIR_ENV}/{self.name}/ or "
                "let them download once; embedded=False raises instead of falling back.")

    def mirrors(self, mirrors=None, default_mirrors=()):
        """The mirror list: the argument, else ``$<mirror_env>``, else the default."""
        if mirrors is None:
            mirrors = os.environ.get(self.mirror_env) or list(default_mirrors)
        if isinstance(mirrors, str):
            mirrors = [m for m in re.split(r"[,\s]+", mirrors) if m]
        return list(mirrors)

    def _search_dirs(self):
        places = []
        if os.environ.get(DATA_DIR_ENV):
            places.append((os.path.join(os.environ[DATA_DIR_ENV], self.name), f"${DATA_DIR_ENV}"))
        places.append((cache_dir(self.name), "cache"))
        return places

    def _find_all(self, split, places, missing_ok=False):
        paths = []
        for filename in self.splits[split]:
            path = _locate(filename, places)
            if path is None and not missing_ok:
                extra = ("Nothing is downloaded when a path is given.\n"
                         if places[0][1] == "path argument" else "")
                raise errors.NotFoundError(None, None, self._missing_message(filename, places, split, extra))
            paths.append(path)
        return paths

    def _download(self, missing, places, mirrors, default_mirrors, splits):
        mirrors = self.mirrors(mirrors, default_mirrors)
        for filename in missing:
            try:
                download.fetch(filename + ".gz", cache_dir(self.name), mirrors, md5=self.md5.get(filename))
            except download.DownloadError as e:
                attempts = "\n".join(f"  {u}: {r}" for u, r in e.attempts) or "  (no mirrors configured)"
                raise errors.NotFoundError(None, None, self._missing_message(
                    filename, places, splits[0], f"Download attempts:\n{attempts}\n")) from e
            except OSError as e:  # e.g. the cache directory cannot be created
                raise errors.NotFoundError(None, None, self._missing_message(
                    filename, places, splits[0], f"Download failed: {e}\n")) from e

    def _missing_message(self, filename, places, split, extra=""):
        looked = "\n".join(f"  {d}  ({why}, {self._folder_status(d)})" for d, why in places)
        msg = (f"{self.name}: {filename} (or {filename}.gz) was not found.\n"
               f"Looked in:\n{looked}\n{extra}{self._how_to_fix()}")
        # Say which splits are usable, e.g. MNIST's test files alone.
        usable = [s for s in self.splits if s != split and filename not in self.splits[s]
                  and all(_locate(f, places) for f in self.splits[s])]
        path_arg = f"path={places[0][0]!r}" if places[0][1] == "path argument" else ""
        for s in usable:
            msg += (f"\nThe {s} split is available: {self.module}.load_split("
                    + ", ".join(filter(None, [repr(s), path_arg])) + ")"
                    + (f" or {self.module}.load_test_data({path_arg})" if s == "test" else "")
                    + f" returns (x_{s}, y_{s}).")
        return msg

    def _folder_status(self, directory):
        if not os.path.isdir(directory):
            return "does not exist"
        files = [f for pair in self.splits.values() for f in pair]
        present = sum(_locate(f, [(directory, "")]) is not None for f in files)
        return f"exists, holds {present} of the {len(files)} files"

    def _how_to_fix(self):
        files = ", ".join(f + ".gz" for pair in self.splits.values() for f in pair)
        return (f"To fix: put {files} (gzipped or not) in ${DATA_DIR_ENV}/{self.name}/ or in "
                f"{cache_dir(self.name)}/ (the cache; ${CACHE_DIR_ENV} moves it), or pass "
                f"load_data(path=DIRECTORY). Set ${self.mirror_env} to a comma-separated list "
                "of base URLs to download from another mirror.")

    def _read_split(self, split, paths):
        images_path, labels_path = paths
        images, labels = idx.read_idx(images_path), idx.read_idx(labels_path)
        return self._checked(images, labels, images_path, labels_path)

    def _checked(self, images, labels, images_name, labels_name):
        if images.dtype != np.uint8 or images.shape[1:] != tuple(self.image_shape) or images.ndim != 3:
            raise idx.IdxFormatError(f"{images_name}: expected uint8 images of shape (N, "
                                     f"{', '.join(map(str, self.image_shape))}), got "
                                     f"{images.dtype} {images.shape}")
        if labels.dtype != np.uint8 or labels.ndim != 1:
            raise idx.IdxFormatError(f"{labels_name}: expected a 1-D uint8 label vector, "
                                     f"got {labels.dtype} {labels.shape}")
        if len(labels) != len(images):
            raise idx.IdxFormatError(f"{labels_name} holds {len(labels)} labels but "
                                     f"{images_name} holds {len(images)} images")
        if len(labels) and labels.max() >= self.num_classes:
            raise idx.IdxFormatError(f"{labels_name}: label {labels.max()} is out of range "
                                     f"[0, {self.num_classes})")
        return images, labels

    def _load_npz(self, path, splits):
        with np.load(path, allow_pickle=False) as data:
            keys = [k for s in splits for k in (f"x_{s}", f"y_{s}")]
            absent = [k for k in keys if k not in data.files]
            if absent:
                raise errors.NotFoundError(None, None, f"{path}: missing arrays {absent}; a "
                                           "Keras-style .npz holds x_train, y_train, x_test, y_test")
            return [self._checked(data[f"x_{s}"], data[f"y_{s}"], f"{path}[x_{s}]", f"{path}[y_{s}]")
                    for s in splits]


def _names_location(path):
    """Whether ``path`` names a place to load from.

    ``keras.datasets.mnist.load_data(path="mnist.npz")`` names a cache file that
    kflow does not use: a bare ``.npz`` name that is not a file here means "look
    in the usual places", as no ``path`` does.
    """
    if path is None:
        return False
    path = os.path.expanduser(os.fspath(path))
    return not (path.endswith(".npz") and os.path.basename(path) == path and not os.path.isfile(path))


def _locate(filename, places):
    for directory, _ in places:
        for candidate in (filename + ".gz", filename):
            path = os.path.join(directory, candidate)
            if os.path.isfile(path):
                return path
    return None
