"""The plan rewrite conv2d_keep_input (kflow/engine/winograd_keep_input_rewrite.py): a Winograd Conv2D keeps its
input transform for its Conv2DBackpropFilter. Applied only where both run as Winograd on the same input and
configuration; never observable: the forward output and both gradients equal those without it bit for bit (the
same GEMMs on the same tiles). Comparisons against a plan with every rewrite switched off hold the bias gradient,
which ``relu_grad_bias_grad`` sums in another order, to float32 rtol 1e-5."""
import contextlib

import numpy as np
import pytest

import kflow as kf
from kflow.engine import rewrites, scratch
from kflow.engine.ops import conv_ops, winograd

NAME = "conv2d_keep_input"
# (x shape, filter shape, padding, the transform winograd picks)
SHAPES = [((6, 16, 16, 16), (3, 3, 16, 24), "SAME", (4, 3)),
          ((6, 18, 18, 16), (3, 3, 16, 24), "VALID", (4, 3)),
          ((6, 14, 14, 16), (5, 5, 16, 24), "SAME", (4, 5)),  # deep-MNIST conv2's 14x14 output
          ((6, 13, 13, 16), (5, 5, 16, 24), "VALID", (3, 5))]  # 9x9 output


@contextlib.contextmanager
def without_keep_input():
    """Plans compiled inside get every rewrite but this one (to compare bit for bit)."""
    saved = list(rewrites._REGISTRY)
    rewrites._REGISTRY[:] = [r for r in saved if r.name != NAME]
    try:
        yield
    finally:
        rewrites._REGISTRY[:] = saved


def _applied(sess):
    return sorted(n for entry in sess._plans.values() for n in rewrites.applied_rewrites(entry[0]))


def _conv_step(x_shape, w_shape, padding, dtype, bias, context, batch_static=False, feed_batch=None):
    """Runs one training-like fetch (output, input, filter [and bias] gradients) of a conv layer inside
    ``context``; returns (values, applied rewrites)."""
    rng = np.random.RandomState(7)
    n = x_shape[0] if feed_batch is None else feed_batch
    xv = rng.standard_normal((n,) + tuple(x_shape[1:])).astype(dtype)
    wv = (rng.standard_normal(w_shape) * 0.1).astype(dtype)
    bv = (rng.standard_normal(w_shape[3]) * 0.1).astype(dtype)
    with kf.Graph().as_default(), context:
        x = kf.placeholder(dtype, [x_shape[0] if batch_static else None] + list(x_shape[1:]))
        w, b = kf.Variable(wv), kf.Variable(bv)
        y = kf.nn.conv2d(x, w, [1, 1, 1, 1], padding)
        if bias:
            y = kf.nn.relu(y + b)
        grads = kf.gradients(kf.reduce_sum(y * y), [x, w] + ([b] if bias else []))
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            return sess.run([y] + grads, {x: xv}), _applied(sess)


@pytest.mark.parametrize("x_shape,w_shape,padding,mr", SHAPES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [False, True])
def test_fused_equals_unfused_bit_for_bit(x_shape, w_shape, padding, mr, dtype, bias):
    oh = x_shape[1] - (w_shape[0] - 1 if padding == "VALID" else 0)
    t = winograd.transform(w_shape[0], oh, oh)
    assert (t.m, t.r) == mr and winograd.chooses(x_shape, w_shape, ((1, 1), padding, (1, 1)), dtype) == (True,) * 3
    on, applied = _conv_step(x_shape, w_shape, padding, dtype, bias, rewrites.enabled(True))
    forward = "conv2d_bias_relu_keep_input" if bias else NAME
    assert forward in applied and "conv2d_filter_grad_kept_input" in applied
    assert "conv2d_bias_relu" not in applied  # the bias + relu fusion went into the keeping node
    off, applied = _conv_step(x_shape, w_shape, padding, dtype, bias, without_keep_input())
    assert NAME not in applied and "conv2d_filter_grad_kept_input" not in applied
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a, b)
    none, applied = _conv_step(x_shape, w_shape, padding, dtype, bias, rewrites.enabled(False))
    assert applied == []
    for a, b in zip(on, none):
        np.testing.assert_allclose(a, b, rtol=1e-5 if dtype == np.float32 else 1e-12,
                                   atol=1e-6 * float(np.abs(b).max()))


def test_static_batch_and_a_runtime_batch_too_small_for_winograd_fall_back():
    x_shape, w_shape = (6, 14, 14, 16), (5, 5, 16, 24)
    on, applied = _conv_step(x_shape, w_shape, "SAME", np.float32, True, rewrites.enabled(True), batch_static=True)
    assert "conv2d_filter_grad_kept_input" in applied
    # the plan's batch is unknown: the rewrite applies, but one image is below winograd.MIN_MACS (im2col runs,
    # nothing is kept) and the gradient takes its usual kernel
    assert winograd.chooses((1,) + x_shape[1:], w_shape, ((1, 1), "SAME", (1, 1)), np.float32)[0] is False
    on, applied = _conv_step(x_shape, w_shape, "SAME", np.float32, True, rewrites.enabled(True), feed_batch=1)
    assert "conv2d_filter_grad_kept_input" in applied
    off, _ = _conv_step(x_shape, w_shape, "SAME", np.float32, True, without_keep_input(), feed_batch=1)
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("x_shape,w_shape,strides", [
    ((6, 14, 14, 4), (5, 5, 4, 24), 1),  # too few input channels: the filter gradient stays im2col
    ((6, 16, 16, 16), (3, 3, 16, 24), 2),  # strided: no Winograd
    ((6, 16, 16, 16), (1, 1, 16, 24), 1)])  # no 1x1 transform
def test_not_applied_where_winograd_does_not_run_both(x_shape, w_shape, strides):
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [None] + list(x_shape[1:]))
        w = kf.Variable(np.full(w_shape, 0.1, np.float32))
        y = kf.nn.conv2d(x, w, [1, strides, strides, 1], "SAME")
        grads = kf.gradients(kf.reduce_sum(y * y), [w])
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            sess.run(grads, {x: np.ones(x_shape, np.float32)})
            assert NAME not in _applied(sess) and "conv2d_filter_grad_kept_input" not in _applied(sess)


def test_not_applied_without_the_forward_op_or_with_another_configuration():
    rng = np.random.RandomState(1)
    xv, dyv = rng.standard_normal((6, 14, 14, 16)).astype(np.float32), rng.standard_normal((6, 14, 14, 24))
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [None, 14, 14, 16])
        w = kf.Variable(rng.standard_normal((5, 5, 16, 24)).astype(np.float32))
        y = kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
        dw = kf.gradients(kf.reduce_sum(y * y), [w])[0]
        # a filter gradient of the same input with another padding: VALID's tiles are not SAME's
        other = kf.nn.conv2d_backprop_filter(x, [5, 5, 16, 24], kf.constant(dyv[:, :10, :10].astype(np.float32)),
                                             [1, 1, 1, 1], "VALID")
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            with_y = sess.run(dw, {x: xv})
            # the conv output fed: the Conv2D is not in the plan, the gradient transforms x itself
            fed = sess.run(dw, {x: xv, y: sess.run(y, {x: xv})})
            assert _applied(sess) == ["conv2d_filter_grad_kept_input", NAME]  # the first fetch only
            valid = sess.run([y, other], {x: xv})[1]
            assert _applied(sess) == ["conv2d_filter_grad_kept_input", NAME]  # nothing for the VALID gradient
    np.testing.assert_array_equal(with_y, fed)
    np.testing.assert_array_equal(valid, winograd.filter_grad(xv, dyv[:, :10, :10].astype(np.float32),
                                                              (0, 0, 0, 0), (5, 5, 16, 24)))


def test_kept_transform_is_a_fresh_array_no_kernel_overwrites():
    rng = np.random.RandomState(2)
    x, w = rng.standard_normal((6, 14, 14, 16)), rng.standard_normal((5, 5, 16, 24))
    dy = rng.standard_normal((6, 14, 14, 24))
    pads = (2, 2, 2, 2)
    y, kept = winograd.conv2d(x, w, pads, keep_input=True)
    np.testing.assert_array_equal(y, winograd.conv2d(x, w, pads))
    snapshot = kept.rows.copy()
    # other Winograd kernels on this thread reuse the scratch tiles: the kept transform is not among them
    y2, kept2 = winograd.conv2d(x[::-1].copy(), w, pads, keep_input=True)
    winograd.input_grad(w, dy, pads, x.shape)
    winograd.filter_grad(x[::-1].copy(), dy, pads, w.shape)
    np.testing.assert_array_equal(kept.rows, snapshot)
    assert not np.shares_memory(kept.rows, kept2.rows)
    assert not np.shares_memory(kept.rows, scratch.growable("winograd-tiles", 1, x.dtype))
    np.testing.assert_array_equal(winograd.filter_grad(x, dy, pads, w.shape, kept),
                                  winograd.filter_grad(x, dy, pads, w.shape))
    assert kept.nbytes >= 64 * 6 * 16 * 16 * 8  # F(4x4, 5x5): 64 points, 16 tiles per image, 16 channels
    assert kept.serves(x, pads, w.shape)
    assert not kept.serves(x, (0, 0, 0, 0), w.shape)  # other padding
    assert not kept.serves(x[:3], pads, w.shape)  # other batch
    assert not kept.serves(x.astype(np.float32), pads, w.shape)
    assert not kept.serves(x, (1, 1, 1, 1), (3, 3, 16, 24))  # other kernel size


def test_keras_cnn_fit_matches_without_the_rewrite():
    rng = np.random.RandomState(3)
    x, y = rng.rand(32, 12, 12, 1).astype(np.float32), rng.randint(0, 3, 32)
    weights, losses, applied = [], [], []
    for context in (rewrites.enabled(True), without_keep_input(), rewrites.enabled(False)):
        with kf.Graph().as_default(), context:
            kf.set_random_seed(5)
            model = kf.keras.Sequential([
                kf.keras.layers.Conv2D(16, 3, activation="relu", input_shape=(12, 12, 1)),
                kf.keras.layers.Conv2D(16, 3, activation="relu"),  # 10x10x16 -> 8x8x16: Winograd F(4x4, 3x3)
                kf.keras.layers.Flatten(), kf.keras.layers.Dense(3, activation="softmax")])
            model.compile("sgd", "sparse_categorical_crossentropy")
            losses.append(model.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0).history["loss"])
            weights.append(model.get_weights())
            sess = kf.keras.backend.get_session()
            applied.append(_applied(sess))
    assert "conv2d_bias_relu_keep_input" in applied[0] and "conv2d_filter_grad_kept_input" in applied[0]
    assert not [n for n in applied[1] if n.endswith(("keep_input", "kept_input"))]
    assert losses[0] == losses[1]
    for a, b in zip(weights[0], weights[1]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(losses[0], losses[2], rtol=1e-5)
    for a, b in zip(weights[0], weights[2]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6 * max(float(np.abs(b).max()), 1.0))


def test_transforms_over_the_size_cap_are_not_kept(monkeypatch):
    x_shape, w_shape = (6, 14, 14, 16), (5, 5, 16, 24)
    pads = (2, 2, 2, 2)
    size = winograd.kept_input_bytes(x_shape, w_shape, pads, np.float32)
    assert size == 64 * 6 * 16 * 16 * 4  # F(4x4, 5x5): 64 points, 16 tiles per image, 16 channels
    assert winograd.kept_input_bytes((128, 26, 26, 32), (3, 3, 32, 64), (0,) * 4, np.float32) > \
        winograd.MAX_KEPT_BYTES  # the Keras MNIST CNN's conv2 at batch 128
    x = np.random.RandomState(4).standard_normal(x_shape).astype(np.float32)
    w = np.full(w_shape, 0.01, np.float32)
    conf = ((1, 1), "SAME", (1, 1))
    assert conv_ops.conv2d_keeping_input(x, w, conf)[1] is not None
    monkeypatch.setattr(winograd, "MAX_KEPT_BYTES", size - 1)
    y, kept = conv_ops.conv2d_keeping_input(x, w, conf)
    assert kept is None
    np.testing.assert_array_equal(y, winograd.conv2d(x, w, pads))
    # a static batch over the cap: not applied; an unknown one: applied, nothing kept, the same values
    _, applied = _conv_step(x_shape, w_shape, "SAME", np.float32, True, rewrites.enabled(True), batch_static=True)
    assert "conv2d_filter_grad_kept_input" not in applied and "conv2d_bias_relu" in applied
    on, applied = _conv_step(x_shape, w_shape, "SAME", np.float32, True, rewrites.enabled(True))
    assert "conv2d_filter_grad_kept_input" in applied
    off, _ = _conv_step(x_shape, w_shape, "SAME", np.float32, True, without_keep_input())
    for a, b in zip(on, off):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("forward_waits", [False, True])
def test_a_filter_gradient_that_runs_before_the_forward_pass_transforms_its_input(forward_waits):
    rng = np.random.RandomState(5)
    xv = rng.standard_normal((6, 14, 14, 16)).astype(np.float32)
    dyv = rng.standard_normal((6, 14, 14, 24)).astype(np.float32)
    wv = rng.standard_normal((5, 5, 16, 24)).astype(np.float32)
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [None, 14, 14, 16])
        dw = kf.nn.conv2d_backprop_filter(x, [5, 5, 16, 24], kf.constant(dyv), [1, 1, 1, 1], "SAME")
        with kf.control_dependencies([dw] if forward_waits else []):  # the plan then runs dw first
            y = kf.nn.conv2d(x, kf.constant(wv), [1, 1, 1, 1], "SAME")
        with kf.Session() as sess:
            got_dw, got_y = sess.run([dw, y], {x: xv})
            kept = ["conv2d_filter_grad_kept_input", NAME]
            assert _applied(sess) == ([] if forward_waits else kept)
    np.testing.assert_array_equal(got_dw, winograd.filter_grad(xv, dyv, (2, 2, 2, 2), (5, 5, 16, 24)))
    np.testing.assert_array_equal(got_y, winograd.conv2d(xv, wv, (2, 2, 2, 2)))
