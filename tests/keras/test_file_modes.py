"""Files kflow writes get the process umask's mode (0o666 & ~umask), as any file (no 0600 from mkstemp)."""
import gzip
import os

import numpy as np
import pytest

import kflow as kf
from kflow.datasets import download


def _mode(path):
    return os.stat(path).st_mode & 0o777


@pytest.mark.parametrize("umask", [0o022, 0o002, 0o077])
def test_written_files_honour_the_umask(tmp_path, umask, blobs):
    (x, y), _ = blobs
    old = os.umask(umask)
    try:
        model = kf.keras.Sequential([kf.keras.layers.Dense(3, activation="softmax", input_shape=(8,))])
        model.compile("adam", "sparse_categorical_crossentropy")
        model.fit(x[:32], y[:32], verbose=0, callbacks=[
            kf.keras.callbacks.ModelCheckpoint(str(tmp_path / "ckpt.h5")),
            kf.keras.callbacks.CSVLogger(str(tmp_path / "log.csv")),
            kf.keras.callbacks.TensorBoard(str(tmp_path / "tb"))])
        model.save(str(tmp_path / "model.h5"))
        model.save_weights(str(tmp_path / "weights.h5"))
        (tmp_path / "saver").mkdir()
        with kf.Graph().as_default():
            v = kf.Variable(1.0, name="v")
            with kf.Session() as sess:
                sess.run(v.initializer)
                prefix = kf.train.Saver().save(sess, str(tmp_path / "saver" / "model.ckpt"), global_step=1)
        src = tmp_path / "mirror"
        src.mkdir()
        with gzip.open(src / "data.gz", "wb") as f:
            f.write(b"payload")
        got = download.fetch("data.gz", str(tmp_path / "cache"), ["file://" + str(src) + "/"])
    finally:
        os.umask(old)
    expected = 0o666 & ~umask
    written = [tmp_path / n for n in ("ckpt.h5", "log.csv", "model.h5", "weights.h5")]
    written += list((tmp_path / "tb").rglob("events.out.tfevents.*"))
    written += [p for p in (tmp_path / "saver").iterdir()]
    written.append(got)
    assert len(written) >= 8
    for path in written:
        assert _mode(path) == expected, (str(path), oct(_mode(path)), oct(expected))
    assert prefix.endswith("-1") and np.isfinite(model.evaluate(x[:8], y[:8]))
