"""Downloading into the cache from a local HTTP mirror (never the internet)."""
import gzip
import os
import pathlib
import shutil

import numpy as np
import pytest

from kflow import errors
from kflow.datasets import download, fashion_mnist, idx, mnist

MNIST_TEST = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def _publish(shared_datasets, mirror, dataset, subdir, names):
    """Copies shared .gz files into the mirror's ``subdir``; returns its URL."""
    target = mirror.root / subdir
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(shared_datasets / dataset / name, target / name)
    return mirror.url + subdir + "/"


def _cache_files(isolated_env, name):
    directory = isolated_env / name
    return sorted(os.listdir(directory)) if directory.is_dir() else []


def test_download_then_cache_hit(shared_datasets, local_mirror, isolated_env):
    url = _publish(shared_datasets, local_mirror, "mnist", "mnist", MNIST_TEST)
    x, y = mnist.load_test_data(mirrors=[url])
    assert x.shape == (10000, 28, 28)
    np.testing.assert_array_equal(y, idx.read_idx(shared_datasets / "mnist" / MNIST_TEST[1]))
    assert sorted(local_mirror.requests) == ["/mnist/" + n for n in sorted(MNIST_TEST)]
    assert _cache_files(isolated_env, "mnist") == sorted(MNIST_TEST)
    # The second call is served from the cache: no new request.
    x2, _ = mnist.load_test_data(mirrors=[url])
    np.testing.assert_array_equal(x2, x)
    assert len(local_mirror.requests) == 2


def test_fashion_download_through_env_mirror(shared_datasets, local_mirror, isolated_env, monkeypatch):
    names = sorted(os.listdir(shared_datasets / "fashion-mnist"))
    url = _publish(shared_datasets, local_mirror, "fashion-mnist", "keras", names)
    monkeypatch.setenv("KFLOW_FASHION_MNIST_MIRROR", f"{url.rstrip('/')}, http://127.0.0.1:9/")
    (x_train, y_train), (x_test, y_test) = fashion_mnist.load_data()
    assert x_train.shape == idx.read_idx(shared_datasets / "fashion-mnist" / "train-images-idx3-ubyte.gz").shape
    assert y_test.shape == idx.read_idx(shared_datasets / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").shape
    assert _cache_files(isolated_env, "fashion-mnist") == names
    assert len(local_mirror.requests) == 4


def test_module_mirrors_list_is_the_default(shared_datasets, local_mirror, monkeypatch):
    url = _publish(shared_datasets, local_mirror, "mnist", "m", MNIST_TEST)
    monkeypatch.delenv("KFLOW_MNIST_MIRROR")
    monkeypatch.setattr(mnist, "MIRRORS", [url])
    mnist.load_test_data()
    assert len(local_mirror.requests) == 2


def test_mirror_fallback_after_404(shared_datasets, local_mirror, isolated_env):
    url = _publish(shared_datasets, local_mirror, "mnist", "second", MNIST_TEST)
    mnist.load_test_data(mirrors=[local_mirror.url + "first/", url])
    assert local_mirror.requests == ["/first/t10k-images-idx3-ubyte.gz", "/second/t10k-images-idx3-ubyte.gz",
                                     "/first/t10k-labels-idx1-ubyte.gz", "/second/t10k-labels-idx1-ubyte.gz"]
    assert _cache_files(isolated_env, "mnist") == sorted(MNIST_TEST)


def _serve_bytes(mirror, subdir, name, data):
    (mirror.root / subdir).mkdir(exist_ok=True)
    (mirror.root / subdir / name).write_bytes(data)
    return mirror.url + subdir + "/"


def test_checksum_mismatch_is_rejected_and_leaves_nothing(shared_datasets, local_mirror, isolated_env):
    content = bytearray(gzip.decompress((shared_datasets / "mnist" / MNIST_TEST[1]).read_bytes()))
    content[100] ^= 1  # one flipped bit: still a perfectly valid IDX + gzip file
    url = _serve_bytes(local_mirror, "bad", MNIST_TEST[1], gzip.compress(bytes(content)))
    _publish(shared_datasets, local_mirror, "mnist", "bad", MNIST_TEST[:1])
    with pytest.raises(errors.NotFoundError) as info:  # embedded=False: no fallback to the shipped subset
        mnist.load_test_data(mirrors=[url], embedded=False)
    assert "checksum mismatch" in str(info.value)
    assert mnist.MD5["t10k-labels-idx1-ubyte"] in str(info.value)
    # The good images file was kept; the bad labels file left no trace (no .part).
    assert _cache_files(isolated_env, "mnist") == [MNIST_TEST[0]]


def test_truncated_download_is_rejected(shared_datasets, local_mirror, isolated_env):
    data = (shared_datasets / "mnist" / MNIST_TEST[0]).read_bytes()
    url = _serve_bytes(local_mirror, "cut", MNIST_TEST[0], data[: len(data) // 2])
    with pytest.raises(errors.NotFoundError, match="corrupt gzip"):
        mnist.load_test_data(mirrors=[url], embedded=False)
    assert _cache_files(isolated_env, "mnist") == []


def test_no_mirror_works(local_mirror, isolated_env):
    with pytest.raises(errors.NotFoundError) as info:
        mnist.load_test_data(mirrors=[local_mirror.url + "a/", local_mirror.url + "b"], embedded=False)
    message = str(info.value)
    assert "HTTP 404" in message and "/a/t10k-images" in message and "/b/t10k-images" in message
    assert "$KFLOW_MNIST_MIRROR" in message and "$KFLOW_DATA_DIR/mnist/" in message
    assert _cache_files(isolated_env, "mnist") == []


def test_fetch_file_url_and_md5(tmp_path):
    source = tmp_path / "src"
    source.mkdir()
    (source / "f.gz").write_bytes(gzip.compress(b"hello"))
    cache = tmp_path / "cache"
    good = "5d41402abc4b2a76b9719d911017c592"  # md5(b"hello"), of the decompressed bytes
    path = download.fetch("f.gz", str(cache), [source.as_uri()], md5=good)
    assert pathlib.Path(path).read_bytes() == (source / "f.gz").read_bytes()
    with pytest.raises(download.DownloadError) as info:
        download.fetch("f.gz", str(tmp_path / "cache2"), [source.as_uri()], md5="0" * 32)
    assert info.value.attempts[0][0] == source.as_uri() + "/f.gz"
    assert not os.path.exists(tmp_path / "cache2")  # the failed download removed the folder it made


def test_mirror_url_joins():
    assert download.mirror_url("http://h/a", "f") == "http://h/a/f"
    assert download.mirror_url("http://h/a/", "f") == "http://h/a/f"


def test_next_download_removes_part_files_of_killed_downloads(tmp_path):
    source = tmp_path / "mirror"
    source.mkdir()
    (source / "data.bin").write_bytes(b"payload")
    cache = tmp_path / "cache"
    cache.mkdir()
    dead = 2 ** 22 + 99  # above the default pid_max: no such process
    stale = [".data.bin.%d.0123456789ab.part" % dead, ".data.bin.k3j_x9a2.part"]  # killed; an older kflow's
    kept = [".data.bin.%d.0123456789ab.part" % os.getppid(),  # a download still running elsewhere
            ".other.bin.%d.0123456789ab.part" % dead]  # another file's
    for name in stale + kept:
        (cache / name).write_bytes(b"\x00" * 64)
    path = download.fetch("data.bin", str(cache), [source.as_uri()])
    assert pathlib.Path(path).read_bytes() == b"payload"
    assert sorted(os.listdir(cache)) == sorted(["data.bin"] + kept)
