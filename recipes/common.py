"""Shared by the recipes: command-line flags, dataset loading with the MNIST test-split fallback, and a
clean exit when the data is missing.

``--dataset mnist`` uses the full MNIST training set when its files are present (or can be
downloaded); when only the 10k test files exist (as in /work/shared/datasets), it trains on
the first 8,000 test images and tests on the last 2,000; with no MNIST files at all (offline,
fresh install) it uses the 9,000 + 1,000-image subset shipped inside kflow. It says which.

A missing dataset is an expected situation, not a bug: :func:`run` prints one short message (the
folders searched and whether they exist, the download attempts, where to put the files) and exits
with status 1, without a traceback unless ``--debug`` or ``KFLOW_DEBUG=1`` asks for one.

Example:
    >>> def main(argv=None):
    ...     args = parser_with_common_flags(__doc__).parse_args(argv)
    ...     (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
    >>> if __name__ == "__main__":
    ...     run(main)
"""
import argparse
import os
import sys

import numpy as np

from kflow import distribute, errors
from kflow.datasets import fashion_mnist, mnist
from kflow.datasets.idx import IdxFormatError

DATASETS = {"mnist": mnist, "fashion_mnist": fashion_mnist}
FOLDERS = {"mnist": "mnist", "fashion_mnist": "fashion-mnist"}


class DatasetUnavailable(Exception):
    """The dataset's files are missing or unreadable; ``str()`` is the message for the user."""


def parser_with_common_flags(description, epochs=5, batch_size=128):
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="mnist")
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--data-dir", default=None,
                        help="folder holding mnist/ and fashion-mnist/ IDX files (default: $KFLOW_DATA_DIR, the "
                             "cache, then download)")
    parser.add_argument("--limit", type=int, default=None, help="use at most this many training examples")
    parser.add_argument("--batch-size", type=int, default=batch_size)
    parser.add_argument("--verbose", type=int, default=1)
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over MPI: launch with `mpiexec -n N python recipes/...` (pip install "
                             "'kflow[mpi]'); each rank trains on its 1/N of the data with --batch-size, so the global "
                             "batch is N x --batch-size and the learning rate is scaled by N")
    add_debug_flag(parser)
    return parser


class Distribution:
    """What ``--distributed`` changes in a recipe: the averaging optimizer, the callbacks, who prints.

    Example:
        >>> dist = Distribution(args.distributed)
        >>> model.compile(dist.optimizer(kf.keras.optimizers.Adam(lr=1e-3 * dist.size)), ...)
        >>> model.fit(..., callbacks=callbacks + dist.callbacks())
    """

    def __init__(self, enabled):
        self.enabled = enabled
        if enabled:
            distribute.init()
        self.size = distribute.size() if enabled else 1
        self.is_chief = not enabled or distribute.rank() == 0

    def optimizer(self, optimizer):
        return distribute.DistributedOptimizer(optimizer) if self.enabled else optimizer

    def callbacks(self):
        """Rank 0's initial weights for all, and training metrics averaged over the ranks."""
        if not self.enabled:
            return []
        return [distribute.BroadcastGlobalVariablesCallback(0), distribute.MetricAverageCallback()]

    def print(self, *args):
        if self.is_chief:
            print(*args)


def add_debug_flag(parser):
    parser.add_argument("--debug", action="store_true",
                        help="show the full traceback of an error (as does KFLOW_DEBUG=1)")


def load_dataset(name, data_dir=None, limit=None):
    """``((x_train, y_train), (x_test, y_test))``: float32 images in [0, 1] of shape (N, 28, 28), int64 labels.

    Raises:
      DatasetUnavailable: the files are missing (and could not be downloaded) or corrupt.
    """
    if data_dir:
        os.environ["KFLOW_DATA_DIR"] = data_dir
    try:
        (x_train, y_train), (x_test, y_test) = _load(name)
    except (errors.NotFoundError, IdxFormatError) as e:
        raise DatasetUnavailable(_explain(name, data_dir, e)) from e
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
        x_test, y_test = x_test[:max(limit // 4, 1)], y_test[:max(limit // 4, 1)]
    return (_scaled(x_train), y_train.astype(np.int64)), (_scaled(x_test), y_test.astype(np.int64))


def _scaled(images):
    out = images.astype(np.float32)
    out /= 255.0  # in place: one float32 copy of the set (180 MB for Fashion-MNIST), not two
    return out


def _load(name):
    return _load_mnist() if name == "mnist" else DATASETS[name].load_data()


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


def _explain(name, data_dir, error):
    folder = FOLDERS[name]
    where = ("--data-dir %s: put the files in %s" % (data_dir, os.path.join(data_dir, folder)) if data_dir else
             "Or pass this recipe --data-dir DIR, where DIR/%s/ holds the files (the same as KFLOW_DATA_DIR=DIR)"
             % folder)
    return "The %s dataset is not available.\n%s\n%s." % (name, str(error).strip(), where)


def run(main, argv=None):
    """Runs a recipe's ``main``; an unavailable dataset ends it with a short message and exit status 1.

    ``--debug`` (or ``KFLOW_DEBUG=1``) re-raises instead, showing the traceback.
    """
    argv = sys.argv[1:] if argv is None else argv
    debug = "--debug" in argv or os.environ.get("KFLOW_DEBUG", "") not in ("", "0")
    try:
        return main(argv)
    except DatasetUnavailable as e:
        if debug:
            raise
        print("error: %s\n(--debug or KFLOW_DEBUG=1 shows the traceback)" % e, file=sys.stderr)
        sys.exit(1)
