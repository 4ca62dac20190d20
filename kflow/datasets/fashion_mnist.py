"""Fashion-MNIST (Zalando article images), as ``keras.datasets.fashion_mnist``.

60,000 training and 10,000 test grayscale images of 28x28 pixels in the 10
classes of :data:`CLASS_NAMES`. Where the files are looked for (a ``path``
directory, ``$KFLOW_DATA_DIR/fashion-mnist/``, the cache
``~/.kflow/datasets/fashion-mnist/``, then the mirrors) is described in
:mod:`kflow.datasets.idx_dataset`.

Example:
    >>> from kflow.datasets import fashion_mnist
    >>> (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    >>> fashion_mnist.CLASS_NAMES[y_train[0]]
    'Ankle boot'
"""
from kflow.datasets.idx_dataset import IdxDataset

# Tried in order; tests and offline sites replace this list or set
# $KFLOW_FASHION_MNIST_MIRROR.
MIRRORS = [
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
]

# MD5 of the *decompressed* IDX files; the Keras and Zalando .gz files differ
# (torchvision lists 8d4fb7e6..., 25c81989..., bef4ecab..., bb300cfd... for the
# Zalando ones) but hold the same bytes.
MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}

CLASS_NAMES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

DATASET = IdxDataset(
    name="fashion-mnist",
    module=__name__,
    md5=MD5,
    mirror_env="KFLOW_FASHION_MNIST_MIRROR",
)


def load_data(path=None, *, mirrors=None):
    """Loads Fashion-MNIST, downloading it into the cache if not found locally.

    Args:
      path: optional directory holding the four IDX files (gzipped or not), or
        a Keras-style ``.npz`` with x_train, y_train, x_test, y_test.
      mirrors: optional list of base URLs; defaults to
        ``$KFLOW_FASHION_MNIST_MIRROR`` (comma-separated) or :data:`MIRRORS`.

    Returns:
      ``((x_train, y_train), (x_test, y_test))``: uint8 images (N, 28, 28) and
      uint8 labels (N,).

    Raises:
      kflow.errors.NotFoundError: a file is missing and cannot be downloaded.
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
