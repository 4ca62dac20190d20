"""moments, batch_normalization, fused_batch_norm, l2_normalize: values and numerical gradients."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(4)


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("axes,keep", [([0], False), ([0, 1, 2], False), ([1], True)])
def test_moments(axes, keep):
    x = RNG.standard_normal((4, 3, 2, 5))
    mean, var = kf.nn.moments(x, axes, keep_dims=keep)
    m, v = _run([mean, var])
    np.testing.assert_allclose(m, x.mean(axis=tuple(axes), keepdims=keep), rtol=1e-12)
    np.testing.assert_allclose(v, x.var(axis=tuple(axes), keepdims=keep), rtol=1e-12)
    assert mean.shape.as_list() == list(m.shape)
    check_gradients(lambda a: list(kf.nn.moments(a, axes, keep_dims=keep)), [x])


def test_batch_normalization_values_and_gradients():
    x = RNG.standard_normal((6, 4))
    mean, var = x.mean(0), x.var(0)
    beta, gamma = RNG.standard_normal(4), RNG.uniform(0.5, 2, 4)
    y = kf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)
    np.testing.assert_allclose(_run(y), gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-12)
    var_pos = var + 0.5
    check_gradients(lambda a, m, v, o, s: kf.nn.batch_normalization(a, m, v, o, s, 1e-3),
                    [x, mean, var_pos, beta, gamma])
    np.testing.assert_allclose(_run(kf.nn.batch_normalization(x, mean, var, None, None, 0.0)),
                               (x - mean) / np.sqrt(var), rtol=1e-10)


def test_batch_norm_with_batch_moments_gradient():
    x = RNG.standard_normal((5, 3))

    def fn(a, s, o):
        m, v = kf.nn.moments(a, [0])
        return kf.nn.batch_normalization(a, m, v, o, s, 1e-3)
    check_gradients(fn, [x, RNG.uniform(0.5, 2, 3), RNG.standard_normal(3)])


def test_fused_batch_norm():
    x = RNG.standard_normal((2, 3, 3, 4))
    scale, offset = RNG.uniform(0.5, 2, 4), RNG.standard_normal(4)
    y, m, v = _run(list(kf.nn.fused_batch_norm(x, scale, offset, epsilon=1e-3)))
    mean, var = x.mean((0, 1, 2)), x.var((0, 1, 2))
    np.testing.assert_allclose(y, scale * (x - mean) / np.sqrt(var + 1e-3) + offset, rtol=1e-10)
    np.testing.assert_allclose(m, mean, rtol=1e-12)
    np.testing.assert_allclose(v, var * 18 / 17, rtol=1e-12)  # unbiased, as TF returns
    yi = _run(kf.nn.fused_batch_norm(x, scale, offset, mean, var, 1e-3, is_training=False)[0])
    np.testing.assert_allclose(yi, y, rtol=1e-10)
    xc = x.transpose(0, 3, 1, 2)
    yc = _run(kf.nn.fused_batch_norm(xc, scale, offset, epsilon=1e-3, data_format="NCHW")[0])
    np.testing.assert_allclose(yc, y.transpose(0, 3, 1, 2), rtol=1e-10)
    check_gradients(lambda a, s, o: kf.nn.fused_batch_norm(a, s, o)[0], [x, scale, offset])


@pytest.mark.parametrize("axis", [None, 0, 1, [0, 1]])
def test_l2_normalize(axis):
    x = RNG.standard_normal((3, 4))
    ax = tuple(axis) if isinstance(axis, list) else axis
    expected = x / np.sqrt(np.sum(x * x, axis=ax, keepdims=True))
    np.testing.assert_allclose(_run(kf.nn.l2_normalize(x, axis)), expected, rtol=1e-12)
    check_gradients(lambda a: kf.nn.l2_normalize(a, axis), [x])
    np.testing.assert_array_equal(_run(kf.nn.l2_normalize(np.zeros(3), 0)), np.zeros(3))  # epsilon: no nan
