"""Plan rewrites (kflow/engine/rewrites.py, bias_relu_rewrites.py): applied exactly where their pattern holds,
never observable: results with the pass on equal those with it off (float32: rtol 1e-5, atol 1e-6 of the
values' scale; the fused kernels add the bias gradient in another order), the Graph stays as built."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import devices, rewrites
from kflow.engine.bias_relu_rewrites import _bias_relu_kernel, relu_grad_bias_grad
from kflow.engine.gradient_check import check_gradients

RTOL = 1e-5


def _plans(sess):
    return [entry[0] for entry in sess._plans.values()]


def _applied(sess):
    return sorted(name for plan in _plans(sess) for name in rewrites.applied_rewrites(plan))


def _run_both(build, feed_fn, fetch_names=None):
    """Builds a graph with ``build`` -> fetches, runs them with the pass on and off (fresh sessions, same
    initial values); returns (values on, values off, rewrites applied)."""
    results, applied = [], []
    for flag in (True, False):
        g = kf.Graph()
        with g.as_default():
            kf.set_random_seed(3)
            fetches, feeds = build()
            init = kf.global_variables_initializer()
        names_before = [op.name for op in g.get_operations()]
        with rewrites.enabled(flag):
            with kf.Session(graph=g) as sess:
                sess.run(init)
                results.append(sess.run(fetches, feed_fn(feeds)))
                applied.append(_applied(sess))
        assert [op.name for op in g.get_operations()] == names_before  # the Graph is never rewritten
    assert applied[1] == []
    return results[0], results[1], applied[0]


def _assert_close(on, off):
    assert len(on) == len(off)
    for a, b in zip(on, off):
        scale = max(float(np.max(np.abs(b))), 1.0) if np.size(b) else 1.0
        np.testing.assert_allclose(a, b, rtol=RTOL, atol=1e-6 * scale)


def _cnn_feed(feeds):
    rng = np.random.RandomState(0)
    x, y = feeds
    return {x: rng.rand(6, 10, 10, 2).astype(np.float32), y: np.eye(4, dtype=np.float32)[rng.randint(0, 4, 6)]}


def test_tf1_conv_and_dense_model_fuses_every_layer_and_matches_unfused():
    def build():  # the deep-MNIST way: kf.nn ops and ``+ b``
        x = kf.placeholder(kf.float32, [None, 10, 10, 2])
        y = kf.placeholder(kf.float32, [None, 4])
        w1 = kf.Variable(kf.truncated_normal([3, 3, 2, 5], stddev=0.5))
        b1 = kf.Variable(kf.constant(0.1, shape=[5]))
        h = kf.nn.relu(kf.nn.conv2d(x, w1, [1, 1, 1, 1], "SAME") + b1)
        h = kf.reshape(kf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), [-1, 125])
        w2 = kf.Variable(kf.truncated_normal([125, 7], stddev=0.3))
        b2 = kf.Variable(kf.constant(0.1, shape=[7]))
        fc = kf.nn.relu(kf.matmul(h, w2) + b2)
        w3 = kf.Variable(kf.truncated_normal([7, 4], stddev=0.3))
        b3 = kf.Variable(kf.zeros([4]))
        logits = kf.matmul(fc, w3) + b3
        loss = kf.reduce_mean(kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=logits))
        return [loss, logits] + kf.gradients(loss, [w1, b1, w2, b2, w3, b3]), (x, y)

    on, off, applied = _run_both(build, _cnn_feed)
    assert applied == ["conv2d_bias_relu", "matmul_bias", "matmul_bias_relu", "max_pool_argmax",
                       "max_pool_argmax_relu_grad_bias_grad", "relu_grad_bias_grad"]
    _assert_close(on, off)


def test_layers_and_keras_models_fuse_bias_add_and_relu():
    def build():
        x = kf.placeholder(kf.float32, [None, 10, 10, 2])
        y = kf.placeholder(kf.float32, [None, 4])
        h = kf.layers.conv2d(x, 4, 3, activation=kf.nn.relu)  # kf.layers: BiasAdd
        h = kf.layers.dense(kf.layers.flatten(h), 6, activation=kf.nn.relu)
        model = kf.keras.Sequential([kf.keras.layers.Dense(5, activation="relu"),
                                     kf.keras.layers.Dense(4, activation="softmax")])
        probs = model(h)
        loss = kf.reduce_mean(kf.keras.losses.categorical_crossentropy(y, probs))
        return [loss, probs] + kf.gradients(loss, kf.trainable_variables()), (x, y)

    on, off, applied = _run_both(build, _cnn_feed)
    assert applied == ["conv2d_bias_relu", "matmul_bias", "matmul_bias_relu", "matmul_bias_relu",
                       "relu_grad_bias_grad", "relu_grad_bias_grad", "relu_grad_bias_grad"]
    _assert_close(on, off)


def test_large_batches_take_the_blocked_kernels_and_match_unfused():
    def build():
        x = kf.placeholder(kf.float32, [None, 12, 12, 3])
        h = kf.layers.conv2d(x, 24, 3, padding="same", activation=kf.nn.relu)  # 64 * 12 * 12 * 24 values
        loss = kf.reduce_sum(kf.square(h))
        return [loss, h] + kf.gradients(loss, kf.trainable_variables()), (x,)

    on, off, applied = _run_both(build, lambda feeds: {feeds[0]: np.random.RandomState(4).randn(
        64, 12, 12, 3).astype(np.float32)})
    assert applied == ["conv2d_bias_relu", "relu_grad_bias_grad"]
    _assert_close(on, off)


def test_keras_fit_trains_the_same_with_the_pass_on_and_off():
    rng = np.random.RandomState(1)
    x = rng.rand(32, 8, 8, 1).astype(np.float32)
    y = rng.randint(0, 3, 32)
    weights, losses = [], []
    for flag in (True, False):
        with kf.Graph().as_default(), rewrites.enabled(flag):
            kf.set_random_seed(5)
            model = kf.keras.Sequential([kf.keras.layers.Conv2D(3, 3, activation="relu", input_shape=(8, 8, 1)),
                                         kf.keras.layers.Flatten(), kf.keras.layers.Dense(5, activation="relu"),
                                         kf.keras.layers.Dense(3, activation="softmax")])
            model.compile("sgd", "sparse_categorical_crossentropy")
            losses.append(model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history["loss"])
            weights.append(model.get_weights())
    np.testing.assert_allclose(losses[0], losses[1], rtol=RTOL)
    _assert_close(weights[0], weights[1])


def _dense_graph():
    x = kf.placeholder(kf.float32, [None, 3])
    w = kf.constant(np.arange(12, dtype=np.float32).reshape(3, 4) / 10 - 0.5)
    b = kf.constant(np.array([0.1, -0.2, 0.3, -0.4], np.float32))
    product = kf.matmul(x, w)
    pre = kf.nn.bias_add(product, b)
    return x, w, b, product, pre, kf.nn.relu(pre)


_X = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, -1.0]], np.float32)


def _fused_names(fetches, feed):
    with kf.Session() as sess:
        values = sess.run(fetches, feed)
        return values, _applied(sess)


def test_no_fusion_when_the_product_is_fetched_or_read_elsewhere():
    x, w, b, product, pre, out = _dense_graph()
    values, applied = _fused_names([out, product], {x: _X})
    assert applied == []
    np.testing.assert_allclose(values[0], np.maximum(_X @ (np.arange(12).reshape(3, 4) / 10 - 0.5) +
                                                     [0.1, -0.2, 0.3, -0.4], 0), rtol=RTOL)
    other = kf.reduce_sum(product)  # a second consumer of the product
    _, applied = _fused_names([out, other], {x: _X})
    assert applied == []


def test_a_fetched_or_shared_bias_add_output_ends_the_pattern_before_relu():
    x, w, b, product, pre, out = _dense_graph()
    values, applied = _fused_names([out, pre], {x: _X})
    assert applied == ["matmul_bias"]  # MatMul + BiasAdd fused; the Relu reads the fetched sum
    np.testing.assert_allclose(values[0], np.maximum(values[1], 0))
    _, applied = _fused_names([out, kf.nn.sigmoid(pre)], {x: _X})
    assert applied == ["matmul_bias"]


def test_no_fusion_past_a_control_dependency_on_an_intermediate():
    x, w, b, product, pre, out = _dense_graph()
    with kf.control_dependencies([product.op]):
        marker = kf.constant(1.0) + 1.0
    _, applied = _fused_names([out, marker], {x: _X})
    assert applied == []


def test_no_fusion_of_a_bias_broadcast_over_other_axes():
    x = kf.placeholder(kf.float32, [2, 3])
    product = kf.matmul(x, kf.ones([3, 1]))
    out = kf.nn.relu(product + kf.constant([1.0, 2.0, 3.0]))  # [2, 1] + [3]: broadcasts to [2, 3]
    values, applied = _fused_names(out, {x: _X})
    assert applied == []
    assert values.shape == (2, 3)


def test_switched_off_by_the_environment(monkeypatch):
    x, w, b, product, pre, out = _dense_graph()
    monkeypatch.setenv(rewrites.ENV_VAR, "0")
    _, applied = _fused_names(out, {x: _X})
    assert applied == []
    monkeypatch.setenv(rewrites.ENV_VAR, "1")
    _, applied = _fused_names(out, {x: _X})
    assert applied == ["matmul_bias_relu"]


def test_relu_grad_bias_grad_fused_even_when_the_masked_gradient_is_fetched():
    x, w, b, product, pre, out = _dense_graph()
    loss = kf.reduce_sum(out * out)
    masked = kf.gradients(loss, pre)[0]
    gb = kf.gradients(loss, b)[0]
    values, applied = _fused_names([masked, gb, loss], {x: _X})
    assert "relu_grad_bias_grad" in applied
    np.testing.assert_allclose(values[1], values[0].sum(axis=0), rtol=RTOL)


def test_traced_step_still_lists_every_graph_op():
    x, w, b, product, pre, out = _dense_graph()
    meta = kf.RunMetadata()
    with kf.Session() as sess:
        sess.run(out, {x: _X}, options=kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE), run_metadata=meta)
        assert _applied(sess) == ["matmul_bias_relu"]
    names = {n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats}
    assert {product.op.name, pre.op.name, out.op.name} <= names


class _DeviceArray(np.ndarray):
    """Stands for GPU memory (as in test_placement.py)."""


class _FakeGPU(devices.Backend):
    def __init__(self):
        super().__init__("GPU", np, lambda x: np.asarray(x).view(_DeviceArray),
                         lambda x: np.asarray(x).view(np.ndarray))


@pytest.fixture
def gpu():
    fake = _FakeGPU()
    devices._gpu_override.append(fake)
    yield fake
    devices._gpu_override.remove(fake)


def test_skipped_on_another_device_and_across_devices(gpu):
    x, w, b, product, pre, out = _dense_graph()
    grads = kf.gradients(kf.reduce_sum(out * out), [w, b])
    values, applied = _fused_names([out] + grads, {x: _X})
    assert applied == []  # all placed on the (fake) GPU: the fused kernels are CPU kernels
    with kf.device("/cpu:0"):
        split = kf.matmul(x, w)
    with kf.device("/gpu:0"):
        split_out = kf.nn.relu(kf.nn.bias_add(split, b))
    split_value, applied = _fused_names(split_out, {x: _X})
    assert applied == []  # the product on the CPU, its bias and relu on the GPU
    with kf.device("/cpu:0"):
        cpu_out = kf.nn.relu(kf.nn.bias_add(kf.matmul(x, w), b))
    cpu_value, applied = _fused_names(cpu_out, {x: _X})
    assert applied == ["matmul_bias_relu"]
    np.testing.assert_allclose(cpu_value, values[0], rtol=RTOL)
    np.testing.assert_allclose(split_value, values[0], rtol=RTOL)


# ---- float64 gradient checks through the fused kernels ---------------------------------------------------
def _assert_fused(fn, inputs, expected):
    """``fn``'s forward and gradient plans get the rewrites ``expected`` (so the checks below go through them)."""
    with kf.Graph().as_default():
        phs = [kf.placeholder(kf.float64, v.shape) for v in inputs]
        out = fn(*phs)
        with kf.Session() as sess:
            sess.run(kf.gradients(kf.reduce_sum(out * out), phs), dict(zip(phs, inputs)))
            assert _applied(sess) == expected


def test_gradient_check_through_fused_conv_bias_relu():
    rng = np.random.RandomState(0)
    x = rng.randn(3, 5, 5, 2)
    w = rng.randn(3, 3, 2, 4)
    b = rng.randn(4) * 0.1

    def fn(x, w, b):
        return kf.nn.relu(kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)

    _assert_fused(fn, [x, w, b], ["conv2d_bias_relu", "relu_grad_bias_grad"])
    check_gradients(fn, [x, w, b])

    def fn_bias_add(x, w, b):
        return kf.nn.relu(kf.nn.bias_add(kf.nn.conv2d(x, w, [1, 2, 2, 1], "VALID"), b))

    _assert_fused(fn_bias_add, [x, w, b], ["conv2d_bias_relu", "relu_grad_bias_grad"])
    check_gradients(fn_bias_add, [x, w, b])


def test_gradient_check_through_the_blocked_fused_kernels():
    rng = np.random.RandomState(5)
    x, w, b = rng.randn(32, 12, 12, 3), rng.randn(3, 3, 3, 24) * 0.3, rng.randn(24) * 0.1  # 110592 outputs

    def fn(x, w, b):
        return kf.nn.relu(kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)

    _assert_fused(fn, [x, w, b], ["conv2d_bias_relu", "relu_grad_bias_grad"])
    check_gradients(fn, [x, w, b])


def test_gradient_check_through_fused_matmul_bias_relu():
    rng = np.random.RandomState(1)

    def fn(a, w, b):
        return kf.nn.relu(kf.matmul(a, w, transpose_b=True) + b)

    inputs = [rng.randn(5, 3), rng.randn(4, 3), rng.randn(4) * 0.1]
    _assert_fused(fn, inputs, ["matmul_bias_relu", "relu_grad_bias_grad"])
    check_gradients(fn, inputs)


def test_fused_relu_grad_bias_grad_kernel_matches_its_definition():
    rng = np.random.RandomState(2)
    for shape in [(7, 3), (64, 12, 12, 8), (0, 4), (5, 0), (9, 7, 7, 48), (3, 1024), (70, 1024), (80, 9, 9, 100)]:
        g = rng.randn(*shape)
        y = np.maximum(rng.randn(*shape), 0)
        dg, gb = relu_grad_bias_grad(g, y)
        np.testing.assert_allclose(dg, g * (y > 0))
        np.testing.assert_allclose(gb, (g * (y > 0)).sum(axis=tuple(range(len(shape) - 1))), atol=1e-12)
    with pytest.raises(ValueError, match="ReluGrad"):
        relu_grad_bias_grad(np.ones((2, 3)), np.ones((2, 4)))


def test_registry_is_inspectable():
    assert {"product_bias_relu", "relu_grad_bias_grad", "max_pool_argmax", "max_pool_relu_grad"} <= \
        set(rewrites.registered())


def test_fused_bias_relu_kernel_on_odd_shapes():
    rng = np.random.RandomState(3)
    for shape in [(5, 7, 3), (4, 1024), (3, 10), (0, 4), (6, 5, 5, 48), (40, 12, 12, 16), (70, 1024), (9, 9, 9, 100)]:
        x = rng.randn(*shape).astype(np.float32)
        b = rng.randn(shape[-1]).astype(np.float32)
        for relu in (True, False):
            kernel = _bias_relu_kernel(lambda v: v.copy(), 1, relu)
            expected = x + b
            np.testing.assert_allclose(kernel(x, b), np.maximum(expected, 0) if relu else expected, rtol=1e-6)
    x = rng.randn(6, 4).astype(np.float32)
    transposed = _bias_relu_kernel(lambda v: v.copy().T, 1, False)  # a non-contiguous product: plain broadcast
    np.testing.assert_allclose(transposed(x, np.ones(6, np.float32)), x.T + 1)
