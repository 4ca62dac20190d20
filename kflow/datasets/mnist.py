"""MNIST handwritten digits, as ``keras.datasets.mnist``.

60,000 training and 10,000 test grayscale images of 28x28 pixels, labels 0-9.
Where the files are looked for (a ``path`` directory, ``$KFLOW_DATA_DIR/mnist/``,
the cache ``~/.kflow/datasets/mnist/``, then the mirrors) is described in
:mod:`kflow.datasets.idx_dataset`. When none of them has it, the loaders fall back
to a 10,000-image subset shipped inside kflow (:data:`EMBEDDED`: 9,000 training
and 1,000 test images carved from the MNIST test set by
``tools/make_embedded_mnist.py``; CC BY-SA 3.0, Y. LeCun and C. Cortes), and say so
in one line on stderr.

Example:
    >>> from kflow.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
    >>> x_train.shape, y_train.dtype
    ((60000, 28, 28), dtype('uint8'))
    >>> x_test, y_test = mnist.load_test_data()   # needs only the two t10k files
    >>> (x_train, y_train), _ = mnist.load_data(embedded=True)   # the shipped subset, offline
    >>> x_train.shape
    (9000, 28, 28)
"""
from kflow.datasets.embedded import EmbeddedSubset
from kflow.datasets.idx_dataset import IdxDataset

# Tried in order; tests and offline sites replace this list or set $KFLOW_MNIST_MIRROR.
MIRRORS = [
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
]

# MD5 of the *decompressed* IDX files. The .gz files differ between mirrors
# (torchvision lists f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d... for the
# yann.lecun.com/ossci archives) but all decompress to these bytes.
MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}

# SHA-256 of the shipped .gz files, as tools/make_embedded_mnist.py writes them
# (byte-reproducible: gzip level 9, mtime 0).
EMBEDDED_SHA256 = {
    "train-images-idx3-ubyte.gz": "dd920b3cf691ce4190930dc700bd6cefded30105afb102c47b820c68bdfff04d",
    "train-labels-idx1-ubyte.gz": "86ed34cd5ad2920af3f0a43178cda42513ae613c8ec8daae14194f8f65eeeb6b",
    "t10k-images-idx3-ubyte.gz": "b5211fa4f7b011e34b7c65e4cb5b19ae4a63c2fc64c3fb3ef2c5c9581d60c963",
    "t10k-labels-idx1-ubyte.gz": "e565e0d9a04fd4c95c5477d90fdc7f550ec29749aa91e258b7375d21741997e5",
}

EMBEDDED = EmbeddedSubset(
    folder="mnist-subset",
    sha256=EMBEDDED_SHA256,
    summary="9,000 training and 1,000 test images from the MNIST test set",
)

DATASET = IdxDataset(
    name="mnist",
    module=__name__,
    md5=MD5,
    mirror_env="KFLOW_MNIST_MIRROR",
    subset=EMBEDDED,
)


def load_data(path=None, *, mirrors=None, embedded=None):
    """Loads MNIST, downloading it into the cache if it is not found locally.

    Args:
      path: optional directory holding the four IDX files (gzipped or not), or
        a Keras ``mnist.npz``. Keras's default ``"mnist.npz"`` is accepted and
        means "look in the usual places".
      mirrors: optional list of base URLs; defaults to ``$KFLOW_MNIST_MIRROR``
        (comma-separated) or :data:`MIRRORS`.
      embedded: None (default) falls back to the shipped subset (:data:`EMBEDDED`)
        when MNIST is neither found nor downloadable and ``path`` names no
        location; True loads the subset directly; False never uses it.

    Returns:
      ``((x_train, y_train), (x_test, y_test))``: uint8 images (N, 28, 28) and
      uint8 labels (N,); N is 60,000 and 10,000, or 9,000 and 1,000 for the subset.

    Raises:
      kflow.errors.NotFoundError: a file is missing and cannot be downloaded
        (with ``path`` or ``embedded=False``); the message says where to put it
        and which split is usable.
      kflow.datasets.idx.IdxFormatError: a file is malformed, or the shipped
        subset's bytes do not match :data:`EMBEDDED_SHA256`.
    """
    train, test = DATASET.load(("train", "test"), path, mirrors, MIRRORS, embedded)
    return train, test


def load_split(split, path=None, *, mirrors=None, embedded=None):
    """Loads one split, ``"train"`` or ``"test"``, as ``(images, labels)``; ``embedded`` as in :func:`load_data`."""
    return DATASET.load((split,), path, mirrors, MIRRORS, embedded)[0]


def load_test_data(path=None, *, mirrors=None, embedded=None):
    """Loads only the 10,000 test images (1,000 from the subset): ``(x_test, y_test)``."""
    return load_split("test", path, mirrors=mirrors, embedded=embedded)
