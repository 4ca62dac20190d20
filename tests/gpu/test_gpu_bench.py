"""bench/gpu_train.py: without cupy or a GPU it says why and exits 0; its report code runs on the CPU too."""
import os
import subprocess
import sys

import pytest

from kflow.engine import devices

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "bench")


def test_skips_with_a_clear_message_without_a_gpu():
    if devices.cupy_available():
        pytest.skip("a GPU is visible: the benchmark would really run")
    done = subprocess.run([sys.executable, os.path.join(BENCH, "gpu_train.py")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert "bench/gpu_train.py skipped:" in done.stdout
    assert ("cupy is not installed" in done.stdout) or ("no CUDA device is visible" in done.stdout)


def test_cnn_report_runs_kflow_steps(data_dir, capsys, monkeypatch):
    monkeypatch.syspath_prepend(BENCH)
    import gpu_train

    gpu_train.bench_cnn(steps=2, repeat=1, with_torch=False)  # on this machine's default device
    out = capsys.readouterr().out
    assert out.startswith("cnn batch 128  kflow") and "steps/s" in out and "kflow/torch" not in out
