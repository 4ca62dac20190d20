"""Nadam, AdamW, global_clipnorm and learning-rate schedule objects, against numpy forms of Keras's rules.

The numpy rules below follow keras/src/optimizers/{nadam,adamw}.py (Keras 3.15); kflow's values were also
compared once with Keras 3.15 itself on this problem (agreement to 3e-6).
"""
import numpy as np
import pytest

import kflow as kf

K = kf.keras
W0 = np.array([[1.0, -2.0], [0.5, 3.0]])
TARGET = np.array([[0.2, 0.1], [-0.3, 0.4]])
STEPS = 5


def _grad(w):
    return 2 * (w - TARGET) / w.size


def _kflow(opt):
    w = kf.Variable(W0.astype(np.float32), name="w")
    op = opt.get_updates(kf.reduce_mean(kf.square(w - TARGET.astype(np.float32))), [w])
    sess = K.backend.get_session()
    for _ in range(STEPS):
        sess.run(op)
    return sess.run(w)


def _nadam(lr=0.1, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v, u_product = W0.copy(), 0.0, 0.0, 1.0
    for t in range(1, STEPS + 1):
        g = _grad(w)
        u_t, u_next = b1 * (1 - 0.5 * 0.96 ** t), b1 * (1 - 0.5 * 0.96 ** (t + 1))
        u_product *= u_t
        m, v = m + (g - m) * (1 - b1), v + (g * g - v) * (1 - b2)
        m_hat = u_next * m / (1 - u_product * u_next) + (1 - u_t) * g / (1 - u_product)
        w = w - lr * m_hat / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def _adamw(lr=0.1, wd=0.05, b1=0.9, b2=0.999, eps=1e-7):
    w, m, v = W0.copy(), 0.0, 0.0
    for t in range(1, STEPS + 1):
        g = _grad(w)
        w = w - wd * lr * w
        m, v = m + (g - m) * (1 - b1), v + (g * g - v) * (1 - b2)
        w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return w


def _sgd_global_clip(lr=0.5, clip=0.1):
    w = W0.copy()
    for _ in range(STEPS):
        g = _grad(w)
        w = w - lr * g * clip / max(np.linalg.norm(g), clip)
    return w


def test_nadam_adamw_and_global_clipnorm_follow_keras_rules():
    np.testing.assert_allclose(_kflow(K.optimizers.Nadam(learning_rate=0.1)), _nadam(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_kflow(K.optimizers.AdamW(learning_rate=0.1, weight_decay=0.05)), _adamw(),
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_kflow(K.optimizers.SGD(learning_rate=0.5, global_clipnorm=0.1)), _sgd_global_clip(),
                               rtol=1e-4, atol=1e-5)
    assert isinstance(K.optimizers.get("nadam"), K.optimizers.Nadam)
    assert isinstance(K.optimizers.get("adamw"), K.optimizers.AdamW)
    with pytest.raises(ValueError, match="global_clipnorm"):
        K.optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0)


S = K.optimizers.schedules
SCHEDULES = [
    (S.ExponentialDecay(0.1, 10, 0.5), lambda s: 0.1 * 0.5 ** (s / 10)),
    (S.ExponentialDecay(0.1, 10, 0.5, staircase=True), lambda s: 0.1 * 0.5 ** (s // 10)),
    (S.InverseTimeDecay(0.1, 10, 0.5), lambda s: 0.1 / (1 + 0.5 * s / 10)),
    (S.PolynomialDecay(0.1, 20, 0.01, power=2.0), lambda s: (0.1 - 0.01) * (1 - min(s, 20) / 20) ** 2 + 0.01),
    (S.CosineDecay(0.1, 20, alpha=0.1),
     lambda s: 0.1 * ((1 - 0.1) * 0.5 * (1 + np.cos(np.pi * min(s, 20) / 20)) + 0.1)),
    (S.PiecewiseConstantDecay([5, 15], [0.1, 0.05, 0.01]), lambda s: 0.1 if s <= 5 else 0.05 if s <= 15 else 0.01),
]


@pytest.mark.parametrize("schedule,expected", SCHEDULES, ids=[type(s).__name__ for s, _ in SCHEDULES])
def test_schedule_values(schedule, expected):
    step = kf.placeholder(kf.int64, [])
    rate = schedule(step)
    sess = K.backend.get_session()
    for s in (0, 3, 5, 6, 10, 15, 16, 25):
        assert sess.run(rate, {step: s}) == pytest.approx(expected(s), rel=1e-5), s
    assert type(schedule).from_config(schedule.get_config()).get_config() == schedule.get_config()


def test_schedule_as_learning_rate_in_fit_and_model_file(tmp_path, blobs):
    (x, y), _ = blobs
    schedule = S.PiecewiseConstantDecay([3], [0.1, 0.0])  # after 3 steps the rate is 0: weights freeze
    model = K.Sequential([K.layers.Dense(3, activation="softmax", input_shape=(8,))])
    model.compile(K.optimizers.SGD(learning_rate=schedule), "sparse_categorical_crossentropy")
    model.fit(x[:64], y[:64], batch_size=16, epochs=1, verbose=0)  # 4 steps
    frozen = model.get_weights()
    model.fit(x[:64], y[:64], batch_size=16, epochs=1, verbose=0)
    np.testing.assert_array_equal(model.get_weights()[0], frozen[0])
    assert model.optimizer.lr_value == 0.0
    model.save(str(tmp_path / "m.h5"))
    loaded = K.models.load_model(str(tmp_path / "m.h5"))
    assert isinstance(loaded.optimizer.schedule, S.PiecewiseConstantDecay)
    assert loaded.optimizer.get_config()["learning_rate"] == S.serialize(schedule)
