"""Resuming with ModelCheckpoint + initial_epoch continues exactly like an uninterrupted run."""
import os

import numpy as np

import kflow as kf

from keras_testlib import mlp


def test_resume_from_checkpoint_matches_uninterrupted_run(blobs, tmp_path):
    (x, y), (xv, yv) = blobs
    template = str(tmp_path / "ckpt.{epoch:02d}.h5")

    full = mlp()
    start = full.get_weights()
    np.random.seed(123)  # fixes the shuffling seed of fit; the epoch's order depends only on (seed, epoch)
    h_full = full.fit(x, y, epochs=4, batch_size=32, validation_data=(xv, yv), verbose=0,
                      callbacks=[kf.keras.callbacks.ModelCheckpoint(template)])
    assert sorted(os.listdir(tmp_path)) == ["ckpt.%02d.h5" % e for e in (1, 2, 3, 4)]

    resumed = kf.keras.models.load_model(template.format(epoch=2))
    np.random.seed(123)
    h_rest = resumed.fit(x, y, epochs=4, batch_size=32, validation_data=(xv, yv), verbose=0, initial_epoch=2)
    assert h_rest.epoch == [2, 3]
    assert np.allclose(h_rest.history["loss"], h_full.history["loss"][2:], rtol=1e-6)
    for a, b in zip(full.get_weights(), resumed.get_weights()):
        assert np.array_equal(a, b)
    assert not np.array_equal(start[0], full.get_weights()[0])
