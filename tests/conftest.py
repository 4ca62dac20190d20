"""Shared fixtures: every test starts with a fresh default graph and no default session; the datasets the
recipes and loaders need are the real ones when present, else small generated IDX files; the run ends with a
one-line summary of what was skipped and why."""
import collections
import os
import re

import numpy as np
import pytest

import kflow as kf
from kflow.datasets import idx

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED_DATASETS = os.environ.get("KFLOW_DATA_DIR") or os.path.join(os.path.dirname(REPO_ROOT), "shared", "datasets")
# The layout of the shared folder: MNIST's test split only, Fashion-MNIST complete (smaller here).
GENERATED_SPLITS = {"mnist": {"t10k": 10000}, "fashion-mnist": {"train": 3000, "t10k": 1000}}


def write_generated_datasets(root, seed=0):
    """Writes learnable 28x28 uint8 IDX gz files (MNIST's names) under ``root/mnist`` and ``root/fashion-mnist``.

    Each class is a fixed random blob pattern plus noise, so a small MLP learns it in one epoch.
    """
    rng = np.random.RandomState(seed)
    coarse = rng.rand(10, 7, 7) > 0.6
    templates = np.kron(coarse, np.ones((4, 4))) * 200.0  # 10 distinct 28x28 patterns
    for folder, splits in GENERATED_SPLITS.items():
        os.makedirs(os.path.join(root, folder), exist_ok=True)
        for prefix, count in splits.items():
            labels = rng.randint(0, 10, count).astype(np.uint8)
            noise = rng.normal(0, 40, (count, 28, 28))
            images = np.clip(templates[labels] + noise + 20, 0, 255).astype(np.uint8)
            idx.write_idx(os.path.join(root, folder, "%s-images-idx3-ubyte.gz" % prefix), images)
            idx.write_idx(os.path.join(root, folder, "%s-labels-idx1-ubyte.gz" % prefix), labels)
    return root


@pytest.fixture(scope="session")
def generated_datasets(tmp_path_factory):
    """A folder like the shared datasets (``mnist/`` test split, ``fashion-mnist/``) of generated IDX files."""
    return write_generated_datasets(str(tmp_path_factory.mktemp("generated-datasets")))


@pytest.fixture(autouse=True)
def fresh_graph():
    kf.reset_default_graph()
    yield
    kf.reset_default_graph()


@pytest.fixture
def real_data_dir(monkeypatch):
    """The shared real datasets (IDX gz), for accuracy tests; skips when they are not beside the checkout."""
    if not os.path.isdir(SHARED_DATASETS):
        pytest.skip("real datasets not found at %s (set KFLOW_DATA_DIR)" % SHARED_DATASETS)
    monkeypatch.setenv("KFLOW_DATA_DIR", SHARED_DATASETS)
    return SHARED_DATASETS


@pytest.fixture
def data_dir(monkeypatch, request):
    """$KFLOW_DATA_DIR for the recipes and loaders: the real datasets when present, else generated ones."""
    path = SHARED_DATASETS if os.path.isdir(SHARED_DATASETS) else request.getfixturevalue("generated_datasets")
    monkeypatch.setenv("KFLOW_DATA_DIR", path)
    return path


def pytest_terminal_summary(terminalreporter):
    """One line saying how many tests were skipped, grouped by reason (pytest lists them only with -rs)."""
    reasons = collections.Counter()
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.replace("Skipped: ", "", 1)
        missing = re.search(r"No module named '([^'.]+)", reason)  # importorskip: name the package once
        reasons[missing.group(1) + " not installed" if missing else reason] += 1
    if reasons:
        terminalreporter.write_line("skipped %d: %s" % (sum(reasons.values()), "; ".join(
            "%d x %s" % (n, reason) for reason, n in reasons.most_common())))


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
def bit_flips():
    """``bit_flips(data, count, rng)`` yields ``(bit, damaged)`` ``count`` times: a copy of ``data`` with one random
    bit flipped, for fuzz tests of readers that must either detect the damage or read the same values."""
    def flips(data, count, rng):
        for _ in range(count):
            bit = int(rng.integers(0, len(data) * 8))
            damaged = bytearray(data)
            damaged[bit // 8] ^= 1 << (bit % 8)
            yield bit, bytes(damaged)
    return flips


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
