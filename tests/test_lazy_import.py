"""``import kflow`` leaves h5py, tqdm and the HTTP stack unimported; they load on first use."""
import subprocess
import sys


def _run(code):
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_import_kflow_defers_h5py_tqdm_and_http():
    loaded = _run("import sys, kflow\n"
                  "print(sorted(m for m in ('h5py', 'tqdm', 'ssl', 'urllib.request') if m in sys.modules\n"
                  "             and type(sys.modules[m]).__name__ != '_LazyModule'))")
    assert loaded == "[]"


def test_lazy_modules_work_on_first_use_and_as_submodules(tmp_path):
    out = _run("import kflow, numpy as np\n"
               "from kflow.train import checkpoint_file as cf\n"
               "cf.write_checkpoint(%r, {'w': np.ones(2)})\n"
               "import http.server, urllib.request\n"  # http.server reads http.client at import time
               "print(cf.load_variable(%r, 'w').tolist(), http.client.HTTPMessage.__name__)"
               % (str(tmp_path / "c"), str(tmp_path / "c")))
    assert out == "[1.0, 1.0] HTTPMessage"
