"""Carves the small MNIST subset that ships inside kflow from the real MNIST 10k test set.

Which images: from the 10,000 MNIST test images (``t10k-*``, index 0..9999 in file order),
  - test split (1,000 images):  the indices ``i`` with ``i % 10 == 0``  (0, 10, 20, ..., 9990);
  - train split (9,000 images): all the other indices, in increasing order (1..9, 11..19, ..., 9991..9999).
No random numbers are involved, and both splits span the whole test set (its first half, from
NIST's SD-3, is cleaner than its second, from SD-1), so the subset's test images are as hard as
MNIST's. 9,000 training images rather than fewer: the main job's MLP needs them to pass 95% test
accuracy with a margin (with 6,000 it ends at 94-95%).

The output is four gzipped IDX files with MNIST's names, written byte-reproducibly (gzip
level 9, mtime 0, no file name), so their SHA-256 (``kflow.datasets.mnist.EMBEDDED_SHA256``)
is the same on every run. Run from the repository root:

    python tools/make_embedded_mnist.py --source ../shared/datasets/mnist
"""
import argparse
import gzip
import hashlib
import os
import sys

import numpy as np

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

from kflow.datasets import idx  # noqa: E402

OUT_DIR = os.path.join(REPO_ROOT, "kflow", "datasets", "data", "mnist-subset")
SOURCE_FILES = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def subset_indices(n=10000):
    """``{"train": indices, "test": indices}`` into the MNIST test set (see the module docstring)."""
    i = np.arange(n)
    return {"train": i[i % 10 != 0], "test": i[i % 10 == 0]}


def _read_source(source_dir, name):
    for candidate in (name + ".gz", name):
        path = os.path.join(source_dir, candidate)
        if os.path.isfile(path):
            return idx.read_idx(path)
    raise FileNotFoundError(f"{name}(.gz) not found in {source_dir}")


def make_subset(source_dir, out_dir=OUT_DIR):
    """Writes the four subset files into ``out_dir``; returns ``{file name: sha256}``."""
    images, labels = (_read_source(source_dir, name) for name in SOURCE_FILES)
    if images.shape != (10000, 28, 28) or labels.shape != (10000,):
        raise ValueError(f"{source_dir}: expected the 10k MNIST test set, got images {images.shape}, "
                         f"labels {labels.shape}")
    os.makedirs(out_dir, exist_ok=True)
    digests = {}
    for split, chosen in subset_indices().items():
        prefix = "train" if split == "train" else "t10k"
        for kind, array in (("images-idx3-ubyte", images), ("labels-idx1-ubyte", labels)):
            filename = f"{prefix}-{kind}.gz"
            data = gzip.compress(idx.encode_idx(array[chosen]), compresslevel=9, mtime=0)
            with open(os.path.join(out_dir, filename), "wb") as f:
                f.write(data)
            digests[filename] = hashlib.sha256(data).hexdigest()
    return digests


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--source", default=os.path.join(os.path.dirname(REPO_ROOT), "shared", "datasets", "mnist"),
                        help="folder holding t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz)")
    parser.add_argument("--out", default=OUT_DIR)
    args = parser.parse_args(argv)
    for filename, digest in sorted(make_subset(args.source, args.out).items()):
        size = os.path.getsize(os.path.join(args.out, filename))
        print(f"{filename}: {size} bytes, sha256 {digest}")


if __name__ == "__main__":
    main()
