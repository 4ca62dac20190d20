"""``python -m kflow`` prints the set-up: version and location, numpy BLAS, GPU, MPI, data and cache folders."""
import os
import subprocess
import sys

import kflow


def test_python_m_kflow_reports_the_setup(tmp_path):
    env = dict(os.environ, KFLOW_DATA_DIR=str(tmp_path / "nowhere"), KFLOW_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "kflow"], capture_output=True, text=True, env=env, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(kflow.__file__))))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "kflow %s (%s)" % (kflow.__version__, os.path.dirname(os.path.abspath(kflow.__file__)))
    text = out.stdout
    assert "numpy " in text and "BLAS: " in text and "GPU: " in text and "MPI: " in text
    assert "data dir ($KFLOW_DATA_DIR): %s (does not exist)" % (tmp_path / "nowhere") in text
    assert "dataset cache ($KFLOW_CACHE_DIR): %s (does not exist)" % (tmp_path / "datasets") in text
