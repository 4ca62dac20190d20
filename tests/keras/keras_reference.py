"""Runs a script under real Keras 3 (the TensorFlow venv named by KFLOW_KERAS_PYTHON) and returns what it
printed as JSON, so tests compare kflow with Keras itself; tests skip when that Python is not there."""
import json
import os
import subprocess

import pytest

KERAS_PYTHON = os.environ.get("KFLOW_KERAS_PYTHON", "/work/venv-tf-fr18/bin/python")
needs_keras = pytest.mark.skipif(not os.path.exists(KERAS_PYTHON),
                                 reason="no Python with real Keras (KFLOW_KERAS_PYTHON)")


def run_keras(script, payload):
    """``script`` reads ``payload`` (JSON) from stdin and prints one line "JSON<result>"; returns the result."""
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("PYTHONPATH", None)
    run = subprocess.run([KERAS_PYTHON, "-c", script], input=json.dumps(payload), capture_output=True, text=True,
                         env=env, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [l for l in run.stdout.splitlines() if l.startswith("JSON")]
    assert lines, run.stdout[-2000:] + run.stderr[-2000:]
    return json.loads(lines[-1][4:])
