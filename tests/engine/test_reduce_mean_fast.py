"""reduce_mean in fewer Python calls (issue 22, small-batch overhead): its gradient as one MeanGrad op (values,
second order, op count) and its float kernel without np.mean's wrapper (the same bits as np.mean)."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients


@pytest.mark.parametrize("axis,keepdims", [(None, False), (None, True), (0, False), (1, True), ([0, 2], False),
                                           (-1, False), ([1, -1], True)])
def test_mean_gradient_matches_central_differences(axis, keepdims):
    x = np.random.RandomState(0).standard_normal((3, 4, 5))
    check_gradients(lambda t: kf.reduce_mean(t, axis=axis, keepdims=keepdims), [x])


@pytest.mark.parametrize("axis,keepdims", [(None, False), (1, False), ([0, 2], True)])
def test_mean_gradient_is_differentiable_again(axis, keepdims):
    # the gradient of reduce_mean (wrt x) is linear in its incoming gradient g: check d/dg of it numerically
    x = np.random.RandomState(1).standard_normal((3, 4, 5))
    out_shape = np.mean(x, axis=tuple(axis) if isinstance(axis, list) else axis, keepdims=keepdims).shape

    def first_order(g):
        t = kf.constant(x)
        return kf.gradients(kf.reduce_mean(t, axis=axis, keepdims=keepdims), [t], grad_ys=[g])[0]

    check_gradients(first_order, [np.random.RandomState(2).standard_normal(out_shape)])


def test_float32_values_equal_numpy_and_the_unfused_graph():
    x = np.random.RandomState(3).standard_normal((32, 7)).astype(np.float32)
    g = np.random.RandomState(4).standard_normal(7).astype(np.float32)
    with kf.Graph().as_default():
        t = kf.placeholder(kf.float32, [None, 7])
        dx = kf.gradients(kf.reduce_mean(t, axis=0), [t], grad_ys=[kf.constant(g)])[0]
        assert dx.op.type == "MeanGrad"
        with kf.Session() as sess:
            got = sess.run(dx, {t: x})
    assert got.dtype == np.float32 and got.shape == x.shape
    np.testing.assert_array_equal(got, np.broadcast_to(g / np.float32(32), x.shape))


def test_loss_mean_gradient_is_one_op():
    with kf.Graph().as_default() as graph:
        t = kf.placeholder(kf.float32, [None])
        kf.gradients(kf.reduce_mean(t), [t])
        grad_ops = [op.type for op in graph.get_operations() if op.name.startswith("gradients/")]
    assert grad_ops.count("MeanGrad") == 1
    assert not {"Size", "Cast", "BroadcastLike", "ExpandReduced", "RealDiv"} & set(grad_ops)


def test_eager_mean_gradient():
    with kf.eager_mode():
        x = kf.constant(np.arange(6.0).reshape(2, 3))
        with kf.GradientTape() as tape:
            tape.watch(x)
            y = kf.reduce_mean(x, axis=1)
        np.testing.assert_allclose(tape.gradient(y, x).numpy(), np.full((2, 3), 1.0 / 3))


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.float16])
@pytest.mark.parametrize("shape,axis,keepdims", [((32,), None, False), ((7, 13), [0], True), ((5, 6, 7), [1, 2], False),
                                                 ((3, 1000), [1], False), ((0, 3), [0], False)])
def test_mean_kernel_equals_numpy_bit_for_bit(dtype, shape, axis, keepdims):
    rng = np.random.RandomState(5)
    with kf.Graph().as_default():
        t = kf.placeholder(dtype, shape)
        m = kf.reduce_mean(t, axis=axis, keepdims=keepdims)
        with kf.Session() as sess:
            for scale in (1e-4, 1.0, 1e4):
                v = (rng.standard_normal(shape) * scale).astype(dtype)
                with np.errstate(all="ignore"):
                    want = np.mean(v, axis=None if axis is None else tuple(axis), keepdims=keepdims, dtype=dtype)
                    got = sess.run(m, {t: v})
                assert got.dtype == dtype and got.shape == np.shape(want)
                np.testing.assert_array_equal(got, want)


def test_train_step_skips_the_unfetched_loss_mean():
    # MeanGrad reads only the mean's input, so a step fetching just the train op no longer computes the mean
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [None, 3])
        w = kf.Variable(np.ones((3, 1), np.float32))
        loss = kf.reduce_mean(kf.square(kf.matmul(x, w)), name="loss_mean")
        train = kf.train.GradientDescentOptimizer(0.1).minimize(loss)
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            meta = kf.RunMetadata()
            sess.run(train, {x: np.ones((4, 3), np.float32)},
                     options=kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE), run_metadata=meta)
            ran = {n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats}
            assert "gradients/loss_mean_grad/MeanGrad" in ran and "loss_mean" not in ran
            np.testing.assert_allclose(sess.run(w)[:, 0], 1.0 - 0.1 * 2 * 3.0, rtol=1e-6)
