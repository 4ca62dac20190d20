"""Runs scripts under a real ``mpiexec -n N`` (the MPICH of the ``mpi`` extra) for the distribute tests.

Skipped, with the reason, only when mpi4py (and so the MPI launcher) is not installed.
"""
import os
import shutil
import subprocess
import sys

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mpi_scripts")


def _mpiexec():
    try:
        import mpi4py  # noqa: F401
    except ImportError:
        return None
    here = os.path.join(os.path.dirname(sys.executable), "mpiexec")  # the mpich wheel's, beside this python
    return here if os.path.exists(here) else shutil.which("mpiexec")


@pytest.fixture
def mpirun(tmp_path):
    """``mpirun(script, n, *args, timeout=...)`` runs ``mpi_scripts/script`` on ``n`` ranks with this checkout's
    kflow and returns the CompletedProcess (output captured); ``args`` may use ``{tmp}``."""
    launcher = _mpiexec()
    if launcher is None:
        pytest.skip("mpi4py is not installed (pip install 'kflow[mpi]': mpi4py + the mpich wheel)")

    def run(script, n, *args, timeout=120, check=True):
        env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""),
                   OMP_NUM_THREADS="1")
        cmd = [launcher, "-n", str(n), sys.executable, os.path.join(SCRIPTS, script)]
        cmd += [str(a).format(tmp=tmp_path) for a in args]
        proc = subprocess.run(cmd, env=env, cwd=str(tmp_path), capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise AssertionError("%s failed (exit %d):\n%s\n%s" % (" ".join(cmd), proc.returncode, proc.stdout,
                                                                  proc.stderr))
        return proc

    return run
