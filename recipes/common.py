"""Shared by the recipes: command-line flags and dataset loading with the MNIST test-split fallback.

``--dataset mnist`` uses the full MNIST training set when its files are present (or can be
downloaded); when only the 10k test files exist (as in /work/shared/datasets), it trains on
the first 8,000 test images and tests on the last 2,000, and says so.

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
    module = DATASETS[name]
    try:
        (x_train, y_train), (x_test, y_test) = module.load_data()
    except errors.NotFoundError as missing:
        if name != "mnist":
            raise
        x, y = mnist.load_test_data()  # raises in turn, saying where to put the files, if these are missing too
        print("MNIST training files are not available (%s); training on the first 8,000 images of the MNIST test "
              "set and testing on the last 2,000. For the full set, put the four IDX files in $KFLOW_DATA_DIR/mnist/."
              % str(missing).splitlines()[0])
        (x_train, y_train), (x_test, y_test) = (x[:8000], y[:8000]), (x[8000:], y[8000:])
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[:max(limit // 4, 1)], y_test[:max(limit // 4, 1)]
    prep = lambda x: (x.astype(np.float32) / 255.0)  # noqa: E731
    return (prep(x_train), y_train.astype(np.int64)), (prep(x_test), y_test.astype(np.int64))
