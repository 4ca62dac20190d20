"""keep_freed_buffers: glibc's mmap and trim thresholds are raised once per process, when a Session starts."""
import sys

import pytest

import kflow as kf
from kflow.engine import host_memory


class _FakeLibc:
    def __init__(self, result=1):
        self.calls = []
        self.result = result

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return self.result


def test_sets_both_thresholds_once(monkeypatch):
    fake = _FakeLibc()
    monkeypatch.setattr(host_memory, "_libc", lambda: fake)
    monkeypatch.setattr(host_memory, "_state", [])
    assert host_memory.keep_freed_buffers() is True
    assert host_memory.keep_freed_buffers() is True
    assert fake.calls == [(host_memory.M_MMAP_THRESHOLD, 32 << 20), (host_memory.M_TRIM_THRESHOLD, 1 << 30)]


def test_rejected_value_or_no_glibc_reports_false(monkeypatch):
    monkeypatch.setattr(host_memory, "_libc", lambda: _FakeLibc(result=0))
    monkeypatch.setattr(host_memory, "_state", [])
    assert host_memory.keep_freed_buffers() is False
    monkeypatch.setattr(host_memory, "_libc", lambda: None)
    monkeypatch.setattr(host_memory, "_state", [])
    assert host_memory.keep_freed_buffers() is False


def test_session_applies_it(monkeypatch):
    fake = _FakeLibc()
    monkeypatch.setattr(host_memory, "_libc", lambda: fake)
    monkeypatch.setattr(host_memory, "_state", [])
    with kf.Graph().as_default():
        kf.Session().close()
    assert len(fake.calls) == 2


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc only")
def test_real_glibc_accepts_the_values():
    libc = host_memory._libc()
    if libc is None:
        pytest.skip("not glibc")
    assert libc.mallopt(host_memory.M_MMAP_THRESHOLD, host_memory.MMAP_THRESHOLD) == 1
    assert libc.mallopt(host_memory.M_TRIM_THRESHOLD, host_memory.TRIM_THRESHOLD) == 1
