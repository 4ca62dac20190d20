"""Exact resume: N steps == N/2 steps + save + restore into a NEW graph and session + N/2 steps, bit for bit.

Covers every global variable: weights, optimizer slots (Adam's m/v and beta powers) and the global step.
A hand-written Adam (engine ops only) always runs; kflow's optimizers run when they exist.
"""
import numpy as np
import pytest

import kflow as kf

STEPS = 8
RNG = np.random.RandomState(42)
X = RNG.randn(STEPS, 16, 4).astype(np.float32)
Y = RNG.randn(STEPS, 16, 1).astype(np.float32)
W1 = RNG.randn(4, 5).astype(np.float32) * 0.5
W2 = RNG.randn(5, 1).astype(np.float32) * 0.5


def _global_step():
    create = getattr(kf.train, "get_or_create_global_step", None)
    if create is not None:
        return create()
    step = kf.Variable(0, dtype=kf.int64, name="global_step", trainable=False)
    kf.add_to_collection(kf.GraphKeys.GLOBAL_STEP, step)
    return step


def _manual_adam(loss, step, lr=0.05, b1=0.9, b2=0.999, eps=1e-8):
    params = kf.trainable_variables()
    grads = kf.gradients(loss, params)
    b1_power = kf.Variable(b1, name="beta1_power", trainable=False)
    b2_power = kf.Variable(b2, name="beta2_power", trainable=False)
    lr_t = lr * kf.sqrt(1.0 - b2_power) / (1.0 - b1_power)
    updates = []
    for p, g in zip(params, grads):
        m = kf.Variable(np.zeros(p.shape.as_list(), np.float32), name=p.op.name + "/Adam", trainable=False)
        v = kf.Variable(np.zeros(p.shape.as_list(), np.float32), name=p.op.name + "/Adam_1", trainable=False)
        m_t = m.assign(b1 * m.value() + (1.0 - b1) * g)
        v_t = v.assign(b2 * v.value() + (1.0 - b2) * g * g)
        updates.append(p.assign_sub(lr_t * m_t / (kf.sqrt(v_t) + eps)))
    with kf.control_dependencies(updates):
        return kf.group(b1_power.assign(b1_power.value() * b1), b2_power.assign(b2_power.value() * b2),
                        kf.assign_add(step, kf.constant(1, kf.int64)))


def _optimizer(name):
    if name == "manual_adam":
        return None
    cls = getattr(kf.train, name, None)
    if cls is None:
        pytest.skip("kf.train.%s is not available yet" % name)
    if name == "MomentumOptimizer":
        return cls(0.05, momentum=0.9)
    return cls(0.05)


def _build(name):
    """Model, loss and train op in the default graph; returns (x, y, train_op, saver, global_step)."""
    optimizer = _optimizer(name)
    x = kf.placeholder(kf.float32, [None, 4], name="x")
    y = kf.placeholder(kf.float32, [None, 1], name="y")
    with kf.name_scope("dense"):
        w1 = kf.Variable(W1, name="kernel")
    with kf.name_scope("out"):
        w2 = kf.Variable(W2, name="kernel")
    loss = kf.reduce_mean(kf.square(kf.matmul(kf.tanh(kf.matmul(x, w1)), w2) - y))
    step = _global_step()
    train = _manual_adam(loss, step) if optimizer is None else optimizer.minimize(loss, global_step=step)
    return x, y, train, kf.train.Saver(), step


def _run(sess, x, y, train, steps):
    for i in steps:
        sess.run(train, {x: X[i], y: Y[i]})


def _state(sess):
    return {v.name: sess.run(v) for v in kf.global_variables()}


@pytest.mark.parametrize("name", ["manual_adam", "GradientDescentOptimizer", "MomentumOptimizer", "AdamOptimizer"])
def test_resume_is_bit_exact(name, tmp_path):
    half = STEPS // 2
    with kf.Graph().as_default():
        x, y, train, _, _ = _build(name)
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            _run(sess, x, y, train, range(STEPS))
            straight = _state(sess)
    with kf.Graph().as_default():
        x, y, train, saver, step = _build(name)
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            _run(sess, x, y, train, range(half))
            path = saver.save(sess, str(tmp_path / "model.ckpt"), global_step=step)
    assert path.endswith("model.ckpt-%d" % half)
    saved = dict(kf.train.list_variables(path))
    slots = {"manual_adam": ["Adam", "Adam_1"], "AdamOptimizer": ["Adam", "Adam_1"],
             "MomentumOptimizer": ["Momentum"], "GradientDescentOptimizer": []}[name]
    expected = {"global_step": [], "dense/kernel": [4, 5], "out/kernel": [5, 1]}
    expected.update({"%s/%s" % (v, s): shape for v, shape in list(expected.items())[1:] for s in slots})
    if "Adam" in slots:
        expected.update(beta1_power=[], beta2_power=[])
    assert saved == expected  # TF's slot names, every slot with its variable's shape
    assert kf.train.load_variable(path, "global_step") == half
    for key in expected:
        if key != "global_step" and "/" in key and not key.endswith("kernel"):
            assert np.any(kf.train.load_variable(path, key) != 0), key  # slots hold real, trained state
    with kf.Graph().as_default():  # a new process would do exactly this
        x, y, train, saver, _ = _build(name)
        with kf.Session() as sess:
            saver.restore(sess, kf.train.latest_checkpoint(str(tmp_path)))  # no initializer: all restored
            _run(sess, x, y, train, range(half, STEPS))
            resumed = _state(sess)
    assert sorted(resumed) == sorted(straight) and len(saved) == len(straight)
    for key, value in straight.items():
        assert np.asarray(resumed[key]).dtype == np.asarray(value).dtype, key
        np.testing.assert_array_equal(resumed[key], value, err_msg=key)  # bit for bit
    assert resumed["global_step:0"] == STEPS
