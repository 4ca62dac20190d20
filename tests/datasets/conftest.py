"""Fixtures for the dataset tests: isolated env, shared files, a local HTTP mirror."""
import functools
import http.server
import os
import pathlib
import threading

import pytest

from kflow.datasets import download, fashion_mnist, mnist

_REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
# Read once at import time: the autouse fixture below clears the variable.
SHARED_DATASETS = pathlib.Path(os.environ.get("KFLOW_DATA_DIR")
                               or _REPO_ROOT.parent / "shared" / "datasets")
# Port 9 (discard) on loopback refuses connections at once: a safe "no network".
DEAD_MIRROR = "http://127.0.0.1:9/"


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """A private cache, no data dir, and mirrors that never reach the internet."""
    monkeypatch.setenv("KFLOW_CACHE_DIR", str(tmp_path / "kflow-home"))
    monkeypatch.delenv("KFLOW_DATA_DIR", raising=False)
    monkeypatch.setenv("KFLOW_MNIST_MIRROR", DEAD_MIRROR)
    monkeypatch.setenv("KFLOW_FASHION_MNIST_MIRROR", DEAD_MIRROR)
    return tmp_path / "kflow-home" / "datasets"


@pytest.fixture
def real_datasets():
    """The real shared datasets (mnist/ test split, fashion-mnist/), for tests of their content; skips if absent."""
    if not (SHARED_DATASETS / "mnist").is_dir():
        pytest.skip(f"real datasets not found at {SHARED_DATASETS} (set KFLOW_DATA_DIR)")
    return SHARED_DATASETS


@pytest.fixture
def shared_datasets(request, monkeypatch):
    """A folder like the shared datasets: the real one when present, else generated IDX files (whose MD5s then
    replace the real ones, so downloads of them verify)."""
    if (SHARED_DATASETS / "mnist").is_dir():
        return SHARED_DATASETS
    root = pathlib.Path(request.getfixturevalue("generated_datasets"))
    for module, folder in ((mnist, "mnist"), (fashion_mnist, "fashion-mnist")):
        for name in os.listdir(root / folder):
            monkeypatch.setitem(module.MD5, name[:-len(".gz")], download.content_md5(root / folder / name))
    return root


class _CountingHandler(http.server.SimpleHTTPRequestHandler):
    def do_GET(self):
        self.server.requests.append(self.path)
        super().do_GET()

    def log_message(self, *args):  # keep test output quiet
        pass


class LocalMirror:
    """A static file server on 127.0.0.1 serving ``root``; records request paths."""

    def __init__(self, root):
        self.root = pathlib.Path(root)
        handler = functools.partial(_CountingHandler, directory=str(self.root))
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.requests = []
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        # Bounded: even if a test hangs, the server stops by itself.
        self._watchdog = threading.Timer(60.0, self._server.shutdown)
        self._watchdog.daemon = True

    @property
    def requests(self):
        return list(self._server.requests)

    def start(self):
        self._thread.start()
        self._watchdog.start()
        return self

    def stop(self):
        self._watchdog.cancel()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@pytest.fixture
def local_mirror(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    mirror = LocalMirror(root).start()
    try:
        yield mirror
    finally:
        mirror.stop()
