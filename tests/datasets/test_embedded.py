"""The MNIST subset shipped inside kflow: its files, and when the loaders fall back to it."""
import hashlib
import importlib.util
import pathlib
import shutil

import numpy as np
import pytest

from kflow import errors
from kflow.datasets import embedded, fashion_mnist, idx, mnist

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
SUBSET_DIR = pathlib.Path(embedded.DATA_ROOT) / "mnist-subset"
# Pinned here as well as in kflow.datasets.mnist: changing the shipped data takes a deliberate edit of both.
SHA256 = {
    "train-images-idx3-ubyte.gz": "dd920b3cf691ce4190930dc700bd6cefded30105afb102c47b820c68bdfff04d",
    "train-labels-idx1-ubyte.gz": "86ed34cd5ad2920af3f0a43178cda42513ae613c8ec8daae14194f8f65eeeb6b",
    "t10k-images-idx3-ubyte.gz": "b5211fa4f7b011e34b7c65e4cb5b19ae4a63c2fc64c3fb3ef2c5c9581d60c963",
    "t10k-labels-idx1-ubyte.gz": "e565e0d9a04fd4c95c5477d90fdc7f550ec29749aa91e258b7375d21741997e5",
}


def _write_split(directory, prefix, labels):
    directory.mkdir(parents=True, exist_ok=True)
    labels = np.array(labels, np.uint8)
    idx.write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", np.zeros((len(labels), 28, 28), np.uint8))
    idx.write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels)


def _write_full_set(directory, train_labels, test_labels):
    _write_split(directory, "train", train_labels)
    _write_split(directory, "t10k", test_labels)


def _make_script():
    spec = importlib.util.spec_from_file_location("make_embedded_mnist", REPO_ROOT / "tools" / "make_embedded_mnist.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- the shipped files ---------------------------------------------------------------------------------------------

def test_shipped_files_have_the_pinned_sha256():
    shipped = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in SUBSET_DIR.glob("*.gz")}
    assert shipped == SHA256
    assert mnist.EMBEDDED_SHA256 == SHA256
    licence = (SUBSET_DIR / "LICENSE.md").read_text()
    assert "CC BY-SA 3.0" in licence and "LeCun" in licence and "Cortes" in licence


def test_subset_content():
    (x_train, y_train), (x_test, y_test) = mnist.load_data(embedded=True)
    assert x_train.shape == (9000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert x_train.dtype == y_train.dtype == x_test.dtype == np.uint8
    assert np.bincount(y_train, minlength=10).min() > 700 and np.bincount(y_test, minlength=10).min() > 70
    assert y_test[:3].tolist() == [7, 0, 9]  # MNIST test images 0, 10 and 20
    assert y_train[:6].tolist() == [2, 1, 0, 4, 1, 4]  # MNIST test images 1..6
    assert mnist.load_test_data(embedded=True)[1].tolist() == y_test.tolist()


def test_script_carves_the_same_bytes_from_the_mnist_test_set(real_datasets, tmp_path):
    script = _make_script()
    digests = script.make_subset(real_datasets / "mnist", tmp_path)
    assert digests == SHA256
    for name in SHA256:
        assert (tmp_path / name).read_bytes() == (SUBSET_DIR / name).read_bytes()
    # The documented indices: test i % 10 == 0, train all others.
    source = idx.read_idx(real_datasets / "mnist" / "t10k-images-idx3-ubyte.gz")
    (x_train, _), (x_test, _) = mnist.load_data(embedded=True)
    np.testing.assert_array_equal(x_test, source[::10])
    np.testing.assert_array_equal(x_train[:6], source[1:7])
    np.testing.assert_array_equal(x_train[-9:], source[9991:])
    np.testing.assert_array_equal(x_train[9:18], source[11:20])


def test_damaged_subset_is_refused(tmp_path, monkeypatch):
    copy = tmp_path / "mnist-subset"
    shutil.copytree(SUBSET_DIR, copy)
    data = bytearray((copy / "t10k-labels-idx1-ubyte.gz").read_bytes())
    data[-5] ^= 1
    (copy / "t10k-labels-idx1-ubyte.gz").write_bytes(bytes(data))
    monkeypatch.setattr(embedded, "DATA_ROOT", str(tmp_path))
    with pytest.raises(idx.IdxFormatError, match="t10k-labels-idx1-ubyte.gz has sha256 .* expected e565e0d9"):
        mnist.load_test_data(embedded=True)
    (copy / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(idx.IdxFormatError, match="installation is incomplete"):
        mnist.load_test_data(embedded=True)


# --- the fallback order: path, $KFLOW_DATA_DIR, cache, download, then the subset ----------------------------------

def test_data_dir_then_cache_come_before_the_subset(tmp_path, isolated_env, monkeypatch, capsys):
    _write_full_set(isolated_env / "mnist", [1, 1], [2])
    (_, y_train), (_, y_test) = mnist.load_data()
    assert y_train.tolist() == [1, 1] and y_test.tolist() == [2]
    _write_full_set(tmp_path / "data" / "mnist", [3], [4, 4])
    monkeypatch.setenv("KFLOW_DATA_DIR", str(tmp_path / "data"))
    (_, y_train), (_, y_test) = mnist.load_data()
    assert y_train.tolist() == [3] and y_test.tolist() == [4, 4]
    assert capsys.readouterr().err == ""


def test_download_comes_before_the_subset(shared_datasets, local_mirror, capsys):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        shutil.copy(shared_datasets / "mnist" / name, local_mirror.root / name)
    x, _ = mnist.load_test_data(mirrors=[local_mirror.url])
    assert x.shape == (10000, 28, 28) and len(local_mirror.requests) == 2
    assert capsys.readouterr().err == ""


def test_falls_back_to_the_subset_with_one_line(local_mirror, capsys):
    (x_train, _), (x_test, _) = mnist.load_data(mirrors=[local_mirror.url])
    assert x_train.shape == (9000, 28, 28) and x_test.shape == (1000, 28, 28)
    assert local_mirror.requests == ["/train-images-idx3-ubyte.gz"]  # the download was tried first
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("kflow.datasets.mnist: the full set is not available")
    assert "subset embedded in kflow" in err and "$KFLOW_DATA_DIR/mnist/" in err and "embedded=False" in err
    # The same through keras.datasets, and with Keras's default path name.
    import kflow as kf

    (_, y_train), _ = kf.keras.datasets.mnist.load_data("mnist.npz")
    assert y_train.shape == (9000,) and "subset embedded in kflow" in capsys.readouterr().err


def test_only_test_files_present_still_falls_back_to_the_whole_subset(tmp_path, monkeypatch, capsys):
    _write_split(tmp_path / "data" / "mnist", "t10k", [5, 6])
    monkeypatch.setenv("KFLOW_DATA_DIR", str(tmp_path / "data"))
    (x_train, _), (x_test, _) = mnist.load_data()
    assert (len(x_train), len(x_test)) == (9000, 1000)  # train and test from one source, never mixed
    assert "train-images-idx3-ubyte" in capsys.readouterr().err
    assert mnist.load_test_data()[1].tolist() == [5, 6]  # the test split alone is found locally


def test_embedded_false_forbids_the_fallback(capsys):
    with pytest.raises(errors.NotFoundError, match=r"(?s)train-images-idx3-ubyte.*Connection refused"):
        mnist.load_data(embedded=False)
    assert capsys.readouterr().err == ""


def test_embedded_true_loads_the_subset_without_looking_elsewhere(tmp_path, monkeypatch, local_mirror, capsys):
    _write_full_set(tmp_path / "data" / "mnist", [3], [4])
    monkeypatch.setenv("KFLOW_DATA_DIR", str(tmp_path / "data"))
    (x_train, _), (x_test, _) = mnist.load_data(mirrors=[local_mirror.url], embedded=True)
    assert (len(x_train), len(x_test)) == (9000, 1000)
    assert local_mirror.requests == [] and capsys.readouterr().err == ""


def test_explicit_path_never_falls_back(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(errors.NotFoundError, match="path argument"):
        mnist.load_data(path=tmp_path / "empty")
    with pytest.raises(errors.NotFoundError, match="neither a directory"):
        mnist.load_data(path=tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="either path=.* or embedded=True"):
        mnist.load_data(path=tmp_path / "empty", embedded=True)


def test_fashion_mnist_has_no_subset():
    with pytest.raises(errors.NotFoundError, match="fashion-mnist"):
        fashion_mnist.load_data()
    with pytest.raises(errors.NotFoundError, match="ships no embedded subset"):
        fashion_mnist.DATASET.load(("test",), embedded=True)
