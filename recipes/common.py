"""Shared by the recipes: command-line flags and dataset loading with the MNIST test-split fallback.

``--dataset mnist`` uses the full MNIST training set when its files are present (or can be
downloaded); when only the 10k test files exist (as in /work/shared/datasets), it trains on
the first 8,000 test images and tests on the last 2,000; with no MNIST files at all (offline,
fresh install) it uses the 9,000 + 1,000-image subset shipped inside kflow. It says which.

Example:
    >>> args = parser_with_common_flags(__doc__).parse_args()
    >>> (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
"""
import argparse
import os

import numpy as np

from kflow import errors
from kflow.datasets import fashion_mnist, mnist

DATASETS = {"mnist": mnist, "fashion_mnist": fashion_mnist}


def parser_with_common_flags(description, epochs=5):
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--data-dir", default=None,
                        help="folder holding mnist/ and fashion-mnist/ IDX files (default: $KFLOW_DATA_DIR, the "
                             "cache, then download)")
    parser.add_argument("--limit", type=int, default=None, help="use at most this many training examples")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--verbose", type=int, default=1)
    return parser


def load_dataset(name, data_dir=None, limit=None):
    """``((x_train, y_train), (x_test, y_test))``: float32 images in [0, 1] of shape (N, 28, 28), int64 labels."""
    if data_dir:
        os.environ["KFLOW_DATA_DIR"] = data_dir
    if name == "mnist":
        (x_train, y_train), (x_test, y_test) = _load_mnist()
    else:
        (x_train, y_train), (x_test, y_test) = DATASETS[name].load_data()
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[:max(limit // 4, 1)], y_test[:max(limit // 4, 1)]
    prep = lambda x: (x.astype(np.float32) / 255.0)  # noqa: E731
    return (prep(x_train), y_train.astype(np.int64)), (prep(x_test), y_test.astype(np.int64))


def _load_mnist():
    """Full MNIST, else its local test split cut 8,000/2,000, else the subset shipped in kflow; prints which."""
    try:
        train, test = mnist.load_data(embedded=False)
        print("Data: MNIST, full set")
        return train, test
    except errors.NotFoundError as missing:
        reason = str(missing).splitlines()[0].rstrip(".")
    try:
        x, y = mnist.load_test_data(mirrors=[], embedded=False)  # local files only: the download just failed
    except errors.NotFoundError:
        print("Data: the MNIST subset embedded in kflow (%s), as MNIST is neither local nor downloadable (%s). For "
              "the full set, put its four IDX files in $KFLOW_DATA_DIR/mnist/ or go online once."
              % (mnist.EMBEDDED.summary, reason))
        return mnist.load_data(embedded=True)
    print("Data: MNIST training files are not available (%s); training on the first 8,000 images of the MNIST test "
          "set and testing on the last 2,000. For the full set, put the four IDX files in $KFLOW_DATA_DIR/mnist/."
          % reason)
    return (x[:8000], y[:8000]), (x[8000:], y[8000:])
