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
