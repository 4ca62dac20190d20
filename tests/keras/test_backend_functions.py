"""The Keras 2 backend functions of backend_functions.py: numpy references, gradients of the differentiable
ones, variables and their updates, learning-phase switches, K.rnn, convolutions, printing."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.keras import backend as K

# Keras 2.2's backend functions that kflow does not have (no op for them yet)
NOT_AVAILABLE = {"manual_variable_initialization"}
KERAS_2_BACKEND = """backend epsilon set_epsilon floatx set_floatx cast_to_floatx image_data_format
set_image_data_format image_dim_ordering set_image_dim_ordering get_uid reset_uids clear_session learning_phase
set_learning_phase get_session set_session is_sparse to_dense variable constant is_keras_tensor is_tensor
placeholder is_placeholder shape int_shape ndim dtype eval zeros ones eye zeros_like ones_like identity
random_uniform_variable random_normal_variable count_params cast update update_add update_sub
moving_average_update dot batch_dot transpose gather max min sum prod cumsum cumprod var std mean any all argmax
argmin square abs sqrt exp log logsumexp round sign pow clip equal not_equal greater greater_equal less less_equal
maximum minimum sin cos normalize_batch_in_training batch_normalization concatenate reshape permute_dimensions
resize_images resize_volumes repeat_elements repeat arange tile flatten batch_flatten expand_dims squeeze
temporal_padding spatial_2d_padding spatial_3d_padding stack one_hot reverse slice get_value batch_get_value
set_value batch_set_value print_tensor function gradients stop_gradient rnn switch in_train_phase in_test_phase
separable_conv1d separable_conv2d depthwise_conv2d relu elu softmax softplus softsign categorical_crossentropy sparse_categorical_crossentropy binary_crossentropy
sigmoid hard_sigmoid tanh dropout l2_normalize in_top_k conv1d conv2d conv2d_transpose pool2d bias_add
random_normal random_uniform random_binomial truncated_normal map_fn foldl foldr control_dependencies name_scope
get_graph size conv3d conv3d_transpose pool3d local_conv1d local_conv2d ctc_label_dense_to_sparse ctc_batch_cost
ctc_decode""".split()


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_every_keras_2_backend_name_is_there():
    assert [n for n in KERAS_2_BACKEND if not hasattr(K, n)] == []
    assert not any(hasattr(K, n) for n in NOT_AVAILABLE)
    assert K.backend() == "tensorflow" and K.image_dim_ordering() == "tf"


def test_statistics_and_shapes_match_numpy():
    a = np.random.RandomState(0).randn(3, 4, 5)
    x = K.constant(a, dtype=kf.float64)
    got = _run([K.var(x, axis=1), K.std(x), K.logsumexp(x, axis=-1), K.logsumexp(x, axis=1, keepdims=True),
                K.cumsum(x, axis=1), K.cumprod(x, axis=2), K.permute_dimensions(x, (2, 0, 1)),
                K.repeat_elements(x, 2, axis=1), K.reverse(x, 0), K.slice(x, (0, 1, 0), (2, 2, -1)),
                K.temporal_padding(x, (1, 2)), K.spatial_2d_padding(K.reshape(x, (3, 4, 5, 1))),
                K.repeat(x[:, 0], 3), K.arange(2, 9, 3), K.sin(x), K.softsign(x), K.size(x)])
    lse = np.log(np.exp(a).sum(-1))
    want = [a.var(1), a.std(), lse, np.log(np.exp(a).sum(1, keepdims=True)), a.cumsum(1), a.cumprod(2),
            a.transpose(2, 0, 1), a.repeat(2, axis=1), a[::-1], a[0:2, 1:3, :], np.pad(a, [(0, 0), (1, 2), (0, 0)]),
            np.pad(a.reshape(3, 4, 5, 1), [(0, 0), (1, 1), (1, 1), (0, 0)]), np.repeat(a[:, None, 0], 3, 1),
            np.arange(2, 9, 3), np.sin(a), a / (1 + np.abs(a)), a.size]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-10)
    check_gradients(lambda t: [K.var(t, axis=0), K.std(t, axis=2), K.logsumexp(t, axis=1), K.cumprod(t, axis=1)],
                    [a])


@pytest.mark.parametrize("shapes,axes", [(((4, 3), (4, 3)), None), (((4, 2, 3), (4, 3, 5)), None),
                                         (((4, 3, 2), (4, 5, 3)), (1, 2)), (((4, 3), (4, 3, 2)), (1, 1))])
def test_batch_dot_matches_einsum(shapes, axes):
    rng = np.random.RandomState(1)
    a, b = rng.randn(*shapes[0]), rng.randn(*shapes[1])
    got = _run(K.batch_dot(K.constant(a, dtype=kf.float64), K.constant(b, dtype=kf.float64), axes=axes))
    ax, ay = axes or (a.ndim - 1, b.ndim - 2 if b.ndim > 2 else 1)
    want = np.stack([np.tensordot(a[i], b[i], axes=(ax - 1, ay - 1)) for i in range(4)])
    np.testing.assert_allclose(got, want.reshape(4, -1) if want.ndim == 1 else want, rtol=1e-10)
    check_gradients(lambda x, y: K.batch_dot(x, y, axes=axes), [a, b])


def test_variables_updates_and_values():
    z, o, e = K.zeros((2, 3)), K.ones((2,), dtype="float64"), K.eye(3)
    np.testing.assert_array_equal(K.eval(z), np.zeros((2, 3)))
    assert K.eval(o).dtype == np.float64 and np.array_equal(K.eval(e), np.eye(3))
    assert K.count_params(z) == 6
    v = K.variable(np.array([1.0, 2.0]))
    sess = K.get_session()
    sess.run(K.update_add(v, [1.0, 1.0]))
    sess.run(K.update_sub(v, [0.5, 0.5]))
    np.testing.assert_allclose(K.get_value(v), [1.5, 2.5])
    sess.run(K.moving_average_update(v, K.constant([3.5, 4.5]), 0.5))
    np.testing.assert_allclose(K.get_value(v), [2.5, 3.5])
    sess.run(K.update(v, [0.0, 1.0]))
    np.testing.assert_allclose(K.eval(v), [0.0, 1.0])
    u = K.random_uniform_variable((100,), 2.0, 3.0, seed=1)
    assert 2.0 <= K.eval(u).min() and K.eval(u).max() < 3.0
    assert K.cast_to_floatx([1, 2]).dtype == np.float32


def test_tensor_kinds():
    inputs = kf.keras.Input((3,))
    out = kf.keras.layers.Dense(2)(inputs)
    assert K.is_keras_tensor(inputs) and K.is_keras_tensor(out) and not K.is_keras_tensor(K.constant(1.0))
    with pytest.raises(ValueError, match="Expected a symbolic tensor"):
        K.is_keras_tensor(np.zeros(2))
    assert K.is_placeholder(K.placeholder((2,))) and not K.is_placeholder(out) and K.is_tensor(out)
    sparse = kf.SparseTensor([[0, 1]], [5.0], [2, 2])
    assert K.is_sparse(sparse) and not K.is_sparse(out)
    np.testing.assert_array_equal(_run(K.to_dense(sparse)), [[0, 5], [0, 0]])


def test_learning_phase_switches():
    x, alt = K.constant([1.0]), K.constant([2.0])
    y = K.in_train_phase(x, alt)
    z = K.in_test_phase(lambda: x, lambda: alt)
    phase = K.learning_phase()
    assert _run([y, z]) == [[2.0], [1.0]]
    assert _run([y, z], {phase: True}) == [[1.0], [2.0]]
    assert _run(K.in_train_phase(x, alt, training=True)) == [1.0]
    cond = K.placeholder((), dtype=kf.bool)
    assert _run(K.switch(cond, x, alt), {cond: False}) == [2.0]
    np.testing.assert_array_equal(_run(K.switch(K.constant([1.0, 0.0]) > 0.5, K.constant([1.0, 1.0]),
                                                K.constant([3.0, 3.0]))), [1.0, 3.0])
    K.set_learning_phase(1)
    assert _run(K.in_train_phase(x, alt)) == [1.0]  # now training unless fed
    assert _run(K.in_train_phase(x, alt), {K.learning_phase(): False}) == [2.0]
    K.set_learning_phase(0)
    with pytest.raises(ValueError, match="expected 0 or 1"):
        K.set_learning_phase(2)


def test_k_rnn_matches_a_numpy_loop_with_mask():
    rng = np.random.RandomState(2)
    a, w = rng.randn(2, 4, 3), rng.randn(3, 3) * 0.5
    mask = np.array([[1, 1, 1, 0], [1, 1, 0, 0]], bool)

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, K.constant(w, dtype=kf.float64)) + states[0])
        return h, [h]

    x = K.constant(a, dtype=kf.float64)
    last, outputs, states = K.rnn(step, x, [K.zeros_like(x[:, 0])], mask=K.constant(mask, dtype=kf.bool))
    got_last, got_out, got_state = _run([last, outputs, states[0]])
    h = np.zeros((2, 3))
    for t in range(4):
        new = np.tanh(a[:, t] @ w + h)
        h = np.where(mask[:, t:t + 1], new, h)
        np.testing.assert_allclose(got_out[:, t], h, rtol=1e-10)
    np.testing.assert_allclose(got_last, h, rtol=1e-10)
    np.testing.assert_allclose(got_state, h, rtol=1e-10)
    check_gradients(lambda t: K.rnn(step, t, [K.zeros_like(t[:, 0])], go_backwards=True)[1], [a])


def test_map_and_folds():
    a = np.arange(1.0, 5.0)
    x = K.constant(a)
    got = _run([K.map_fn(lambda e: e * 2, x), K.foldl(lambda acc, e: acc - e, x), K.foldr(lambda acc, e: acc - e, x),
                K.foldl(lambda acc, e: acc + e, x, initializer=K.constant(10.0))])
    assert [list(got[0])] + got[1:] == [[2, 4, 6, 8], 1 - 2 - 3 - 4, 4 - 3 - 2 - 1, 20]


def test_convolutions_and_pooling_match_the_nn_ops():
    rng = np.random.RandomState(3)
    images, kernel = rng.randn(2, 6, 6, 3), rng.randn(3, 3, 3, 4)
    x, k = K.constant(images, dtype=kf.float64), K.constant(kernel, dtype=kf.float64)
    got = _run([K.conv2d(x, k, padding="same"), K.pool2d(x, (2, 2), (2, 2), pool_mode="avg"),
                K.resize_images(x, 2, 3, interpolation="nearest"), K.bias_add(x, K.constant([1.0, 2, 3], kf.float64)),
                K.conv1d(x[:, 0], k[0], padding="causal")])
    want = _run([kf.nn.conv2d(x, k, [1, 1, 1, 1], "SAME"), kf.nn.avg_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")])
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-10)
    np.testing.assert_array_equal(got[2], images.repeat(2, 1).repeat(3, 2))
    np.testing.assert_allclose(got[3], images + [1, 2, 3])
    causal = _run(kf.nn.conv1d(K.temporal_padding(x[:, 0], (2, 0)), k[0], 1, "VALID"))
    np.testing.assert_allclose(got[4], causal, rtol=1e-10)
    with pytest.raises(ValueError, match="pool_mode"):
        K.pool2d(x, (2, 2), pool_mode="median")


def test_print_tensor_prints_and_passes_gradients(capfd):
    x = K.constant([1.0, 2.0])
    y = K.print_tensor(x * 3, message="value:")
    (g,) = K.gradients(K.sum(y), [x])
    value, grad = _run([y, g])
    assert "value:[3 6]" in capfd.readouterr().err  # kf.Print(x, [x], message), as Keras on TF1
    np.testing.assert_array_equal(value, [3, 6])
    np.testing.assert_array_equal(grad, [3, 3])


def test_settings():
    try:
        K.set_floatx("float64")
        assert K.floatx() == "float64" and K.cast_to_floatx(1).dtype == np.float64
    finally:
        K.set_floatx("float32")
    with pytest.raises(ValueError, match="unknown floatx"):
        K.set_floatx("int8")
    with pytest.raises(ValueError, match="channels_first"):
        K.set_image_data_format("channels_first")
    K.set_image_data_format("channels_last")
    K.reset_uids()
    assert [K.get_uid("dense"), K.get_uid("dense"), K.get_uid("conv")] == [1, 2, 1]


def test_depthwise_and_separable_convolutions_equal_the_layers():
    rng = np.random.RandomState(5)
    images, seq = rng.randn(2, 6, 5, 3), rng.randn(2, 7, 3)
    depthwise = kf.keras.layers.SeparableConv2D(4, 3, padding="same", depth_multiplier=2, use_bias=False)
    row = kf.keras.layers.SeparableConv1D(4, 3, strides=2, use_bias=False)
    want = [depthwise(kf.constant(images)), row(kf.constant(seq))]
    dw, pw = depthwise.weights
    dw1, pw1 = row.weights
    got = [K.separable_conv2d(kf.constant(images), dw, pw, padding="same"),
           K.separable_conv1d(kf.constant(seq), dw1[0], pw1[0], strides=2)]
    only_depthwise = K.depthwise_conv2d(kf.constant(images), dw, padding="same")
    g, w, d = _run([got, want, only_depthwise])
    for a, b in zip(g, w):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    assert d.shape == (2, 6, 5, 6)


def test_k_rnn_map_and_folds_take_an_unknown_number_of_steps():
    rng = np.random.RandomState(4)
    a, w = rng.randn(2, 5, 3), rng.randn(3, 3) * 0.5
    mask = np.array([[1, 1, 0, 1, 1], [1, 0, 0, 0, 0]], bool)
    x = kf.placeholder(kf.float64, [None, None, 3])
    m = kf.placeholder(kf.bool, [None, None])

    def step(x_t, states):
        h = K.tanh(K.dot(x_t, K.constant(w, dtype=kf.float64)) + states[0])
        return h, [h]

    last, outputs, states = K.rnn(step, x, [K.zeros_like(x[:, 0])], mask=m, go_backwards=True)
    rows = kf.placeholder(kf.float64, [None])
    folds = [K.map_fn(lambda e: e * 2, rows), K.foldl(lambda acc, e: acc - e, rows),
             K.foldr(lambda acc, e: acc - e, rows)]
    with kf.Session() as sess:
        got_last, got_out, got_state, got_folds = sess.run([last, outputs, states[0], folds],
                                                           {x: a, m: mask, rows: [1.0, 2, 3]})
    h, prev = np.zeros((2, 3)), np.zeros((2, 3))
    for i, t in enumerate(range(4, -1, -1)):  # go_backwards: outputs in the order the steps ran
        keep = mask[:, t:t + 1]
        h = np.where(keep, np.tanh(a[:, t] @ w + h), h)
        prev = np.where(keep, h, prev)
        np.testing.assert_allclose(got_out[:, i], prev, rtol=1e-10)
    np.testing.assert_allclose(got_last, prev, rtol=1e-10)
    np.testing.assert_allclose(got_state, h, rtol=1e-10)
    np.testing.assert_allclose(got_folds[0], [2, 4, 6])
    assert (got_folds[1], got_folds[2]) == (1 - 2 - 3, 3 - 2 - 1)
