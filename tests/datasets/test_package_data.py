"""``pip wheel .`` carries the embedded MNIST subset (declared as package data in pyproject.toml)."""
import hashlib
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from kflow.datasets import mnist

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_wheel_contains_the_subset_and_its_licence(tmp_path):
    # A copy, so the build leaves no build/ or *.egg-info in the checkout.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO_ROOT / name, source / name)
    shutil.copytree(REPO_ROOT / "kflow", source / "kflow", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(tmp_path / "dist")],
                          cwd=source, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0 and "No matching distribution found for setuptools" in proc.stdout + proc.stderr:
        pytest.skip("pip cannot reach an index for the build backend (setuptools)")
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    (wheel,) = (tmp_path / "dist").glob("kflow-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        members = {info.filename: info for info in archive.infolist()}
        prefix = "kflow/datasets/data/mnist-subset/"
        shipped = {name[len(prefix):]: hashlib.sha256(archive.read(name)).hexdigest()
                   for name in members if name.startswith(prefix) and name.endswith(".gz")}
        assert shipped == mnist.EMBEDDED_SHA256
        assert b"CC BY-SA 3.0" in archive.read(prefix + "LICENSE.md")
        assert "kflow/datasets/embedded.py" in members
