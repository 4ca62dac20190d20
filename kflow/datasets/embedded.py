"""Small dataset subsets shipped inside the kflow package, so the examples run offline.

A subset is a folder under ``kflow/datasets/data/`` holding IDX files with the full
dataset's names (declared as package data in ``pyproject.toml``), its licence beside
them, and a SHA-256 per file: every load checks the bytes before parsing them, so a
damaged installation fails loudly instead of training on garbage.

Example:
    >>> SUBSET = EmbeddedSubset("mnist-subset", sha256={...}, summary="9,000 training and 1,000 test images")
    >>> images_path, labels_path = SUBSET.verified_paths(("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"))
"""
import dataclasses
import hashlib
import os

from kflow.datasets import idx

DATA_ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@dataclasses.dataclass(frozen=True)
class EmbeddedSubset:
    """A subset shipped with kflow.

    Attributes:
      folder: its folder name under :data:`DATA_ROOT`.
      sha256: file name (with ".gz") -> SHA-256 hex digest of the shipped bytes.
      summary: what it holds, for messages, e.g. "9,000 training and 1,000 test images".
    """

    folder: str
    sha256: dict
    summary: str

    @property
    def directory(self):
        return os.path.join(DATA_ROOT, self.folder)

    def verified_paths(self, filenames):
        """Paths of the gzipped files for ``filenames`` (IDX names without ".gz"), checked against :attr:`sha256`.

        Raises:
          kflow.datasets.idx.IdxFormatError: a file is missing from the installation or its bytes differ.
        """
        paths = []
        for filename in filenames:
            name = filename + ".gz"
            path = os.path.join(self.directory, name)
            try:
                with open(path, "rb") as f:
                    digest = hashlib.sha256(f.read()).hexdigest()
            except OSError as e:
                raise idx.IdxFormatError(f"embedded subset {self.folder}: cannot read {path} ({e}); the kflow "
                                         "installation is incomplete, reinstall it") from e
            if digest != self.sha256.get(name):
                raise idx.IdxFormatError(f"embedded subset {self.folder}: {path} has sha256 {digest}, expected "
                                         f"{self.sha256.get(name)}; the kflow installation is damaged, reinstall it")
            paths.append(path)
        return paths
