"""Keras in eager mode: layers and models called on eager tensors, fit/evaluate/predict, and a custom
GradientTape training loop (eager and under kf.function) reaching fit's accuracy on MNIST."""
import os

import numpy as np
import pytest

import kflow as kf
from kflow.datasets import mnist

SHARED = os.environ.get("KFLOW_DATA_DIR") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))), "shared",
    "datasets")
layers = kf.keras.layers


@pytest.fixture(autouse=True)
def eager():
    with kf.eager_mode():
        yield


@pytest.fixture
def mnist_subset(monkeypatch, generated_datasets):
    """3000 train / 1000 test images of MNIST's test split (the real one when present, else the generated one)."""
    root = SHARED if os.path.isdir(os.path.join(SHARED, "mnist")) else generated_datasets
    monkeypatch.setenv("KFLOW_DATA_DIR", root)
    x, y = mnist.load_test_data()
    x = x.reshape(len(x), 784).astype(np.float32) / 255.0
    y = y.astype(np.int64)
    return (x[:3000], y[:3000]), (x[3000:4000], y[3000:4000])


def _mlp():
    return kf.keras.Sequential([layers.Dense(64, activation="relu", input_shape=(784,)),
                                layers.Dense(10, activation="softmax")])


def test_layers_are_callable_on_eager_tensors():
    dense = layers.Dense(3, kernel_initializer="ones", bias_initializer="zeros")
    out = dense(kf.constant([[1.0, 2.0]]))
    assert isinstance(out, kf.EagerTensor) and out.numpy().tolist() == [[3.0, 3.0, 3.0]]
    assert [w.name for w in dense.weights] == ["dense/kernel:0", "dense/bias:0"]
    assert dense(np.ones((1, 2), np.float32)).numpy().tolist() == [[2.0, 2.0, 2.0]]  # same weights


def test_models_return_values_and_match_predict():
    model = _mlp()
    x = np.random.RandomState(0).rand(5, 784).astype(np.float32)
    out = model(x)
    assert isinstance(out, kf.EagerTensor) and out.shape.as_list() == [5, 10]
    np.testing.assert_allclose(out.numpy(), model.predict(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out.numpy().sum(axis=1), np.ones(5), rtol=1e-5)
    weights = model.get_weights()
    assert [w.shape for w in weights] == [(784, 64), (64,), (64, 10), (10,)]
    model.set_weights([np.zeros_like(w) for w in weights])
    np.testing.assert_allclose(model(x).numpy(), np.full((5, 10), 0.1), rtol=1e-6)


def test_subclassed_model_in_eager_mode():
    class Net(kf.keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = layers.Dense(4, activation="tanh")
            self.out = layers.Dense(1)

        def call(self, inputs):
            return self.out(self.hidden(inputs))

    net = Net()
    y = net(np.ones((2, 3), np.float32))
    assert y.shape.as_list() == [2, 1] and len(net.trainable_weights) == 4


def _accuracy(model, x, y):
    return float(np.mean(np.argmax(model(x).numpy(), axis=1) == y))


def _custom_loop(model, x, y, traced):
    opt = kf.train.AdamOptimizer(1e-3)

    def step(xb, yb):
        with kf.GradientTape() as tape:
            loss = kf.reduce_mean(kf.keras.losses.sparse_categorical_crossentropy(yb, model(xb)))
        grads = tape.gradient(loss, model.trainable_variables)
        opt.apply_gradients(zip(grads, model.trainable_variables))
        return loss

    step = kf.function(step) if traced else step
    np.random.seed(0)
    dataset = kf.data.Dataset.from_tensor_slices((x, y)).shuffle(3000, seed=1).batch(32, drop_remainder=True)
    losses = []
    for _ in range(2):
        for xb, yb in dataset:
            losses.append(float(step(xb, yb)))
    return losses


@pytest.mark.parametrize("traced", [False, True], ids=["eager", "kf_function"])
def test_custom_gradient_tape_loop_trains_mnist_mlp_like_fit(mnist_subset, traced):
    (x, y), (xt, yt) = mnist_subset
    kf.set_random_seed(0)
    fitted = _mlp()
    fitted.compile(kf.keras.optimizers.Adam(lr=1e-3), "sparse_categorical_crossentropy", metrics=["accuracy"])
    np.random.seed(0)
    history = fitted.fit(x, y, batch_size=32, epochs=2, verbose=0)
    fit_loss, fit_acc = fitted.evaluate(xt, yt, batch_size=500, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]

    kf.set_random_seed(0)
    custom = _mlp()
    losses = _custom_loop(custom, x, y, traced)
    acc = _accuracy(custom, xt, yt)
    assert np.mean(losses[-20:]) < np.mean(losses[:20]) / 3
    assert fit_acc >= 0.85 and acc >= 0.85, (fit_acc, acc)
    assert abs(acc - fit_acc) < 0.03, (fit_acc, acc)
    np.testing.assert_allclose(fit_acc, _accuracy(fitted, xt, yt), atol=1e-6)  # evaluate == eager call


def test_fit_with_callbacks_reading_and_writing_the_learning_rate(tmp_path):
    x = np.random.RandomState(0).rand(64, 784).astype(np.float32)
    y = np.random.RandomState(1).randint(0, 10, 64)
    model = _mlp()
    model.compile(kf.keras.optimizers.SGD(lr=0.1), "sparse_categorical_crossentropy")
    rates = []
    schedule = kf.keras.callbacks.LearningRateScheduler(lambda epoch: 0.1 / (epoch + 1))
    record = kf.keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: rates.append(float(kf.keras.backend.get_value(model.optimizer.lr))))
    path = str(tmp_path / "w.h5")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=[schedule, record])
    assert rates == pytest.approx([0.1, 0.05])
    model.save_weights(path)
    before = model.predict(x[:3])
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    model.load_weights(path)
    np.testing.assert_allclose(model.predict(x[:3]), before, rtol=1e-6)
