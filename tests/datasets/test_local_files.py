"""Loading MNIST / Fashion-MNIST from local directories (no downloads)."""
import gzip
import shutil

import numpy as np
import pytest

from kflow import errors
from kflow.datasets import fashion_mnist, idx, mnist

MNIST_TEST = ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def _write_split(directory, images, labels, prefix="t10k", gz=True):
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if gz else ""
    idx.write_idx(directory / f"{prefix}-images-idx3-ubyte{suffix}", images)
    idx.write_idx(directory / f"{prefix}-labels-idx1-ubyte{suffix}", labels)


def test_mnist_test_split_from_data_dir(real_datasets, monkeypatch):
    monkeypatch.setenv("KFLOW_DATA_DIR", str(real_datasets))
    x_test, y_test = mnist.load_test_data()
    assert x_test.shape == (10000, 28, 28) and x_test.dtype == np.uint8
    assert y_test.shape == (10000,) and y_test.dtype == np.uint8
    assert y_test.min() == 0 and y_test.max() == 9
    assert y_test[:5].tolist() == [7, 2, 1, 0, 4]
    assert x_test.max() == 255 and x_test.min() == 0
    x2, y2 = mnist.load_split("test")
    np.testing.assert_array_equal(x2, x_test)


def test_mnist_load_data_with_only_test_files_fails_clearly(shared_datasets, monkeypatch):
    monkeypatch.setenv("KFLOW_DATA_DIR", str(shared_datasets))
    with pytest.raises(errors.NotFoundError) as info:
        mnist.load_data(embedded=False)  # without it, the shipped subset stands in (tests/datasets/test_embedded.py)
    message = str(info.value)
    assert "train-images-idx3-ubyte" in message
    assert str(shared_datasets / "mnist") in message          # where it looked
    assert "$KFLOW_DATA_DIR/mnist/" in message                # where to put files
    assert "load_test_data()" in message                      # what is usable
    assert "Connection refused" in message                    # why the download failed


def test_fashion_mnist_from_data_dir(real_datasets, monkeypatch):
    if not (real_datasets / "fashion-mnist").is_dir():
        pytest.skip("no fashion-mnist in the shared datasets")
    monkeypatch.setenv("KFLOW_DATA_DIR", str(real_datasets))
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28)
    assert x_train.dtype == y_train.dtype == x_test.dtype == y_test.dtype == np.uint8
    # Fashion-MNIST is balanced: 6000 train and 1000 test images per class.
    assert np.bincount(y_train).tolist() == [6000] * 10
    assert np.bincount(y_test).tolist() == [1000] * 10
    assert fashion_mnist.CLASS_NAMES[y_train[0]] == "Ankle boot"


def test_explicit_directory_with_only_test_files(shared_datasets):
    with pytest.raises(errors.NotFoundError) as info:
        mnist.load_data(path=shared_datasets / "mnist")
    assert f"load_test_data(path={str(shared_datasets / 'mnist')!r})" in str(info.value)


def test_explicit_directory_with_raw_files(shared_datasets, tmp_path):
    raw_dir = tmp_path / "raw"
    raw_dir.mkdir()
    for name in MNIST_TEST:
        with gzip.open(shared_datasets / "mnist" / f"{name}.gz") as src:
            (raw_dir / name).write_bytes(src.read())
    x, y = mnist.load_test_data(path=raw_dir)
    assert x.shape == (10000, 28, 28)
    np.testing.assert_array_equal(y, idx.read_idx(raw_dir / MNIST_TEST[1]))


def test_explicit_directory_missing_files_never_downloads(tmp_path, local_mirror):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(errors.NotFoundError, match="(?s)t10k-images-idx3-ubyte.*path argument.*Nothing is downloaded"):
        mnist.load_test_data(path=empty, mirrors=[local_mirror.url])
    assert local_mirror.requests == []


def test_explicit_path_that_is_not_a_directory(tmp_path):
    with pytest.raises(errors.NotFoundError, match="neither a directory"):
        mnist.load_data(path=tmp_path / "does-not-exist")


def test_cache_dir_is_searched(isolated_env):
    images = np.full((3, 28, 28), 7, np.uint8)
    labels = np.array([1, 2, 3], np.uint8)
    _write_split(isolated_env / "mnist", images, labels, gz=False)
    x, y = mnist.load_test_data()
    np.testing.assert_array_equal(x, images)
    np.testing.assert_array_equal(y, labels)


def test_data_dir_wins_over_cache(tmp_path, isolated_env, monkeypatch):
    _write_split(isolated_env / "fashion-mnist", np.zeros((1, 28, 28), np.uint8), np.array([0], np.uint8))
    _write_split(tmp_path / "data" / "fashion-mnist", np.ones((2, 28, 28), np.uint8),
                 np.array([4, 5], np.uint8))
    monkeypatch.setenv("KFLOW_DATA_DIR", str(tmp_path / "data"))
    x, y = fashion_mnist.load_test_data()
    assert y.tolist() == [4, 5]


def test_keras_npz(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {"x_train": rng.integers(0, 256, (4, 28, 28), dtype=np.uint8),
              "y_train": np.array([0, 1, 2, 9], np.uint8),
              "x_test": rng.integers(0, 256, (2, 28, 28), dtype=np.uint8),
              "y_test": np.array([3, 4], np.uint8)}
    np.savez(tmp_path / "mnist.npz", **arrays)
    (x_train, y_train), (x_test, y_test) = mnist.load_data(path=tmp_path / "mnist.npz")
    np.testing.assert_array_equal(x_train, arrays["x_train"])
    np.testing.assert_array_equal(y_test, arrays["y_test"])
    np.savez(tmp_path / "partial.npz", x_test=arrays["x_test"])
    with pytest.raises(errors.NotFoundError, match="y_test"):
        mnist.load_test_data(path=tmp_path / "partial.npz")


def test_keras_default_path_name_means_usual_places(isolated_env):
    _write_split(isolated_env / "mnist", np.zeros((1, 28, 28), np.uint8), np.array([5], np.uint8))
    _write_split(isolated_env / "mnist", np.zeros((2, 28, 28), np.uint8), np.array([6, 7], np.uint8),
                 prefix="train")
    (_, y_train), (_, y_test) = mnist.load_data("mnist.npz")
    assert y_train.tolist() == [6, 7] and y_test.tolist() == [5]


@pytest.mark.parametrize("images, labels, words", [
    (np.zeros((2, 28, 28), np.uint8), np.array([1], np.uint8), "holds 1 labels but"),
    (np.zeros((2, 28, 28), np.uint8), np.array([1, 10], np.uint8), "label 10 is out of range"),
    (np.zeros((2, 27, 28), np.uint8), np.array([1, 2], np.uint8), "expected uint8 images of shape"),
    (np.zeros((2, 28, 28), np.float32), np.array([1, 2], np.uint8), "expected uint8 images"),
    (np.zeros((2, 28, 28), np.uint8), np.array([[1, 2]], np.uint8), "1-D uint8 label vector"),
])
def test_inconsistent_files_are_rejected(tmp_path, images, labels, words):
    _write_split(tmp_path / "bad", images, labels)
    with pytest.raises(idx.IdxFormatError, match=words):
        mnist.load_test_data(path=tmp_path / "bad")


def test_truncated_local_file_names_the_file(shared_datasets, tmp_path):
    bad = tmp_path / "bad"
    bad.mkdir()
    for name in MNIST_TEST:
        shutil.copy(shared_datasets / "mnist" / f"{name}.gz", bad)
    images = bad / "t10k-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:1000])
    with pytest.raises(errors.DataLossError, match="t10k-images-idx3-ubyte.gz"):
        mnist.load_test_data(path=bad)


def test_unknown_split():
    with pytest.raises(ValueError, match="'validation'"):
        mnist.load_split("validation")
