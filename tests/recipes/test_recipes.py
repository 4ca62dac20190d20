"""Each recipe runs end to end, fast, on a small slice of the real data (or of generated IDX files where the
real data is absent), and a missing dataset ends a recipe with one short message and exit status 1."""
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest

from recipe_loader import RECIPES, load_recipe


@pytest.mark.parametrize("dataset", ["mnist", "fashion_mnist"])
def test_mnist_mlp(data_dir, tmp_path, capsys, dataset):
    acc = load_recipe("mnist_mlp").main(["--dataset", dataset, "--epochs", "1", "--limit", "1024",
                                         "--out", str(tmp_path), "--verbose", "2"])
    out = capsys.readouterr().out
    assert "Test loss" in out and "Epoch 1/1" in out and acc > 0.5
    assert os.listdir(tmp_path / "logs") and os.listdir(tmp_path / "checkpoints")
    if dataset == "mnist":  # only the MNIST test split is shared: the recipe says how it splits it
        assert "first 8,000" in out


def test_mnist_cnn(data_dir, tmp_path, capsys):
    acc = load_recipe("mnist_cnn").main(["--epochs", "1", "--limit", "256", "--out", str(tmp_path), "--verbose", "0"])
    assert "Test loss" in capsys.readouterr().out and 0.0 <= acc <= 1.0


def test_custom_layer(data_dir, capsys, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", None)  # re-read TMPDIR
    acc, restored = load_recipe("custom_layer").main(["--epochs", "1", "--limit", "1024", "--verbose", "0",
                                                      "--dataset", "fashion_mnist"])
    out = capsys.readouterr().out
    assert acc == restored and "same predictions: True" in out
    assert os.listdir(temp) == []  # the saved model's temporary folder is gone


def test_estimator_mnist(data_dir, tmp_path, capsys, caplog):
    caplog.set_level("INFO", logger="kflow.estimator")
    args = ["--epochs", "1", "--limit", "1024", "--model-dir", str(tmp_path)]
    metrics = load_recipe("estimator_mnist").main(args)
    assert metrics["global_step"] == 8 and "First 10 test images" in capsys.readouterr().out
    assert "loss = " in caplog.text and "step = 1" in caplog.text  # progress while training
    metrics = load_recipe("estimator_mnist").main(args)  # a second run resumes, and says so
    assert metrics["global_step"] == 16
    assert "Resuming from %s (step 8)" % (tmp_path / "model.ckpt-8") in capsys.readouterr().out


def test_linear_regression(capsys):
    w, b = load_recipe("linear_regression").main(["--steps", "500"])
    assert abs(w - 3.0) < 0.1 and abs(b - 2.0) < 0.1
    assert "step 499" in capsys.readouterr().out


def test_tfrecord_pipeline(data_dir, tmp_path, capsys):
    acc = load_recipe("tfrecord_pipeline").main(["--dataset", "fashion_mnist", "--epochs", "2", "--limit", "2048",
                                                 "--shards", "3", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "wrote 2048 training" in out and "epoch 2:" in out and acc > 0.6
    shards = sorted(p for p in os.listdir(tmp_path) if p.startswith("train-"))
    assert shards == ["train-%05d-of-00003.tfrecord" % s for s in range(3)]
    import kflow as kf  # the shards are real TFRecord files of Examples

    records = [r for s in shards for r in kf.io.tf_record_iterator(str(tmp_path / s))]
    assert len(records) == 2048
    assert len(kf.train.Example.FromString(records[0]).features.feature["image_raw"].bytes_list.value[0]) == 784


def _run_offline(tmp_path, *args, **env):
    """Runs a recipe as a script with no data, no cache and a dead mirror; returns the CompletedProcess."""
    base = {k: v for k, v in os.environ.items() if k not in ("KFLOW_DATA_DIR", "KFLOW_DEBUG")}
    env = dict(base, KFLOW_CACHE_DIR=str(tmp_path / "cache"), KFLOW_MNIST_MIRROR="http://127.0.0.1:9/",
               KFLOW_FASHION_MNIST_MIRROR="http://127.0.0.1:9/", PYTHONPATH=os.path.dirname(RECIPES), **env)
    return subprocess.run([sys.executable, os.path.join(RECIPES, args[0])] + list(args[1:]), cwd=str(tmp_path),
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("recipe", ["mnist_mlp.py", "mnist_cnn.py", "custom_layer.py", "estimator_mnist.py",
                                    "tfrecord_pipeline.py"])
def test_missing_dataset_gives_one_short_message_and_exit_1(tmp_path, recipe):
    empty = tmp_path / "data"
    (empty / "fashion-mnist").mkdir(parents=True)
    result = _run_offline(tmp_path, recipe, "--dataset", "fashion_mnist", "--data-dir", str(empty))
    assert result.returncode == 1, result.stderr
    err = result.stderr
    assert "Traceback" not in err and len(err.splitlines()) <= 12
    assert "The fashion_mnist dataset is not available" in err
    assert "%s  ($KFLOW_DATA_DIR, exists, holds 0 of the 4 files)" % (empty / "fashion-mnist") in err
    assert "%s  (cache, does not exist)" % (tmp_path / "cache" / "datasets" / "fashion-mnist") in err
    assert "Connection refused" in err and "--data-dir %s: put the files in" % empty in err
    assert err.count("Looked in") == 1  # said once
    assert sorted(os.listdir(tmp_path)) == ["data"]  # no cache folders, no runs/ output


def test_missing_dataset_debug_shows_the_traceback(tmp_path):
    result = _run_offline(tmp_path, "mnist_mlp.py", "--dataset", "fashion_mnist", "--debug")
    assert result.returncode == 1 and "Traceback" in result.stderr and "NotFoundError" in result.stderr
    result = _run_offline(tmp_path, "mnist_mlp.py", "--dataset", "fashion_mnist", KFLOW_DEBUG="1")
    assert result.returncode == 1 and "Traceback" in result.stderr
    result = _run_offline(tmp_path, "mnist_mlp.py", "--dataset", "fashion")
    assert result.returncode == 2 and "invalid choice: 'fashion'" in result.stderr and "Traceback" not in result.stderr


def _offline(monkeypatch, tmp_path):
    """No local MNIST, an empty cache and a mirror that refuses connections (the discard port)."""
    monkeypatch.setenv("KFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KFLOW_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("KFLOW_MNIST_MIRROR", "http://127.0.0.1:9/")


@pytest.mark.parametrize("recipe", ["mnist_cnn", "estimator_mnist"])
def test_mnist_without_any_files_uses_the_embedded_subset(recipe, tmp_path, monkeypatch, capsys):
    """No MNIST anywhere: the recipe trains on the subset shipped in kflow, and says so and where to put the full set."""
    _offline(monkeypatch, tmp_path)
    out_flag = "--model-dir" if recipe == "estimator_mnist" else "--out"
    load_recipe(recipe).main(["--dataset", "mnist", "--epochs", "1", "--limit", "512", out_flag, str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert "Data: the MNIST subset embedded in kflow (9,000 training and 1,000 test images" in out
    assert "$KFLOW_DATA_DIR/mnist/" in out and "Connection refused" not in out


def test_main_job_offline_end_to_end(tmp_path):
    """``python recipes/mnist_mlp.py`` as a user runs it on a fresh machine: no data, no network, default flags."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KFLOW_")}
    env.update(HOME=str(tmp_path / "home"), KFLOW_CACHE_DIR=str(tmp_path / "cache"),
               KFLOW_MNIST_MIRROR="http://127.0.0.1:9/", PYTHONPATH=os.path.dirname(RECIPES))
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, os.path.join(RECIPES, "mnist_mlp.py")], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=600)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert "Data: the MNIST subset embedded in kflow" in proc.stdout
    assert "mnist: 9000 training and 1000 test images" in proc.stdout
    accuracy = float(re.search(r"test accuracy: ([0-9.]+)", proc.stdout).group(1))
    assert accuracy >= 0.95, proc.stdout[-2000:]
    assert os.listdir(tmp_path / "runs" / "mnist_mlp" / "checkpoints")
    print("main job offline: test accuracy %.4f in %.1f s" % (accuracy, seconds))
