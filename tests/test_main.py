"""``python -m kflow`` prints the set-up: version and location, numpy BLAS, compiled updates, GPU, MPI, data and cache
folders."""
import os
import subprocess
import sys

import pytest

import kflow
from kflow.train import compiled_updates


def test_python_m_kflow_reports_the_setup(tmp_path):
    env = dict(os.environ, KFLOW_DATA_DIR=str(tmp_path / "nowhere"), KFLOW_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-m", "kflow"], capture_output=True, text=True, env=env, timeout=120,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(kflow.__file__))))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "kflow %s (%s)" % (kflow.__version__, os.path.dirname(os.path.abspath(kflow.__file__)))
    text = out.stdout
    assert "numpy " in text and "BLAS: " in text and "GPU: " in text and "MPI: " in text
    assert "compiled optimizer updates: %s" % ("built (" if compiled_updates.kernels else "not built") in text
    assert "data dir ($KFLOW_DATA_DIR): %s (does not exist)" % (tmp_path / "nowhere") in text
    assert "dataset cache ($KFLOW_CACHE_DIR): %s (does not exist)" % (tmp_path / "datasets") in text


def test_python_m_kflow_from_the_folder_above_a_clone_explains_the_namespace_trap(tmp_path):
    repo = os.path.dirname(os.path.dirname(os.path.abspath(kflow.__file__)))
    os.symlink(repo, str(tmp_path / "kflow"))  # a clone named kflow, with us in its parent folder
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-m", "kflow"], capture_output=True, text=True, env=env, timeout=120,
                         cwd=str(tmp_path))
    if out.returncode == 0:  # a regular or path-based install wins over a namespace folder
        pytest.skip("kflow resolves to the real package here (regular or path-based editable install): no trap")
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "found the kflow repository folder %s" % (tmp_path / "kflow") in out.stderr
    assert "cd %s" % (tmp_path / "kflow") in out.stderr


def test_import_kflow_from_the_folder_above_a_clone_gets_the_real_package(tmp_path):
    """The README's install (path-based editable, or a regular install) leaves no namespace trap."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(kflow.__file__)))
    os.symlink(repo, str(tmp_path / "kflow"))  # a clone named kflow, with us in its parent folder
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([sys.executable, "-c", "import kflow; print(kflow.__file__, kflow.Session.__name__)"],
                         capture_output=True, text=True, env=env, timeout=120, cwd=str(tmp_path))
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[0].endswith(os.path.join("kflow", "__init__.py")) and "Session" in out.stdout
