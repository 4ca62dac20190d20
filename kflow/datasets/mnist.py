"""MNIST handwritten digits, as ``keras.datasets.mnist``.

60,000 training and 10,000 test grayscale images of 28x28 pixels, labels 0-9.
Where the files are looked for (a ``path`` directory, ``$KFLOW_DATA_DIR/mnist/``,
the cache ``~/.kflow/datasets/mnist/``, then the mirrors) is described in
:mod:`kflow.datasets.idx_dataset`.

Example:
    >>> from kflow.datasets import mnist
    >>> (x_train, y_train), (x_test, y_test) = mnist.load_data()
    >>> x_train.shape, y_train.dtype
    ((60000, 28, 28), dtype('uint8'))
    >>> x_test, y_test = mnist.load_test_data()   # needs only the two t10k files
"""
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

DATASET = IdxDataset(
    name="mnist",
    module=__name__,
    md5=MD5,
    mirror_env="KFLOW_MNIST_MIRROR",
)


def load_data(path=None, *, mirrors=None):
    """Loads MNIST, downloading it into the cache if it is not found locally.

    Args:
      path: optional directory holding the four IDX files (gzipped or not), or
        a Keras ``mnist.npz``. Keras's default ``"mnist.npz"`` is accepted and
        means "look in the usual places".
      mirrors: optional list of base URLs; defaults to ``$KFLOW_MNIST_MIRROR``
        (comma-separated) or :data:`MIRRORS`.

    Returns:
      ``((x_train, y_train), (x_test, y_test))``: uint8 images (N, 28, 28) and
      uint8 labels (N,).

    Raises:
      kflow.errors.NotFoundError: a file is missing and cannot be downloaded;
        the message says where to put it and which split is usable.
      kflow.datasets.idx.IdxFormatError: a file is malformed.
    """
    train, test = DATASET.load(("train", "test"), path, mirrors, MIRRORS)
    return train, test


def load_split(split, path=None, *, mirrors=None):
    """Loads one split, ``"train"`` or ``"test"``, as ``(images, labels)``."""
    return DATASET.load((split,), path, mirrors, MIRRORS)[0]


def load_test_data(path=None, *, mirrors=None):
    """Loads only the 10,000 test images: ``(x_test, y_test)``."""
    return load_split("test", path, mirrors=mirrors)
