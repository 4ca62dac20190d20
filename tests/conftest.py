"""Shared fixtures: every test starts with a fresh default graph and no default session."""
import os

import pytest

import kflow as kf

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATASETS = os.environ.get("KFLOW_DATA_DIR") or os.path.join(os.path.dirname(REPO_ROOT), "shared", "datasets")


@pytest.fixture(autouse=True)
def fresh_graph():
    kf.reset_default_graph()
    yield
    kf.reset_default_graph()


@pytest.fixture
def data_dir(monkeypatch):
    """The shared real datasets (IDX gz); skips when they are not beside the checkout."""
    if not os.path.isdir(SHARED_DATASETS):
        pytest.skip("shared datasets not found at %s (set KFLOW_DATA_DIR)" % SHARED_DATASETS)
    monkeypatch.setenv("KFLOW_DATA_DIR", SHARED_DATASETS)
    return SHARED_DATASETS


@pytest.fixture
def threaded(monkeypatch):
    """Forces kernels' batch split across 2 threads (BLAS-calling ones too) and 1-image cache blocks, whatever
    the input size; ``threaded.serial()`` turns the split off again, for a one-thread reference."""
    from kflow.engine import blas_threads
    from kflow.engine.ops import batch_parallel, math_ops

    monkeypatch.setattr(batch_parallel, "MIN_ELEMENTS", 1)
    monkeypatch.setattr(math_ops, "MACS_PER_ELEMENT", 1)
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    monkeypatch.setattr(batch_parallel, "L2_BLOCK_BYTES", 1)
    monkeypatch.setattr(blas_threads, "available", lambda: True)  # where it is not, single_threaded() is a no-op
    monkeypatch.setattr(blas_threads, "lowered", lambda: True)  # as inside a plan with convolutions

    class Threaded:
        @staticmethod
        def serial():
            monkeypatch.setattr(batch_parallel, "thread_count", lambda: 1)
            monkeypatch.setattr(batch_parallel, "L2_BLOCK_BYTES", 1 << 30)

    return Threaded()


@pytest.fixture
def full_disk():
    """``full_disk(limit)`` makes this process's writes beyond ``limit`` bytes of a file fail with EFBIG
    ("File too large", what h5py reports for a full disk) until the test ends."""
    import resource
    import signal

    old_limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    old_handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    yield lambda limit: resource.setrlimit(resource.RLIMIT_FSIZE, (limit, old_limit[1]))
    resource.setrlimit(resource.RLIMIT_FSIZE, old_limit)
    signal.signal(signal.SIGXFSZ, old_handler)


@pytest.fixture
def ram_tmp_path(tmp_path):
    """A scratch directory in memory (/dev/shm) when the OS has one, else ``tmp_path``: fuzz tests write and
    open a file per case, which costs milliseconds on a busy disk."""
    import pathlib
    import shutil
    import tempfile

    if not os.access("/dev/shm", os.W_OK):
        yield tmp_path
        return
    path = tempfile.mkdtemp(prefix="kflow-test-", dir="/dev/shm")
    try:
        yield pathlib.Path(path)
    finally:
        shutil.rmtree(path, ignore_errors=True)
