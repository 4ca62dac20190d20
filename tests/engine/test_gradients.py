"""kf.gradients: stop_gradients, grad_ys checks, intermediate and variable targets, exact second derivatives."""
import numpy as np
import pytest

import kflow as kf


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_stop_gradients_argument_gives_partial_derivatives():
    # the example of TF's docstring: with both stopped, each gets its own partial derivative
    a = kf.constant(0.0)
    b = 2 * a
    assert _run(kf.gradients(a + b, [a, b], stop_gradients=[a, b])) == [1.0, 1.0]
    assert _run(kf.gradients(a + b, [a, b])) == [3.0, 1.0]
    assert kf.gradients(b * 3.0, [a], stop_gradients=[b]) == [None]


def test_grad_ys_may_be_values_or_fed_tensors():
    x = kf.placeholder(kf.float64, [2])
    (g,) = kf.gradients(x * 3.0, [x], grad_ys=np.array([1.0, 10.0]))
    np.testing.assert_array_equal(_run(g, {x: [0.0, 0.0]}), [3.0, 30.0])
    seed = kf.placeholder(kf.float64, [None])
    (g,) = kf.gradients(kf.sin(x), [x], grad_ys=[seed])
    np.testing.assert_allclose(_run(g, {x: [0.0, np.pi], seed: [2.0, 5.0]}), [2.0, -5.0])


def test_grad_ys_mismatches_name_the_tensor():
    x = kf.placeholder(kf.float64, [3])
    y = kf.identity(x * 2.0, name="doubled")
    with pytest.raises(ValueError, match=r"grad_ys for 'doubled:0' has shape \(4,\).*\(3,\)"):
        kf.gradients(y, [x], grad_ys=[np.ones(4)])
    with pytest.raises(TypeError, match="grad_ys for 'doubled:0' has dtype float32, but the tensor has dtype float64"):
        kf.gradients(y, [x], grad_ys=[kf.ones([3])])
    with pytest.raises(ValueError, match="passed 2 grad_ys for 1 ys"):
        kf.gradients(y, [x], grad_ys=[np.ones(3), np.ones(3)])


def test_gradient_with_respect_to_intermediate_tensors_and_y_itself():
    x = kf.placeholder(kf.float64, [3])
    h = x * 2.0
    y = kf.reduce_sum(kf.square(h))
    gh, gy, gx = kf.gradients(y, [h, y, x])
    v = np.array([1.0, -2.0, 0.5])
    out = _run([gh, gy, gx], {x: v})
    np.testing.assert_allclose(out[0], 4 * v)  # 2 h
    assert out[1] == 1.0
    np.testing.assert_allclose(out[2], 8 * v)


def test_gradient_with_respect_to_a_variable():
    w = kf.Variable([[1.0, 2.0], [3.0, 4.0]], dtype=kf.float64, name="w")
    loss = kf.reduce_sum(kf.matmul(w, w))
    (g,) = kf.gradients(loss, [w])
    wv = np.array([[1.0, 2.0], [3.0, 4.0]])
    ones = np.ones((2, 2))
    np.testing.assert_allclose(_run(g), ones @ wv.T + wv.T @ ones)  # d sum(W W) = 1 W^T + W^T 1


def test_exact_second_and_third_derivatives():
    x = kf.placeholder(kf.float64, [4])
    f = kf.reduce_sum(x ** 3 * kf.sin(x))
    (d1,) = kf.gradients(f, [x])
    (d2,) = kf.gradients(d1, [x])  # f is a sum of one-variable terms: the Hessian is diagonal
    (d3,) = kf.gradients(d2, [x])
    v = np.array([-1.3, 0.2, 0.9, 2.4])
    got = _run([d1, d2, d3], {x: v})
    s, c = np.sin(v), np.cos(v)
    np.testing.assert_allclose(got[0], 3 * v ** 2 * s + v ** 3 * c, rtol=1e-12)
    np.testing.assert_allclose(got[1], 6 * v * s + 6 * v ** 2 * c - v ** 3 * s, rtol=1e-12)
    np.testing.assert_allclose(got[2], 6 * s + 18 * v * c - 9 * v ** 2 * s - v ** 3 * c, rtol=1e-12)


def test_gradients_of_several_ys_are_summed():
    x = kf.placeholder(kf.float64, [])
    g = kf.gradients([x * x, 3.0 * x, kf.constant(1.0, kf.float64)], [x])[0]
    assert _run(g, {x: 2.0}) == 7.0


def test_tensors_from_another_graph_are_rejected():
    other = kf.Graph()
    with other.as_default():
        foreign = kf.constant(1.0, name="foreign")
    x = kf.constant(2.0)
    with pytest.raises(ValueError, match="'foreign:0' must be from the same graph"):
        kf.gradients(x * x, [foreign])


def test_gradient_override_map_straight_through_and_custom_gradients():
    """TF1 idioms: ``{"Sign": "Identity"}`` (straight-through estimator) and a registered custom gradient."""
    @kf.RegisterGradient("TestDoubledIdentityGrad")
    def _doubled(op, grad):
        return [2.0 * grad]

    x = kf.constant([-1.5, 0.5, 2.0])
    g = kf.get_default_graph()
    with g.gradient_override_map({"Sign": "Identity", "Round": "TestDoubledIdentityGrad"}):
        s = kf.sign(x)
        r = kf.round(x)
    plain = kf.sign(x)  # created outside the map: Sign's own gradient (zero)
    w = kf.constant([1.0, -2.0, 3.0])
    gs, gr, gp = _run([kf.gradients(kf.reduce_sum(s * w), x)[0], kf.gradients(kf.reduce_sum(r * w), x)[0],
                       kf.gradients(kf.reduce_sum(plain * w), x)[0]])
    np.testing.assert_array_equal(gs, [1.0, -2.0, 3.0])
    np.testing.assert_array_equal(gr, [2.0, -4.0, 6.0])
    np.testing.assert_array_equal(gp, [0.0, 0.0, 0.0])
    with g.gradient_override_map({"Square": "NoSuchGradient"}):
        y = kf.square(x)
    with pytest.raises(LookupError, match="NoSuchGradient"):
        kf.gradients(y, x)
