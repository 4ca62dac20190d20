"""GradientTape.jacobian / batch_jacobian: against finite differences (float64), eagerly and inside kf.function,
for several sources, unconnected sources, non-persistent tapes and unknown shapes."""
import numpy as np
import pytest

import kflow as kf


@pytest.fixture(autouse=True)
def eager():
    with kf.eager_mode():
        yield


def _model(x, w):
    return np.tanh(x @ w) * x[:, :1]  # rows depend only on their own example


def _numeric_jacobian(f, x, eps=1e-6):
    y = f(x)
    jac = np.zeros(y.shape + x.shape)
    for idx in np.ndindex(*x.shape):
        d = np.zeros_like(x)
        d[idx] = eps
        jac[(Ellipsis,) + idx] = (f(x + d) - f(x - d)) / (2 * eps)
    return jac


def _taped(x, w, persistent=True):
    xt, wv = kf.constant(x), kf.Variable(w)
    with kf.GradientTape(persistent=persistent) as tape:
        tape.watch(xt)
        y = kf.tanh(kf.matmul(xt, wv)) * xt[:, :1]
    return tape, y, xt, wv


def test_jacobian_matches_finite_differences():
    rng = np.random.RandomState(0)
    x, w = rng.randn(3, 4), rng.randn(4, 2)
    tape, y, xt, wv = _taped(x, w)
    jx, jw = tape.jacobian(y, [xt, wv])
    assert jx.shape == (3, 2, 3, 4) and jw.shape == (3, 2, 4, 2)
    np.testing.assert_allclose(jx.numpy(), _numeric_jacobian(lambda v: _model(v, w), x), atol=1e-7)
    np.testing.assert_allclose(jw.numpy(), _numeric_jacobian(lambda v: _model(x, v), w), atol=1e-7)
    bj = tape.batch_jacobian(y, xt)
    assert bj.shape == (3, 2, 4)
    full = jx.numpy()
    np.testing.assert_allclose(bj.numpy(), np.stack([full[b, :, b] for b in range(3)]), atol=1e-12)


def test_jacobian_in_a_function_matches_eager():
    rng = np.random.RandomState(1)
    x, w = rng.randn(2, 4), rng.randn(4, 3)
    wv = kf.Variable(w)

    def traced(method):  # a kf.function returning tape.<method>(y, v) of the model's output
        @kf.function
        def run(v):
            with kf.GradientTape() as tape:
                tape.watch(v)
                y = kf.tanh(kf.matmul(v, wv)) * v[:, :1]
            return getattr(tape, method)(y, v)
        return run

    both, per_example = traced("jacobian"), traced("batch_jacobian")

    expected = _numeric_jacobian(lambda v: _model(v, w), x)
    np.testing.assert_allclose(both(x).numpy(), expected, atol=1e-7)
    np.testing.assert_allclose(per_example(x).numpy(), np.stack([expected[b, :, b] for b in range(2)]), atol=1e-7)


def test_non_persistent_tape_allows_one_jacobian():
    tape, y, xt, _ = _taped(np.ones((2, 2)), np.ones((2, 2)), persistent=False)
    assert tape.jacobian(y, xt).shape == (2, 2, 2, 2)
    with pytest.raises(RuntimeError, match="jacobian can only be called once"):
        tape.jacobian(y, xt)


def test_unconnected_sources():
    tape, y, _, _ = _taped(np.ones((2, 2)), np.ones((2, 2)))
    other = kf.constant(np.ones(3))
    tape.watch(other)
    assert tape.jacobian(y, other) is None
    zero = tape.jacobian(y, other, unconnected_gradients=kf.UnconnectedGradients.ZERO)
    assert zero.shape == (2, 2, 3) and not zero.numpy().any()


def test_unknown_target_shape_is_refused():
    @kf.function
    def f(v):
        with kf.GradientTape() as tape:
            tape.watch(v)
            y = kf.boolean_mask(v, v > 0)
        return tape.jacobian(y, v)

    with pytest.raises(ValueError, match=r"jacobian needs the target.s shape to be known; got \(\?,\)"):
        f(np.ones(3))
