import csv
import os
import warnings

import numpy as np
import pytest

import kflow as kf
from kflow.keras import backend as K
from kflow.keras import callbacks as cb
from kflow.summary import summary_iterator

from keras_testlib import mlp


class Recorder(cb.Callback):
    def __init__(self):
        super().__init__()
        self.events = []

    def on_train_begin(self, logs=None):
        self.events.append("train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self.events.append("epoch_begin %d" % epoch)

    def on_batch_end(self, batch, logs=None):
        self.events.append("batch_end %d" % batch)

    def on_epoch_end(self, epoch, logs=None):
        self.events.append("epoch_end %d" % epoch)

    def on_train_end(self, logs=None):
        self.events.append("train_end")


def test_hook_order_and_params(blobs):
    (x, y), _ = blobs
    rec = Recorder()
    mlp().fit(x[:64], y[:64], batch_size=32, epochs=2, callbacks=[rec], verbose=0)
    assert rec.events == ["train_begin", "epoch_begin 0", "batch_end 0", "batch_end 1", "epoch_end 0",
                          "epoch_begin 1", "batch_end 0", "batch_end 1", "epoch_end 1", "train_end"]
    assert rec.params["epochs"] == 2 and rec.params["steps"] == 2 and rec.params["metrics"] == ["loss", "acc"]


def test_on_train_end_runs_when_training_fails(blobs):
    (x, y), _ = blobs

    class Boom(Recorder):
        def on_batch_end(self, batch, logs=None):
            raise RuntimeError("boom")

    rec = Boom()
    with pytest.raises(RuntimeError, match="boom"):
        mlp().fit(x, y, callbacks=[rec], verbose=0)
    assert rec.events[-1] == "train_end"


def test_model_checkpoint_templates_and_best_only(blobs, tmp_path):
    (x, y), (xv, yv) = blobs
    model = mlp()
    every = cb.ModelCheckpoint(str(tmp_path / "all" / "w.{epoch:02d}-{val_loss:.2f}.h5"), save_weights_only=True)
    best = cb.ModelCheckpoint(str(tmp_path / "best.h5"), monitor="val_acc", save_best_only=True, mode="max")
    h = model.fit(x, y, epochs=3, validation_data=(xv, yv), callbacks=[every, best], verbose=0)
    files = sorted(os.listdir(tmp_path / "all"))
    assert files == ["w.%02d-%.2f.h5" % (e + 1, h.history["val_loss"][e]) for e in range(3)]
    assert best.best == max(h.history["val_acc"])
    loaded = kf.keras.models.load_model(str(tmp_path / "best.h5"))
    assert loaded.evaluate(xv, yv)[1] == pytest.approx(best.best, abs=1e-6)
    last = mlp()
    last.load_weights(str(tmp_path / "all" / files[-1]))
    assert np.array_equal(last.predict(xv), model.predict(xv))


def test_model_checkpoint_period_and_missing_monitor(blobs, tmp_path):
    (x, y), _ = blobs
    ck = cb.ModelCheckpoint(str(tmp_path / "p{epoch}.h5"), period=2, save_weights_only=True)
    mlp().fit(x, y, epochs=4, callbacks=[ck], verbose=0)
    assert sorted(os.listdir(tmp_path)) == ["p2.h5", "p4.h5"]
    with pytest.warns(RuntimeWarning, match="val_loss"):
        mlp().fit(x, y, epochs=1, verbose=0,
                  callbacks=[cb.ModelCheckpoint(str(tmp_path / "b.h5"), save_best_only=True)])


def _losses_then_worse():
    """A callback faking val_loss values, so EarlyStopping sees a known sequence."""
    seq = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9]

    class Fake(cb.Callback):
        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = seq[epoch]
            self.model.snapshots.append(self.model.get_weights())

    return Fake()


def test_early_stopping_patience_and_restore(blobs):
    (x, y), _ = blobs
    model = mlp()
    model.snapshots = []
    stop = cb.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    h = model.fit(x, y, epochs=6, callbacks=[_losses_then_worse(), stop], verbose=0)
    assert h.epoch == [0, 1, 2, 3] and stop.stopped_epoch == 3 and stop.best == 0.5
    for a, b in zip(model.get_weights(), model.snapshots[1]):
        assert np.array_equal(a, b)


def test_early_stopping_restores_when_training_ends_normally(blobs):
    (x, y), _ = blobs
    model = mlp()
    model.snapshots = []
    stop = cb.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True)
    model.fit(x, y, epochs=4, callbacks=[_losses_then_worse(), stop], verbose=0)
    assert stop.stopped_epoch == 0
    for a, b in zip(model.get_weights(), model.snapshots[1]):
        assert np.array_equal(a, b)


def test_early_stopping_min_delta_mode_baseline(blobs):
    (x, y), _ = blobs
    stop = cb.EarlyStopping(monitor="acc", min_delta=1.0, patience=1)
    assert stop._monitor.mode == "max"
    h = mlp().fit(x, y, epochs=5, callbacks=[stop], verbose=0)
    assert h.epoch == [0, 1]  # accuracy cannot improve by 1.0 after the first epoch
    stop = cb.EarlyStopping(monitor="loss", baseline=-1.0, patience=2)
    assert len(mlp().fit(x, y, epochs=5, callbacks=[stop], verbose=0).epoch) == 2


def test_tensorboard_writes_scalars_histograms_graph(blobs, tmp_path):
    (x, y), (xv, yv) = blobs
    model = mlp()
    tb = cb.TensorBoard(log_dir=str(tmp_path), histogram_freq=1, update_freq="batch")
    model.fit(x, y, epochs=2, batch_size=64, validation_data=(xv, yv), callbacks=[tb], verbose=0)
    files = [f for f in os.listdir(tmp_path) if f.startswith("events.out.tfevents")]
    assert len(files) == 1
    events = list(summary_iterator(os.path.join(tmp_path, files[0])))
    scalars, histos, graphs = {}, set(), 0
    for e in events:
        graphs += e.HasField("graph_def")
        if e.HasField("summary"):
            for v in e.summary.value:
                if v.HasField("histo"):
                    histos.add(v.tag)
                else:
                    scalars.setdefault(v.tag, []).append((e.step, v.simple_value))
    assert graphs == 1
    assert [s for s, _ in scalars["val_acc"]] == [0, 1] and len(scalars["batch_loss"]) == 10
    assert scalars["loss"][0][1] == pytest.approx(model.history.history["loss"][0], rel=1e-6)
    assert "dense/kernel_0" in histos and len(histos) == 4


def test_learning_rate_scheduler(blobs):
    (x, y), _ = blobs
    model = mlp(optimizer=kf.keras.optimizers.SGD(lr=0.1))
    seen = []
    sched = cb.LearningRateScheduler(lambda epoch, lr: 0.1 / (epoch + 1))
    spy = cb.LambdaCallback(on_epoch_begin=lambda e, logs: seen.append(K.get_value(model.optimizer.lr)))
    h = model.fit(x, y, epochs=3, callbacks=[sched, spy], verbose=0)
    assert np.allclose(seen, [0.1, 0.05, 0.1 / 3]) and np.allclose(h.history["lr"], seen)
    one_arg = cb.LearningRateScheduler(lambda epoch: 0.01)
    model.fit(x, y, epochs=1, callbacks=[one_arg], verbose=0)
    assert np.isclose(K.get_value(model.optimizer.lr), 0.01)
    raw = mlp(optimizer=kf.train.GradientDescentOptimizer(0.1))
    with pytest.raises(ValueError, match="lr"):
        raw.fit(x, y, epochs=1, callbacks=[one_arg], verbose=0)


def test_reduce_lr_on_plateau(blobs):
    (x, y), _ = blobs
    model = mlp(optimizer=kf.keras.optimizers.Adam(lr=0.01))
    plateau = cb.ReduceLROnPlateau(monitor="val_loss", factor=0.5, patience=1, min_lr=0.002, cooldown=0)
    model.snapshots = []
    h = model.fit(x, y, epochs=6, callbacks=[_losses_then_worse(), plateau], verbose=0)
    # "lr" is logged at each epoch's end, before that epoch's reduction
    assert np.allclose(h.history["lr"], [0.01, 0.01, 0.01, 0.005, 0.0025, 0.002])


def test_csv_logger_and_append(blobs, tmp_path):
    (x, y), _ = blobs
    path = str(tmp_path / "log.csv")
    model = mlp()
    model.fit(x, y, epochs=2, callbacks=[cb.CSVLogger(path)], verbose=0)
    model.fit(x, y, epochs=3, initial_epoch=2, callbacks=[cb.CSVLogger(path, append=True)], verbose=0)
    with open(path) as f:
        rows = list(csv.DictReader(f))
    assert [r["epoch"] for r in rows] == ["0", "1", "2"] and set(rows[0]) == {"epoch", "acc", "loss"}


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_terminate_on_nan(blobs):
    (x, y), _ = blobs
    model = mlp(optimizer=kf.keras.optimizers.SGD(lr=1e30), loss="mse", metrics=())
    h = model.fit(x, np.eye(3)[y] * 1e30, epochs=5, batch_size=32, callbacks=[cb.TerminateOnNaN()], verbose=0)
    assert len(h.epoch) <= 1


def test_lambda_callback_and_unknown_hook(blobs):
    (x, y), _ = blobs
    batches = []
    lam = cb.LambdaCallback(on_batch_end=lambda b, logs: batches.append(logs["size"]))
    mlp().fit(x[:70], y[:70], batch_size=32, epochs=1, callbacks=[lam], verbose=0)
    assert batches == [32, 32, 6]
    with pytest.raises(ValueError, match="unknown hook"):
        cb.LambdaCallback(on_everything=print)


def test_callbacks_usable_outside_fit(blobs, tmp_path):
    (x, y), _ = blobs
    model = mlp()
    ck = cb.ModelCheckpoint(str(tmp_path / "manual.h5"))
    ck.set_model(model)
    ck.on_epoch_end(0, {"loss": 1.0})
    assert os.path.exists(tmp_path / "manual.h5")
    stop = cb.EarlyStopping(monitor="loss", patience=0)
    stop.set_model(model)
    stop.on_train_begin()
    stop.on_epoch_end(0, {"loss": 1.0})
    stop.on_epoch_end(1, {"loss": 2.0})
    assert model.stop_training


@pytest.mark.parametrize("metric,monitor", [("accuracy", "val_acc"), ("acc", "val_accuracy")])
def test_monitors_accept_both_accuracy_spellings(blobs, tmp_path, metric, monitor):
    # TF 1.x code compiles metrics=["accuracy"] and monitors "val_acc" (and TF 2 code the reverse).
    (x, y), (xv, yv) = blobs
    model = mlp(metrics=(metric,))
    best = cb.ModelCheckpoint(str(tmp_path / "best.h5"), monitor=monitor, save_best_only=True)
    every = cb.ModelCheckpoint(str(tmp_path / ("w.{epoch:02d}-{%s:.3f}.h5" % monitor)), save_weights_only=True)
    stop = cb.EarlyStopping(monitor=monitor, patience=5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = model.fit(x, y, epochs=2, validation_data=(xv, yv), callbacks=[best, every, stop], verbose=0)
    assert not [w for w in caught if "not available" in str(w.message)]
    assert best.best == max(h.history["val_" + metric]) and os.path.exists(tmp_path / "best.h5")
    assert stop.best == best.best
    assert sorted(f for f in os.listdir(tmp_path) if f.startswith("w.")) == [
        "w.%02d-%.3f.h5" % (e + 1, v) for e, v in enumerate(h.history["val_" + metric])]


@pytest.mark.parametrize("metric,other", [("accuracy", "acc"), ("acc", "accuracy")])
def test_history_finds_either_accuracy_spelling(blobs, metric, other):
    # TF 1.x plotting code reads history.history["acc"] / ["val_acc"] after metrics=["accuracy"]
    (x, y), (xv, yv) = blobs
    h = mlp(metrics=(metric,)).fit(x, y, epochs=2, validation_data=(xv, yv), verbose=0)
    assert sorted(h.history) == sorted(["loss", metric, "val_loss", "val_" + metric])  # logged as given
    assert h.history[other] == h.history[metric] and len(h.history[other]) == 2
    assert "val_" + other in h.history and h.history.get("val_" + other) == h.history["val_" + metric]
    with pytest.raises(KeyError, match="'mae' was not logged"):
        h.history["mae"]
