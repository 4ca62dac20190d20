import numpy as np

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.keras import backend as K


def _run(fetches):
    with kf.Session() as sess:
        return sess.run(fetches)


def test_reductions_and_elementwise_match_numpy():
    a = np.random.RandomState(0).randn(3, 4).astype(np.float32)
    x = K.constant(a)
    got = _run([K.mean(x), K.sum(x, axis=1, keepdims=True), K.max(x, 0), K.min(x, -1), K.clip(x, -0.5, 0.5),
                K.argmax(x), K.concatenate([x, x], axis=0), K.squeeze(K.expand_dims(x, 0), 0), K.batch_flatten(x)])
    want = [a.mean(), a.sum(1, keepdims=True), a.max(0), a.min(-1), np.clip(a, -0.5, 0.5), a.argmax(-1),
            np.concatenate([a, a]), a, a]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    assert K.int_shape(K.placeholder(shape=(None, 4))) == (None, 4) and K.ndim(x) == 2
    assert K.image_data_format() == "channels_last"


def test_dot_and_binary_crossentropy_values_and_gradients():
    rng = np.random.RandomState(1)
    a, b = rng.randn(2, 3, 4), rng.randn(4, 5)
    np.testing.assert_allclose(_run(K.dot(K.constant(a), K.constant(b))), a @ b, rtol=1e-5)
    check_gradients(lambda x, y: K.dot(x, y), [a, b])
    t, p = rng.randint(0, 2, (4, 3)).astype(np.float64), rng.uniform(0.1, 0.9, (4, 3))
    bce = _run(K.binary_crossentropy(K.constant(t), K.constant(p)))
    np.testing.assert_allclose(bce, -(t * np.log(p) + (1 - t) * np.log(1 - p)), rtol=1e-5)
    check_gradients(lambda q: K.binary_crossentropy(K.constant(t, dtype=kf.float64), q), [p])


def test_binary_crossentropy_clips_with_the_keras_fuzz_factor():
    saved = K.epsilon()
    K.set_epsilon(0.1)
    try:  # certain predictions are clipped to [eps, 1 - eps], eps as set (not a fixed 1e-7)
        got = _run(K.binary_crossentropy(K.constant([0.0, 1.0]), K.constant([1.0, 0.0])))
    finally:
        K.set_epsilon(saved)
    np.testing.assert_allclose(got, [-np.log(0.1)] * 2, rtol=1e-5)


def test_variable_is_initialized_in_the_keras_session():
    v = K.variable(np.ones(3))
    np.testing.assert_array_equal(K.get_value(v), np.ones(3))
    K.set_value(v, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(K.get_value(v), [1.0, 2.0, 3.0])


def test_keras_style_custom_loss_and_metric_train():
    # The Keras docs' custom functions, written with K.*: the metric must equal its numpy value.
    def rmse(y_true, y_pred):
        return K.sqrt(K.mean(K.square(y_pred - y_true), axis=-1))

    def weighted_mse(y_true, y_pred):
        return K.mean(K.square(y_pred - y_true) * 2.0, axis=-1)

    rng = np.random.RandomState(2)
    x, y = rng.randn(32, 4).astype(np.float32), rng.randn(32, 2).astype(np.float32)
    model = kf.keras.Sequential([kf.keras.layers.Dense(2, input_shape=(4,))])
    model.compile("sgd", weighted_mse, metrics=[rmse])
    before = model.evaluate(x, y, batch_size=32)
    pred = model.predict(x)
    np.testing.assert_allclose(before, [2 * ((pred - y) ** 2).mean(), np.sqrt(((pred - y) ** 2).mean(-1)).mean()],
                               rtol=1e-5)
    model.fit(x, y, epochs=3, verbose=0)
    assert model.evaluate(x, y, batch_size=32)[0] < before[0]
