"""MaxPoolGrad -> ReluGrad [-> bias gradient] fused (engine/max_pool_relu_grad_rewrite.py): the pooled gradient
masked by ``pooled > 0`` before routing. The input gradient equals the unfused one bit for bit (zero signs
included) where windows do not overlap, and as values where they do (a masked sum of overlapping windows'
gradients is +0, unfused it can be -0: see the module docstring); the bias gradient is summed in another order,
so it equals the unfused one to rounding (float32: rtol 1e-5; float64: rtol 1e-12)."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import rewrites
from kflow.engine.gradient_check import check_gradients
from kflow.engine.max_pool_relu_grad_rewrite import _argmax_kernel
from kflow.engine.ops import pool_ops
from kflow.engine.ops.max_pool_2x2 import NO_POSITION
from kflow.engine.ops.window_geometry import Window

RTOL = {np.float32: 1e-5, np.float64: 1e-12}


def _applied(sess):
    return sorted(n for entry in sess._plans.values() for n in rewrites.applied_rewrites(entry[0]))


def _relu_input(shape, dtype, kind, seed=0):
    """Values for the pre-relu tensor: random, all <= 0 (every window's maximum is a relu zero) or small
    integers (many ties among positive values)."""
    rng = np.random.RandomState(seed)
    if kind == "random":
        return rng.randn(*shape).astype(dtype)
    if kind == "nonpositive":
        return -np.abs(rng.randn(*shape)).astype(dtype)
    return rng.randint(-2, 3, shape).astype(dtype)


def _step(x_value, ksize, padding, bias, fetch_extra=None, flag=True):
    """Gradients (of the relu input and of the bias) of sum(max_pool(relu(x * 1 + b)) * weights), with the
    rewrites on or off; returns (values, applied rewrites)."""
    dtype = x_value.dtype
    rng = np.random.RandomState(7)
    with kf.Graph().as_default(), rewrites.enabled(flag):
        x = kf.placeholder(dtype, [None] + list(x_value.shape[1:]))
        b = kf.constant(rng.randn(x_value.shape[-1]).astype(dtype) * 0.1)
        pre = x * kf.constant(1.0, dtype)  # a graph op: the gradient of x then comes from the ReluGrad
        if bias == "add":
            pre = pre + b
        elif bias == "bias_add":
            pre = kf.nn.bias_add(pre, b)
        h = kf.nn.relu(pre)
        p = kf.nn.max_pool(h, [1, ksize, ksize, 1], [1, 2, 2, 1], padding)
        weights = kf.constant(rng.randn(*[d for d in p.shape.as_list()[1:]]).astype(dtype))
        loss = kf.reduce_sum(p * weights)
        wrt = [x] + ([b] if bias else [])
        grads = kf.gradients(loss, wrt + [h, pre])  # h's: MaxPoolGrad's output; pre's: ReluGrad's
        fetches = [p] + grads[:len(wrt)]
        if fetch_extra is not None:
            fetches += fetch_extra(h, *grads[len(wrt):])
        with kf.Session() as sess:
            values = sess.run(fetches, {x: x_value})
            return values, _applied(sess)


def _assert_same(on, off, dtype, overlapping):
    np.testing.assert_array_equal(on[0], off[0])  # the pooled forward
    np.testing.assert_array_equal(on[1], off[1])  # the input gradient: equal values
    if not overlapping:
        np.testing.assert_array_equal(np.signbit(on[1]), np.signbit(off[1]))  # bit for bit, zero signs too
    for a, b in zip(on[2:], off[2:]):
        scale = max(float(np.max(np.abs(b))), 1.0) if np.size(b) else 1.0
        np.testing.assert_allclose(a, b, rtol=RTOL[dtype], atol=RTOL[dtype] * scale)


CASES = [  # (height/width, ksize, padding, expected variant prefix)
    (8, 2, "VALID", "max_pool_argmax_relu_grad"),
    (9, 2, "SAME", "max_pool_argmax_relu_grad"),  # odd size: the last row/column padded
    (9, 3, "VALID", "max_pool_argmax_relu_grad"),  # overlapping windows
    (8, 3, "SAME", "max_pool_argmax_relu_grad"),  # overlapping, padded at the bottom/right only
    (9, 3, "SAME", "max_pool_relu_grad"),  # padded on top: the recomputing gradient
]


@pytest.mark.parametrize("size, ksize, padding, variant", CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("bias", [None, "add", "bias_add"])
@pytest.mark.parametrize("kind", ["random", "nonpositive", "ties"])
def test_fused_gradients_match_unfused(size, ksize, padding, variant, dtype, bias, kind):
    x = _relu_input((3, size, size, 4), dtype, kind)
    on, applied = _step(x, ksize, padding, bias)
    off, none = _step(x, ksize, padding, bias, flag=False)
    assert none == []
    assert variant + ("_bias_grad" if bias else "") in applied
    assert "relu_grad_bias_grad" not in applied and "max_pool_grad_argmax" not in applied
    _assert_same(on, off, dtype, overlapping=ksize > 2)


@pytest.mark.parametrize("size, ksize, padding, variant", [CASES[0], CASES[2], CASES[4]])
def test_large_batches_split_over_threads_and_match(size, ksize, padding, variant):
    x = _relu_input((96, size, size, 64), np.float32, "random", seed=3)  # > 2^18 pooled values
    on, applied = _step(x, ksize, padding, "add")
    off, _ = _step(x, ksize, padding, "add", flag=False)
    assert variant + "_bias_grad" in applied
    _assert_same(on, off, np.float32, overlapping=ksize > 2)


@pytest.mark.parametrize("size, ksize, padding, variant", [CASES[0], CASES[3], CASES[4]])
def test_nan_relu_outputs_give_the_unfused_gradients(size, ksize, padding, variant):
    x = _relu_input((2, size, size, 3), np.float32, "random")
    x[0, 0, 1, 0] = np.nan  # the second position of the first window: its maximum is NaN, its argmax is not
    x[1, 3, 3, 2] = np.nan
    on, applied = _step(x, ksize, padding, "add")
    off, _ = _step(x, ksize, padding, "add", flag=False)
    assert variant + "_bias_grad" in applied
    np.testing.assert_array_equal(on[1], off[1])
    np.testing.assert_allclose(on[2], off[2], rtol=1e-5)


def test_a_nan_maximum_sends_no_gradient_as_in_the_unfused_max_pool_grad():
    window = Window((2, 2), (2, 2), "VALID")
    x = np.array([1.0, np.nan, 0.0, 0.0, 2.0, 1.0, 0.0, 3.0], np.float32).reshape(1, 2, 4, 1)
    y, argmax = pool_ops.max_pool_with_argmax(x, window)
    assert np.isnan(y[0, 0, 0, 0]) and argmax[0, 0, 0, 0] == NO_POSITION
    dy = np.array([3.0, -5.0], np.float32).reshape(1, 1, 2, 1)
    dx, db = _argmax_kernel(window, True)(x, argmax, y, dy)
    unfused = pool_ops._max_pool_grad_kernel(x, y, dy, window) * (x > 0)  # no position equals NaN: no gradient
    np.testing.assert_array_equal(dx, unfused)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, -5.0]])
    np.testing.assert_array_equal(db, [-5.0])


def _extra_fetch_step(extra, bias="add"):
    x = _relu_input((2, 8, 8, 3), np.float32, "random")
    on, applied = _step(x, 2, "VALID", bias, fetch_extra=extra)
    off, _ = _step(x, 2, "VALID", bias, fetch_extra=extra, flag=False)
    _assert_same(on, off, np.float32, overlapping=False)
    return applied


def test_not_applied_when_the_max_pool_gradient_is_fetched_or_read_elsewhere():
    unfused = ["max_pool_argmax", "max_pool_grad_argmax", "relu_grad_bias_grad"]
    assert _extra_fetch_step(lambda h, pool_grad, relu_grad: [pool_grad]) == unfused
    assert _extra_fetch_step(lambda h, pool_grad, relu_grad: [kf.reduce_sum(pool_grad * 2.0)]) == unfused


def test_not_applied_past_a_control_dependency_on_the_max_pool_gradient():
    def extra(h, pool_grad, relu_grad):
        with kf.control_dependencies([pool_grad.op]):
            return [kf.constant(1.0) + 1.0]
    assert _extra_fetch_step(extra) == ["max_pool_argmax", "max_pool_grad_argmax", "relu_grad_bias_grad"]


def test_applied_when_the_relu_output_or_the_relu_gradient_is_fetched():
    # neither is dropped: the relu output is the pool's input, the relu gradient an output of the fused node
    fused = ["max_pool_argmax", "max_pool_argmax_relu_grad_bias_grad"]
    assert _extra_fetch_step(lambda h, pool_grad, relu_grad: [h]) == fused
    assert _extra_fetch_step(lambda h, pool_grad, relu_grad: [relu_grad]) == fused


def test_a_relu_gradient_read_by_another_sum_leaves_the_bias_gradient_out():
    def extra(h, pool_grad, relu_grad):
        return [kf.reduce_sum(relu_grad, axis=[0, 1, 2])]
    assert _extra_fetch_step(extra, bias=None) == ["max_pool_argmax", "max_pool_argmax_relu_grad"]


def test_not_applied_when_the_relu_output_has_another_gradient_path():
    x_value = _relu_input((2, 8, 8, 3), np.float32, "random")
    values, applied = [], []
    for flag in (True, False):
        with kf.Graph().as_default(), rewrites.enabled(flag):
            x = kf.placeholder(kf.float32, [None, 8, 8, 3])
            h = kf.nn.relu(x + kf.constant([0.1, -0.2, 0.3]))
            loss = kf.reduce_sum(kf.square(kf.nn.max_pool(h, 2, 2, "VALID"))) + kf.reduce_sum(h * 0.5)
            with kf.Session() as sess:
                values.append(sess.run(kf.gradients(loss, x)[0], {x: x_value}))  # ReluGrad reads a sum of both
                applied.append(_applied(sess))
    assert applied == [["max_pool_argmax", "max_pool_grad_argmax"], []]
    np.testing.assert_array_equal(values[0], values[1])


def test_deep_mnist_layers_fuse_both_pool_gradients():
    def build():
        x = kf.placeholder(kf.float32, [None, 12, 12, 1])
        w1 = kf.Variable(kf.truncated_normal([3, 3, 1, 4], stddev=0.5))
        b1 = kf.Variable(kf.constant(0.1, shape=[4]))
        h = kf.nn.max_pool(kf.nn.relu(kf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME") + b1), [1, 2, 2, 1],
                           [1, 2, 2, 1], "SAME")
        w2 = kf.Variable(kf.truncated_normal([3, 3, 4, 6], stddev=0.5))
        b2 = kf.Variable(kf.constant(0.1, shape=[6]))
        h = kf.nn.max_pool(kf.nn.relu(kf.nn.conv2d(h, w2, [1, 1, 1, 1], "SAME") + b2), [1, 2, 2, 1],
                           [1, 2, 2, 1], "SAME")
        loss = kf.reduce_sum(kf.square(h - 0.3))
        return [loss] + kf.gradients(loss, [w1, b1, w2, b2]), x

    values, applied = [], []
    for flag in (True, False):
        with kf.Graph().as_default(), rewrites.enabled(flag):
            kf.set_random_seed(1)
            fetches, x = build()
            with kf.Session() as sess:
                sess.run(kf.global_variables_initializer())
                values.append(sess.run(fetches, {x: np.random.RandomState(2).rand(5, 12, 12, 1)}))
                applied.append(_applied(sess))
    assert applied == [["conv2d_bias_relu", "conv2d_bias_relu", "max_pool_argmax", "max_pool_argmax",
                        "max_pool_argmax_relu_grad_bias_grad", "max_pool_argmax_relu_grad_bias_grad"], []]
    for a, b in zip(*values):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6 * max(float(np.max(np.abs(b))), 1.0))


def test_keras_conv_relu_then_max_pooling_fuses():
    rng = np.random.RandomState(1)
    x, y = rng.rand(16, 8, 8, 1).astype(np.float32), rng.randint(0, 3, 16)
    weights, applied = [], []
    for flag in (True, False):
        with kf.Graph().as_default(), rewrites.enabled(flag):
            kf.set_random_seed(5)
            model = kf.keras.Sequential([kf.keras.layers.Conv2D(3, 3, activation="relu", input_shape=(8, 8, 1)),
                                         kf.keras.layers.MaxPooling2D(2), kf.keras.layers.Flatten(),
                                         kf.keras.layers.Dense(3, activation="softmax")])
            model.compile("sgd", "sparse_categorical_crossentropy")
            model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
            weights.append(model.get_weights())
            session = kf.keras.backend.get_session()
            applied.append(_applied(session))
    assert "max_pool_argmax_relu_grad_bias_grad" in applied[0] and applied[1] == []
    for a, b in zip(*weights):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_gradient_check_through_the_fused_kernels():
    rng = np.random.RandomState(4)
    x, w, b = rng.randn(2, 7, 7, 2), rng.randn(3, 3, 2, 3), rng.randn(3) * 0.1

    def fn(ksize, padding):
        def f(x, w, b):
            h = kf.nn.relu(kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)
            return kf.nn.max_pool(h, [1, ksize, ksize, 1], [1, 2, 2, 1], padding)
        return f

    for ksize, padding, variant in [(2, "VALID", "max_pool_argmax_relu_grad_bias_grad"),
                                    (3, "SAME", "max_pool_relu_grad_bias_grad")]:  # 7 -> 4: pads 1 on top
        f = fn(ksize, padding)
        with kf.Graph().as_default():
            phs = [kf.placeholder(kf.float64, v.shape) for v in (x, w, b)]
            out = f(*phs)
            with kf.Session() as sess:
                sess.run(kf.gradients(kf.reduce_sum(out * out), phs), dict(zip(phs, (x, w, b))))
                assert variant in _applied(sess)
        check_gradients(f, [x, w, b])


def test_registry_lists_the_rewrite():
    assert "max_pool_relu_grad" in rewrites.registered()


def test_an_imported_meta_graph_fuses_as_the_original(tmp_path):
    # each imported op holds its own copy of the window: matched by value (pool_ops.same_window)
    path = str(tmp_path / "pool.meta")
    x_value = _relu_input((2, 8, 8, 3), np.float32, "random")
    results = []
    with kf.Graph().as_default() as g:
        x = kf.placeholder(kf.float32, [None, 8, 8, 3], name="x")
        b = kf.Variable(kf.constant([0.1, -0.2, 0.3]), name="b")
        h = kf.nn.max_pool(kf.nn.relu(x + b), 2, 2, "SAME")
        grads = kf.gradients(kf.reduce_sum(h * h), [x, b])
        kf.global_variables_initializer()
        kf.train.export_meta_graph(path)
        names = [t.name for t in grads]
        with kf.Session() as sess:
            sess.run(g.get_operation_by_name("init"))
            results.append((sess.run(grads, {x: x_value}), _applied(sess)))
    with kf.Graph().as_default() as g:
        kf.train.import_meta_graph(path)
        pool, pool_grad = [op for op in g.get_operations() if op.type in ("MaxPool", "MaxPoolGrad")]
        assert pool.attrs["window"] is not pool_grad.attrs["window"]
        with kf.Session() as sess:
            sess.run(g.get_operation_by_name("init"))
            results.append((sess.run(names, {"x:0": x_value}), _applied(sess)))
    assert results[0][1] == results[1][1] == ["max_pool_argmax", "max_pool_argmax_relu_grad_bias_grad"]
    for a, b in zip(results[0][0], results[1][0]):
        np.testing.assert_array_equal(a, b)
    assert not pool_ops.same_window(Window((2, 2), (2, 2), "SAME"), Window((2, 2), (2, 2), "VALID"))
