"""The GAN and transfer-learning recipes run end to end on a small --limit."""
import os

import numpy as np

import kflow as kf
from kflow.summary.png import decode_png
from recipe_loader import load_recipe


def test_gan_mnist_trains_both_nets_and_saves_and_logs_sample_grids(data_dir, tmp_path, capsys):
    gan = load_recipe("gan_mnist")
    generator, discriminator, files = gan.main(["--limit", "128", "--epochs", "2", "--batch-size", "32",
                                                "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "Epoch 2/2 - d_loss: " in out and "g_loss: " in out
    assert [os.path.basename(f) for f in files] in (["epoch_001.png", "epoch_002.png"],
                                                    ["epoch_001.pgm", "epoch_002.pgm"])
    assert all(os.path.getsize(f) > 100 for f in files)
    logs = tmp_path / "logs"
    events = [e for f in os.listdir(logs) for e in kf.train.summary_iterator(str(logs / f))
              if e.summary and any(v.image for v in e.summary.value)]
    images = [v for e in events for v in e.summary.value if v.image]
    assert [e.step for e in events] == [1, 2] and [v.tag for v in images] == ["samples/image/0"] * 2
    picture = decode_png(images[-1].image.encoded_image_string)
    assert picture.shape[:2] == (112, 112) and picture.std() > 0  # a 4x4 grid of 28x28 samples, not blank


def test_gan_sample_grid_without_pillow(tmp_path, monkeypatch):
    gan = load_recipe("gan_mnist")
    monkeypatch.setattr(gan, "Image", None)
    picture = gan.grid(np.random.RandomState(0).rand(16, 28, 28, 1))
    path = gan.save_image(picture, str(tmp_path / "grid"))
    data = open(path, "rb").read()
    assert path.endswith(".pgm") and data.startswith(b"P5 112 112 255\n") and data.endswith(picture.tobytes())


def test_transfer_freezes_the_base_then_fine_tunes(data_dir, tmp_path, capsys):
    head_acc, tuned_acc, same = load_recipe("transfer").main(["--limit", "1024", "--epochs", "2", "--verbose", "0",
                                                              "--new-examples", "300", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "New head on the frozen base" in out and "Fine-tuned" in out and same
    assert 0.0 <= head_acc <= 1.0 and tuned_acc > 0.3  # 5 classes: chance is 0.2
    assert os.path.exists(tmp_path / "transfer.h5")
