"""Progress output never loses the epoch result: terminal, pseudo-terminal with no size, pipe, verbose=2."""
import io
import os
import pty
import re
import subprocess
import sys
import textwrap

import kflow as kf
from keras_testlib import mlp

_WIDE = ["acc", "crossentropy", "sparse_categorical_crossentropy", "sparse_top_k_categorical_accuracy"]


class _Tty(io.StringIO):
    """A terminal that reports no size (as a pseudo-terminal without a window size)."""

    def isatty(self):
        return True


def _epoch_lines(text):
    """The epoch result lines ("Epoch 1/2 - 0.1s - loss: ..."), not the bar's own lines."""
    return [seg for line in text.splitlines() for seg in line.split("\r") if re.match(r"Epoch \d+/\d+ - ", seg)]


def test_terminal_prints_the_whole_epoch_line_after_the_bar(blobs):
    (x, y), (xv, yv) = blobs
    stream = _Tty()
    model = mlp(metrics=_WIDE)
    model.fit(x, y, epochs=2, validation_data=(xv, yv), verbose=0,
              callbacks=[kf.keras.callbacks.ProgbarLogger(file=stream, verbose=1)])
    lines = _epoch_lines(stream.getvalue())
    assert [l.split(" - ")[0] for l in lines] == ["Epoch 1/2", "Epoch 2/2"]
    for line in lines:  # far wider than 80 columns, and whole: the last validation metric is there
        assert len(line) > 160 and "val_sparse_top_k_categorical_accuracy: " in line and "% / compute" in line


def test_pipe_prints_one_line_per_epoch_and_verbose_2_as_keras(blobs, capsys):
    (x, y), _ = blobs
    model = mlp()
    model.fit(x, y, epochs=2, batch_size=64, verbose=1)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[1].startswith("Epoch 2/2 - ") and "acc: " in out[1]
    model.fit(x, y, epochs=2, batch_size=64, verbose=2)
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "Epoch 1/2" and out[1].startswith("5/5 - ") and "loss: " in out[1] and out[2] == "Epoch 2/2"


def test_real_pseudo_terminal_without_size_shows_the_epoch_line(tmp_path):
    script = tmp_path / "fit.py"
    script.write_text(textwrap.dedent("""
        import numpy as np, kflow as kf
        x = np.random.RandomState(0).rand(64, 4).astype("float32"); y = (x[:, 0] > 0.5).astype("int64")
        m = kf.keras.Sequential([kf.keras.layers.Dense(2, activation="softmax", input_shape=(4,))])
        m.compile("adam", "sparse_categorical_crossentropy",
                  metrics=["acc", "crossentropy", "sparse_top_k_categorical_accuracy"])
        m.fit(x, y, epochs=1, validation_data=(x, y), verbose=1)
    """))
    master, slave = pty.openpty()  # a fresh pty has rows = cols = 0: "no size"
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    env.pop("COLUMNS", None)
    proc = subprocess.Popen([sys.executable, str(script)], stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    text = b"".join(chunks).decode("utf8", "replace")
    lines = _epoch_lines(text.replace("\r\n", "\n"))
    assert proc.returncode == 0, text
    assert any("val_sparse_top_k_categorical_accuracy: " in l for l in lines), text
