"""A rank that crashes makes the whole job exit with a clear error instead of hanging in a collective."""
import subprocess

import pytest


def test_crashing_rank_aborts_the_job(mpirun):
    try:
        proc = mpirun("crash.py", 2, timeout=60, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail("the job hung after rank 1 crashed")
    assert proc.returncode != 0
    assert "rank 1 of 2 failed; aborting all ranks" in proc.stderr
    assert "RuntimeError: simulated failure on rank 1" in proc.stderr
    assert "should not happen" not in proc.stdout
