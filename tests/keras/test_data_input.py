"""fit/evaluate/predict on a kf.data.Dataset, a generator, and dicts of arrays."""
import itertools

import numpy as np
import pytest

import kflow as kf

from keras_testlib import mlp


def test_fit_on_dataset(blobs):
    (x, y), (xv, yv) = blobs
    model = mlp()
    train = kf.data.Dataset.from_tensor_slices((x, y)).shuffle(320, seed=1).batch(32)
    val = kf.data.Dataset.from_tensor_slices((xv, yv)).batch(40)
    h = model.fit(train, epochs=4, validation_data=val, verbose=0)
    assert h.history["acc"][-1] > 0.9 and len(h.history["val_loss"]) == 4
    assert np.isclose(model.evaluate(val)[0], model.evaluate(xv, yv)[0], rtol=1e-5)
    assert np.allclose(model.predict(val), model.predict(xv), atol=1e-6)  # predict ignores the labels
    assert np.allclose(model.predict(kf.data.Dataset.from_tensor_slices(xv).batch(16)), model.predict(xv),
                       atol=1e-6)


def test_infinite_dataset_needs_and_uses_steps_per_epoch(blobs):
    (x, y), _ = blobs
    model = mlp()
    seen = []
    count = kf.keras.callbacks.LambdaCallback(on_batch_end=lambda b, logs: seen.append(b))
    repeated = kf.data.Dataset.from_tensor_slices((x, y)).batch(32).repeat()
    model.fit(repeated, epochs=2, steps_per_epoch=15, callbacks=[count], verbose=0)  # crosses the data's end
    assert seen == list(range(15)) * 2


def test_fit_on_generator(blobs):
    (x, y), _ = blobs

    def batches():
        for i in itertools.count():
            j = (i * 32) % 320
            yield x[j:j + 32], y[j:j + 32]

    model = mlp()
    with pytest.raises(ValueError, match="steps_per_epoch"):
        model.fit(batches(), epochs=1, verbose=0)
    h = model.fit(batches(), steps_per_epoch=10, epochs=3, verbose=0)
    assert h.history["loss"][-1] < h.history["loss"][0]
    assert model.evaluate(batches(), steps=5)[1] > 0.5


def test_dict_inputs_by_name(blobs):
    (x, y), _ = blobs
    inp = kf.keras.Input(shape=(8,), name="features")
    out = kf.keras.layers.Dense(3, activation="softmax", name="probs")(inp)
    model = kf.keras.Model(inp, out)
    model.compile("adam", "sparse_categorical_crossentropy")
    model.fit({"features": x}, {"probs": y}, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="No data provided for input"):
        model.fit({"other": x}, y, epochs=1, verbose=0)


def test_mismatched_lengths_are_reported(blobs):
    (x, y), _ = blobs
    with pytest.raises(ValueError, match="same number of samples"):
        mlp().fit(x, y[:10], verbose=0)


def test_generator_methods(blobs):
    (x, y), _ = blobs

    def batches():
        while True:
            for j in range(0, 320, 32):
                yield x[j:j + 32], y[j:j + 32]

    model = mlp()
    h = model.fit_generator(batches(), steps_per_epoch=10, epochs=2, verbose=0)
    assert len(h.epoch) == 2
    assert len(model.evaluate_generator(batches(), steps=3)) == 2
    assert model.predict_generator(batches(), steps=2).shape == (64, 3)


def test_shuffle_flag_controls_batch_order(blobs):
    """With shuffle=False the order (so the trained weights) ignores the random seed; with True it follows it."""
    (x, y), _ = blobs
    start = mlp().get_weights()

    def trained(shuffle, seed):
        model = mlp()
        model.set_weights(start)
        np.random.seed(seed)
        model.fit(x, y, batch_size=32, epochs=1, shuffle=shuffle, verbose=0)
        return model.get_weights()[0]

    assert np.array_equal(trained(False, 1), trained(False, 2))
    assert np.array_equal(trained(True, 1), trained(True, 1))
    assert not np.allclose(trained(True, 1), trained(True, 2))
    assert not np.allclose(trained(True, 1), trained(False, 1))


def test_epoch_timing_splits_input_wait_from_compute(blobs):
    """A slow input generator shows up as the input share of the epoch, not as compute."""
    import time
    (x, y), _ = blobs

    def slow_batches():
        for i in itertools.count():
            time.sleep(0.01)
            j = (i % 10) * 32
            yield x[j:j + 32], y[j:j + 32]

    model = mlp()
    model.fit(x, y, epochs=1, verbose=0)  # build and compile the step first
    model.fit(slow_batches(), steps_per_epoch=10, epochs=1, verbose=0)
    timing = model.last_epoch_timing
    # fit peeks at the first batch (to learn its structure) before the epoch starts: 9 waits fall inside.
    assert timing["input_seconds"] >= 0.09 and timing["input_fraction"] > 0.5
    assert timing["compute_seconds"] > 0 and timing["seconds"] >= timing["input_seconds"] + timing["compute_seconds"]


def test_single_input_and_target_given_in_one_element_lists(blobs):
    # Keras reads [x] / [y] as the list of one array per input / output.
    (x, y), (xv, yv) = blobs
    model = mlp()
    assert np.array_equal(model.predict([xv]), model.predict(xv))
    assert np.allclose(model.evaluate([xv], [yv]), model.evaluate(xv, yv))
    assert len(model.fit([x], [y], epochs=1, verbose=0).history["loss"]) == 1
