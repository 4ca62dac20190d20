"""kf.nn.lrn / local_response_normalization against TF's documented formula, gradients, errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

X = np.random.default_rng(8).standard_normal((2, 3, 2, 7))


def _reference(x, r, bias, alpha, beta):
    out = np.empty_like(x)
    for d in range(x.shape[-1]):
        sqr = (x[..., max(0, d - r):d + r + 1] ** 2).sum(-1)
        out[..., d] = x[..., d] / (bias + alpha * sqr) ** beta
    return out


@pytest.mark.parametrize("r,bias,alpha,beta", [(5, 1.0, 1.0, 0.5), (2, 2.0, 1e-3 / 9, 0.75), (0, 1.0, 0.5, 1.0)])
def test_lrn_values_and_gradients(r, bias, alpha, beta):
    with kf.Session() as sess:
        got = sess.run(kf.nn.lrn(X, r, bias, alpha, beta))
    np.testing.assert_allclose(got, _reference(X, r, bias, alpha, beta), rtol=1e-12)
    check_gradients(lambda t: kf.nn.local_response_normalization(t, r, bias, alpha, beta), [X])


def test_lrn_errors():
    with pytest.raises(ValueError, match="lrn: input must be a 4-D float tensor"):
        kf.nn.lrn(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="depth_radius"):
        kf.nn.lrn(X, -1)
