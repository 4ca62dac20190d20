import io

import numpy as np
import pytest

import kflow as kf
from kflow.keras import layers

from keras_testlib import mlp


def test_built_from_input_shape_with_summary():
    model = mlp()
    assert model.built and model.input_shape == (None, 8) and model.output_shape == (None, 3)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "dense (Dense)" in text and "(None, 16)" in text
    assert "Total params: {:,}".format(8 * 16 + 16 + 16 * 3 + 3) in text
    assert model.count_params() == 8 * 16 + 16 + 16 * 3 + 3


def test_input_tensor_as_first_layer():
    # tf.keras: Sequential([Input(shape=...), Dense(...)]) takes the Input's layer as the model input.
    model = kf.keras.Sequential([kf.keras.Input(shape=(6,), dtype="float32"), layers.Dense(2)])
    assert model.built and model.input_shape == (None, 6) and model.output_shape == (None, 2)
    assert [type(l).__name__ for l in model.layers] == ["Dense"]
    x = np.ones((3, 6), np.float32)
    kernel, bias = model.get_weights()
    np.testing.assert_allclose(model.predict(x), x @ kernel + bias, rtol=1e-6)


def test_deferred_build_from_data(blobs):
    (x, y), _ = blobs
    model = kf.keras.Sequential([layers.Dense(4, activation="relu"), layers.Dense(3, activation="softmax")])
    assert not model.built
    model.compile("sgd", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    assert model.built and model.output_shape == (None, 3)
    assert model.predict(x[:5]).shape == (5, 3)


def test_fit_learns_and_returns_history(blobs):
    (x, y), (xv, yv) = blobs
    model = mlp()
    history = model.fit(x, y, batch_size=32, epochs=5, validation_data=(xv, yv), verbose=0)
    assert set(history.history) == {"loss", "acc", "val_loss", "val_acc"}
    assert history.epoch == [0, 1, 2, 3, 4] and model.history is history
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert history.history["val_acc"][-1] > 0.9
    assert model.last_epoch_timing["compute_seconds"] > 0
    assert 0.0 <= model.last_epoch_timing["input_fraction"] < 1.0
    assert len(history.epoch_timings) == 5


def test_graph_does_not_grow_across_epochs(blobs):
    (x, y), (xv, yv) = blobs
    model = mlp()
    ops_per_epoch, plans = [], []
    record = kf.keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: (ops_per_epoch.append(len(model.graph.get_operations())),
                                          plans.append(len(model.session._plans))))
    model.fit(x, y, epochs=4, validation_data=(xv, yv), callbacks=[record], verbose=0)
    assert len(set(ops_per_epoch)) == 1, ops_per_epoch
    assert len(set(plans)) == 1, plans
    model.evaluate(xv, yv, verbose=0)
    model.predict(xv)
    n = len(model.graph.get_operations())
    model.fit(x, y, epochs=2, verbose=0)
    model.evaluate(xv, yv, verbose=0)
    model.predict(xv)
    assert len(model.graph.get_operations()) == n


def test_one_session_run_per_batch(blobs, monkeypatch):
    (x, y), _ = blobs
    model = mlp()
    model.fit(x[:32], y[:32], epochs=1, verbose=0)
    calls = []
    real = model.session.run
    monkeypatch.setattr(model.session, "run", lambda *a, **k: calls.append(1) or real(*a, **k))
    model.fit(x, y, batch_size=32, epochs=2, verbose=0)
    assert len(calls) == 2 * 10


def test_evaluate_predict_and_batch_methods(blobs):
    (x, y), (xv, yv) = blobs
    model = mlp()
    model.fit(x, y, epochs=2, verbose=0)
    loss, acc = model.evaluate(xv, yv, batch_size=80)
    assert model.metrics_names == ["loss", "acc"]
    assert np.allclose([loss, acc], model.test_on_batch(xv, yv), atol=1e-5)
    probs = model.predict(xv, batch_size=7)
    assert probs.shape == (80, 3) and np.allclose(probs.sum(1), 1, atol=1e-5)
    assert np.allclose(probs, model.predict_on_batch(xv), atol=1e-6)
    assert np.isclose(acc, np.mean(probs.argmax(1) == yv))
    before = model.get_weights()
    out = model.train_on_batch(x[:16], y[:16])
    assert len(out) == 2 and any(not np.array_equal(a, b) for a, b in zip(before, model.get_weights()))


def test_get_set_weights_round_trip(blobs):
    (x, _), _ = blobs
    a, b = mlp(), mlp()
    b.set_weights(a.get_weights())
    assert np.allclose(a.predict(x), b.predict(x))
    with pytest.raises(ValueError, match="weight list of length"):
        a.set_weights(a.get_weights()[:1])
    with pytest.raises(ValueError, match="shape"):
        a.set_weights([w.T if w.ndim == 2 else w for w in a.get_weights()])


def test_get_weights_is_ordered_layer_by_layer_whatever_is_frozen():
    # Keras: [dense kernel, bias, bn gamma, beta, moving mean, moving var, dense_1 kernel, bias]; freezing a
    # layer must not reorder the list (a list saved before freezing loads after it).
    model = kf.keras.Sequential([layers.Dense(3, input_shape=(2,)), layers.BatchNormalization(), layers.Dense(1)])
    expected = [w for layer in model.layers for w in layer.get_weights()]
    values = model.get_weights()
    assert [v.shape for v in values] == [(2, 3), (3,), (3,), (3,), (3,), (3,), (3, 1), (1,)]
    assert all(np.array_equal(a, b) for a, b in zip(values, expected))
    model.layers[0].trainable = False
    assert [v.shape for v in model.get_weights()] == [v.shape for v in values]
    model.set_weights([v + 1.0 for v in values])
    assert all(np.array_equal(a, b + 1.0) for a, b in zip(model.layers[2].get_weights(), values[6:]))


def test_set_random_seed_makes_keras_runs_repeatable(blobs):
    # TF1: np.random.seed + tf.set_random_seed repeat a run (init, dropout, shuffling), while models built
    # one after the other still start from different weights.
    (x, y), _ = blobs

    def run():
        kf.reset_default_graph()
        np.random.seed(1)
        kf.set_random_seed(2)
        models = [kf.keras.Sequential([layers.Dense(8, activation="relu", input_shape=(8,)), layers.Dropout(0.5),
                                       layers.Dense(3, activation="softmax")]) for _ in range(2)]
        models[0].compile("adam", "sparse_categorical_crossentropy")
        return models[0].fit(x, y, epochs=2, verbose=0).history["loss"], [m.get_weights()[0] for m in models]

    (loss_a, (first_a, second_a)), (loss_b, (first_b, second_b)) = run(), run()
    assert loss_a == loss_b and np.array_equal(first_a, first_b) and np.array_equal(second_a, second_b)
    assert not np.allclose(first_a, second_a)


def test_models_coexist(blobs):
    (x, y), _ = blobs
    a, b = mlp(), mlp()
    # one graph, one session (as tf.keras 1.x), and uniquified layer names keep the weights apart
    assert a.graph is b.graph is kf.get_default_graph() and a.session is b.session
    assert not {w.name for w in a.weights} & {w.name for w in b.weights}
    wb = b.get_weights()
    a.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(u, v) for u, v in zip(wb, b.get_weights()))


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop", "adagrad", "momentum"])
def test_optimizer_names(blobs, optimizer):
    (x, y), _ = blobs
    model = mlp(optimizer=optimizer)
    h = model.fit(x, y, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]


def test_optimizer_objects(blobs):
    (x, y), _ = blobs
    for opt in (kf.keras.optimizers.Adam(lr=0.01), kf.keras.optimizers.SGD(lr=0.1, momentum=0.9, nesterov=True),
                kf.keras.optimizers.RMSprop(learning_rate=0.01, decay=1e-3), kf.train.AdamOptimizer(0.01),
                kf.keras.optimizers.SGD(lr=0.1, clipnorm=1.0, clipvalue=0.5)):
        model = mlp(optimizer=opt)
        h = model.fit(x, y, epochs=3, verbose=0)
        assert h.history["loss"][-1] < h.history["loss"][0], opt


def test_optimizer_bound_to_one_model():
    opt = kf.keras.optimizers.Adam()
    a, b = mlp(optimizer=opt), mlp(optimizer=opt)
    a.train_on_batch(np.zeros((2, 8)), np.zeros(2))
    with pytest.raises(RuntimeError, match="one optimizer per model"):
        b.train_on_batch(np.zeros((2, 8)), np.zeros(2))


def test_recompile_with_the_same_optimizer_after_freezing(blobs):
    # Keras fine-tuning: freeze a layer, compile again with model.optimizer, keep training.
    (x, y), _ = blobs
    model = mlp()
    model.fit(x, y, epochs=1, verbose=0)
    steps = int(kf.keras.backend.get_value(model.optimizer.iterations))
    kf.keras.backend.set_value(model.optimizer.lr, 0.05)
    model.layers[0].trainable = False
    model.compile(model.optimizer, "sparse_categorical_crossentropy", metrics=["acc"])
    frozen, head = model.layers[0].get_weights(), model.layers[1].get_weights()
    model.fit(x, y, epochs=1, batch_size=32, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, model.layers[0].get_weights()))
    assert not np.allclose(head[0], model.layers[1].get_weights()[0])
    assert int(kf.keras.backend.get_value(model.optimizer.iterations)) == steps + 10
    assert np.isclose(kf.keras.backend.get_value(model.optimizer.lr), 0.05)
    assert model.optimizer.weights[0] is model.optimizer.iterations


def test_unknown_names_are_clear():
    with pytest.raises(ValueError, match="Unknown optimizer"):
        mlp(optimizer="adamx")
    model = mlp(loss="nonsense")
    with pytest.raises(ValueError, match="Unknown loss function"):
        model.fit(np.zeros((4, 8)), np.zeros(4), verbose=0)
    with pytest.raises(RuntimeError, match="compile"):
        kf.keras.Sequential([layers.Dense(2, input_shape=(3,))]).fit(np.zeros((2, 3)), np.zeros((2, 2)))


@pytest.mark.parametrize("loss,metric,target", [
    ("sparse_categorical_crossentropy", "accuracy", "sparse"),
    ("categorical_crossentropy", "acc", "onehot"),
    ("binary_crossentropy", "accuracy", "binary"),
])
def test_accuracy_resolves_by_loss(blobs, loss, metric, target):
    (x, y), _ = blobs
    classes = 1 if target == "binary" else 3
    yt = {"sparse": y, "onehot": np.eye(3)[y], "binary": (y == 0).astype(np.float32)}[target]
    act = "sigmoid" if target == "binary" else "softmax"
    model = kf.keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)),
                                 layers.Dense(classes, activation=act)])
    model.compile(kf.keras.optimizers.Adam(lr=0.01), loss, metrics=[metric])
    h = model.fit(x, yt, epochs=8, verbose=0)
    assert list(h.history) == ["loss", metric]
    probs = model.predict(x)
    expected = np.mean((probs[:, 0] > 0.5) == yt) if target == "binary" else np.mean(probs.argmax(1) == y)
    assert np.isclose(model.evaluate(x, yt)[1], expected, atol=1e-6)
    assert expected > 0.85


@pytest.mark.parametrize("loss", ["mse", "mae", "huber", "logcosh", "mean_squared_logarithmic_error"])
def test_regression_losses(loss):
    rng = np.random.RandomState(0)
    x = rng.randn(256, 4).astype(np.float32)
    y = x @ np.array([1.0, -2.0, 0.5, 3.0], np.float32)
    y = y + 10.0 if loss == "mean_squared_logarithmic_error" else y  # positive targets
    model = kf.keras.Sequential([layers.Dense(1, input_shape=(4,))])
    model.compile(kf.keras.optimizers.Adam(lr=0.05), loss, metrics=["mae", "mse"])
    h = model.fit(x, y, epochs=10, verbose=0)  # (N,) targets are accepted for (N, 1) outputs
    assert h.history["loss"][-1] < 0.5 * h.history["loss"][0]
    assert set(h.history) == {"loss", "mae", "mse"}


def test_callable_loss_and_metric(blobs):
    (x, y), _ = blobs

    def my_loss(y_true, y_pred):
        return kf.keras.losses.sparse_categorical_crossentropy(y_true, y_pred) * 2.0

    def half(y_true, y_pred):
        return kf.reduce_mean(y_pred, axis=-1) * 0.0 + 0.5

    model = mlp(loss=my_loss, metrics=[half])
    h = model.fit(x, y, epochs=1, verbose=0)
    assert np.allclose(h.history["half"], 0.5)
    model2 = mlp()
    model2.set_weights(model.get_weights())
    assert np.isclose(model.evaluate(x, y)[0], 2 * model2.evaluate(x, y)[0], rtol=1e-5)


def test_loss_returning_a_scalar_is_broadcast_over_the_batch():
    # Keras accepts a custom loss that already averaged (K.mean(K.square(...))): same training as "mse".
    rng = np.random.RandomState(0)
    x, y = rng.randn(20, 4).astype(np.float32), rng.randn(20, 2).astype(np.float32)

    def scalar_mse(y_true, y_pred):
        return kf.reduce_mean(kf.square(y_true - y_pred))

    models = [kf.keras.Sequential([layers.Dense(2, input_shape=(4,))]) for _ in range(2)]
    models[1].set_weights(models[0].get_weights())
    for model, loss in zip(models, (scalar_mse, "mse")):
        model.compile(kf.keras.optimizers.SGD(lr=0.1), loss)
        model.fit(x, y, batch_size=5, epochs=2, shuffle=False, verbose=0, sample_weight=np.ones(20))
    for a, b in zip(models[0].get_weights(), models[1].get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    expected = ((models[0].predict(x) - y) ** 2).mean()
    assert np.isclose(models[0].evaluate(x, y, batch_size=20), expected, rtol=1e-5)


def test_validation_split_takes_the_tail(blobs):
    (x, y), _ = blobs
    model = mlp()
    h = model.fit(x, y, epochs=1, validation_split=0.25, verbose=0)
    assert np.isclose(h.history["val_loss"][0], model.evaluate(x[240:], y[240:])[0], rtol=1e-5)


def test_class_and_sample_weights(blobs):
    (x, y), _ = blobs
    model = mlp()
    w = (y != 0).astype(np.float32)
    # One batch: Keras normalizes the weighted loss per batch (by the batch's non-zero weights).
    loss_all = model.evaluate(x, y, batch_size=len(x))[0]
    loss_weighted = model.evaluate(x, y, sample_weight=w, batch_size=len(x))[0]
    per_class = [model.evaluate(x[y == c], y[y == c], batch_size=len(x))[0] for c in range(3)]
    n = [np.sum(y == c) for c in range(3)]
    assert np.isclose(loss_weighted, (per_class[1] * n[1] + per_class[2] * n[2]) / (n[1] + n[2]), rtol=1e-4)
    assert not np.isclose(loss_all, loss_weighted)
    h = model.fit(x, y, epochs=1, class_weight={0: 0.0, 1: 1.0, 2: 1.0}, verbose=0, shuffle=False)
    assert np.isfinite(h.history["loss"][0])


def test_weighted_metrics_use_the_sample_weights(blobs, tmp_path):
    (x, y), _ = blobs
    model = mlp(metrics=("acc",))
    model.compile(kf.keras.optimizers.SGD(lr=0.1), "sparse_categorical_crossentropy", metrics=["acc"],
                  weighted_metrics=["acc"])
    w = np.random.RandomState(0).rand(len(y)).astype(np.float32)
    w[:40] = 0.0
    assert model.metrics_names == ["loss", "acc", "weighted_acc"]
    _, acc, weighted = model.evaluate(x, y, sample_weight=w, batch_size=len(x))
    hit = (model.predict(x).argmax(1) == y).astype(np.float32)
    assert np.isclose(acc, hit.mean()) and np.isclose(weighted, (hit * w).mean() / (w != 0).mean(), rtol=1e-5)
    h = model.fit(x, y, sample_weight=w, epochs=1, verbose=0, validation_data=(x, y, w))
    assert set(h.history) == {"loss", "acc", "weighted_acc", "val_loss", "val_acc", "val_weighted_acc"}
    model.save(str(tmp_path / "m.h5"))
    assert kf.keras.models.load_model(str(tmp_path / "m.h5")).metrics_names == model.metrics_names


def test_verbose_progress_line(blobs, capsys):
    (x, y), (xv, yv) = blobs
    mlp().fit(x, y, epochs=2, validation_data=(xv, yv), verbose=1)
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 2 and out[0].startswith("Epoch 1/2 - ")
    assert "loss: " in out[0] and "val_acc: " in out[0] and "input " in out[0] and "% / compute " in out[0]


def test_progbar_live_on_tty_and_usable_outside_fit():
    class Tty(io.StringIO):
        def isatty(self):
            return True

    stream = Tty()
    model = mlp()
    model.last_epoch_timing = {"input_fraction": 0.25}
    bar = kf.keras.callbacks.ProgbarLogger(file=stream)
    bar.set_params({"epochs": 1, "steps": 10, "verbose": 1})
    bar.set_model(model)
    bar.on_train_begin()
    bar.on_epoch_begin(0)
    for i in range(10):
        bar.on_train_batch_end(i, {"batch": i, "size": 4, "loss": float(i)})
    bar.on_epoch_end(0, {"loss": 4.5})
    bar.on_train_end()
    text = stream.getvalue()
    assert "Epoch 1/1" in text and "10/10" in text and "loss: 4.5" in text
    assert "input 25% / compute 75%" in text


def test_batch_norm_moving_stats_update_only_in_fit(blobs):
    (x, y), _ = blobs
    model = kf.keras.Sequential([layers.Dense(8, input_shape=(8,)), layers.BatchNormalization(),
                                 layers.Dense(3, activation="softmax")])
    model.compile("adam", "sparse_categorical_crossentropy")
    moving = [w for w in model.weights if "moving_mean" in w.name]
    assert len(moving) == 1 and moving[0] in model.non_trainable_weights
    start = kf.keras.backend.get_value(moving[0])
    model.evaluate(x, y)
    model.predict(x)
    assert np.array_equal(start, kf.keras.backend.get_value(moving[0]))
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(start, kf.keras.backend.get_value(moving[0]))


def test_frozen_batch_norm_keeps_its_moving_statistics(blobs):
    # Keras fine-tuning: layer.trainable = False (then compile) freezes gamma/beta *and* the moving averages.
    (x, y), _ = blobs
    model = kf.keras.Sequential([layers.Dense(8, input_shape=(8,)), layers.BatchNormalization(),
                                 layers.Dense(3, activation="softmax")])
    model.layers[1].trainable = False
    model.compile("adam", "sparse_categorical_crossentropy")
    frozen = model.layers[1].get_weights()
    model.fit(x, y, epochs=1, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(frozen, model.layers[1].get_weights()))
    model.layers[1].trainable = True
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, verbose=0)
    assert not np.array_equal(frozen[2], model.layers[1].get_weights()[2])
    model.trainable = False
    assert model.updates == []


def test_add_after_build_pop_and_clone(blobs):
    (x, y), _ = blobs
    model = kf.keras.Sequential([layers.Dense(4, input_shape=(8,))])
    model.add(layers.Dense(3, activation="softmax"))
    assert model.output_shape == (None, 3) and len(model.weights) == 4
    model.pop()
    assert model.output_shape == (None, 4) and len(model.layers) == 1
    model.add(layers.Dense(2))
    model.compile("sgd", "mse")
    model.fit(x, np.zeros((len(x), 2)), verbose=0)
    clone = kf.keras.models.clone_model(model)
    assert clone.output_shape == (None, 2) and clone.graph is model.graph
    assert not np.allclose(clone.predict(x), model.predict(x))


def test_backend_values_and_sessions():
    K = kf.keras.backend
    model = mlp(optimizer=kf.keras.optimizers.SGD(lr=0.5))
    model.train_on_batch(np.zeros((2, 8)), np.zeros(2))
    assert np.isclose(K.get_value(model.optimizer.lr), 0.5)
    K.set_value(model.optimizer.lr, 0.25)
    assert np.isclose(K.get_value(model.optimizer.lr), 0.25) and K.get_value(model.optimizer.iterations) == 1
    assert K.get_session(model.graph) is model.session
    assert K.learning_phase(model.graph) is K.learning_phase(model.graph)
