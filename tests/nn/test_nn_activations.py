"""Activations, softmax / log_softmax, bias_add and l2_loss: values, gradients (incl. second order), errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
import nn_refs

RNG = np.random.default_rng(2)
ALPHA, SCALE = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
REFERENCE = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "elu": lambda x: np.where(x > 0, x, np.exp(x) - 1),
    "selu": lambda x: SCALE * np.where(x > 0, x, ALPHA * (np.exp(x) - 1)),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "softplus": lambda x: np.log1p(np.exp(x)),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "tanh": np.tanh,
    "swish": lambda x: x / (1 + np.exp(-x)),
}


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def _away_from_kinks(shape):
    x = RNG.uniform(-8, 8, shape)
    for k in (0.0, 6.0):  # relu/relu6 kinks: keep finite differences on one side
        x[np.abs(x - k) < 0.05] += 0.1
    return x


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_activation_values_and_gradients(name):
    fn = getattr(kf.nn, name)
    x = _away_from_kinks((3, 5))
    np.testing.assert_allclose(_run(fn(x)), REFERENCE[name](x), rtol=1e-12, atol=1e-12)
    check_gradients(fn, [x])


@pytest.mark.parametrize("name", ["relu", "relu6", "elu", "selu", "leaky_relu"])
def test_activation_second_order(name):
    fn = getattr(kf.nn, name)
    x = _away_from_kinks((4, 3))

    def grad_of(a):
        y = fn(a)
        return kf.gradients(kf.reduce_sum(y * y), a)[0]
    check_gradients(grad_of, [x])


def test_activations_keep_float32_and_int_relu():
    x = RNG.standard_normal((4, 4)).astype(np.float32)
    for name in ("relu", "relu6", "elu", "selu", "leaky_relu", "softplus", "softsign"):
        y = getattr(kf.nn, name)(x)
        g = kf.gradients(kf.reduce_sum(y), y.op.inputs[0])[0]
        v, gv = _run([y, g])
        assert v.dtype == np.float32 and gv.dtype == np.float32, name
    np.testing.assert_array_equal(_run(kf.nn.relu(np.array([-2, 3], np.int32))), [0, 3])
    np.testing.assert_allclose(_run(kf.nn.leaky_relu([-1.0, 2.0], alpha=0.1)), [-0.1, 2.0], rtol=1e-6)


def test_softplus_is_stable_for_large_inputs():
    v = _run(kf.nn.softplus(np.array([-1000.0, 0.0, 1000.0])))
    np.testing.assert_allclose(v, [0.0, np.log(2.0), 1000.0])


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis):
    x = RNG.standard_normal((3, 4, 5))
    p = nn_refs.softmax(x, axis)
    np.testing.assert_allclose(_run(kf.nn.softmax(x, axis=axis)), p, rtol=1e-12)
    np.testing.assert_allclose(_run(kf.nn.log_softmax(x, axis=axis)), np.log(p), rtol=1e-12)
    check_gradients(lambda a: kf.nn.softmax(a, axis=axis), [x])
    check_gradients(lambda a: kf.nn.log_softmax(a, axis=axis), [x])


def test_softmax_huge_logits_and_unknown_rank():
    x = kf.placeholder(kf.float32, None)
    v = _run(kf.nn.softmax(x), {x: np.array([[1e4, 0.0], [-1e4, 1e4]], np.float32)})
    np.testing.assert_allclose(v, [[1, 0], [0, 1]])
    ls = _run(kf.nn.log_softmax(np.array([1e4, 0.0], np.float32)))
    assert np.all(np.isfinite(ls)) and ls[1] == -1e4
    assert kf.nn.softmax([[1.0, 1.0]], dim=-1).op.type == "Softmax"  # Keras looks for this op type


def test_bias_add_values_gradients_and_nchw():
    x, b = RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)
    np.testing.assert_allclose(_run(kf.nn.bias_add(x, b)), x + b)
    check_gradients(kf.nn.bias_add, [x, b])
    xc, bc = RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal(3)
    np.testing.assert_allclose(_run(kf.nn.bias_add(xc, bc, data_format="NCHW")), xc + bc[:, None, None])
    check_gradients(lambda a, c: kf.nn.bias_add(a, c, data_format="NCHW"), [xc, bc])

    def second(a, c):  # gradient of BiasAddGrad
        y = kf.nn.bias_add(a, c)
        return kf.gradients(kf.reduce_sum(y * y), c)[0]
    check_gradients(second, [x, b])


def test_bias_add_errors():
    with pytest.raises(ValueError, match="must be equal, but are 3 .* and 4"):
        kf.nn.bias_add(kf.zeros([2, 3]), kf.zeros([4]))
    with pytest.raises(ValueError, match="1-D"):
        kf.nn.bias_add(kf.zeros([2, 3]), kf.zeros([1, 3]))
    with pytest.raises(TypeError, match="dtype"):
        kf.nn.bias_add(kf.zeros([2, 3]), kf.zeros([3], kf.float64))


def test_l2_loss_and_xw_plus_b():
    x = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(_run(kf.nn.l2_loss(x)), 0.5 * np.sum(x * x))
    check_gradients(kf.nn.l2_loss, [x])
    w, b = RNG.standard_normal((4, 2)), RNG.standard_normal(2)
    np.testing.assert_allclose(_run(kf.nn.xw_plus_b(x, w, b)), x @ w + b)
    np.testing.assert_allclose(_run(kf.nn.relu_layer(x, w, b)), np.maximum(x @ w + b, 0))
    assert _run(kf.nn.zero_fraction([0.0, 1.0, 0.0, 2.0])) == 0.5
    with pytest.raises(TypeError):
        kf.nn.l2_loss(kf.zeros([2], kf.int32))
    with pytest.raises(TypeError):
        kf.nn.elu(kf.zeros([2], kf.int32))


@pytest.mark.parametrize("shape", [(50, 28, 28, 32), (20, 300), (40, 100, 3), (4097,), (3, 7)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_of_large_arrays_taken_as_rows_matches_maximum(shape, dtype):
    # large arrays run against a zero row (faster than a scalar zero): same values, NaNs and zero signs
    x = (np.random.RandomState(0).rand(*shape) - 0.5).astype(dtype)
    x.reshape(-1)[::97] = np.nan
    x.reshape(-1)[1::89] = -0.0
    with kf.Session() as sess:
        y = sess.run(kf.nn.relu(kf.constant(x)))
    expected = np.maximum(x, 0)
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(np.signbit(y), np.signbit(expected))
