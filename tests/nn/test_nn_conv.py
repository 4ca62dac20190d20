"""conv2d / conv2d_transpose / conv1d: values against loop references, numerical gradients, shapes, errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
import nn_refs

RNG = np.random.default_rng(0)
CASES = [("SAME", (1, 1), (1, 1)), ("VALID", (1, 1), (1, 1)), ("SAME", (2, 2), (1, 1)), ("VALID", (2, 2), (1, 1)),
         ("SAME", (2, 1), (1, 1)), ("SAME", (1, 1), (2, 2)), ("VALID", (1, 1), (2, 1))]


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("padding,strides,dilations", CASES)
def test_conv2d_matches_reference(padding, strides, dilations):
    x, w = RNG.standard_normal((2, 7, 8, 3)), RNG.standard_normal((3, 2, 3, 4))
    y = kf.nn.conv2d(x, w, strides=[1, *strides, 1], padding=padding, dilations=[1, *dilations, 1])
    expected = nn_refs.conv2d(x, w, strides, padding, dilations)
    assert y.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(_run(y), expected, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("padding,strides,dilations", CASES)
def test_conv2d_gradients(padding, strides, dilations):
    x, w = RNG.standard_normal((2, 6, 5, 2)), RNG.standard_normal((3, 3, 2, 3))
    check_gradients(lambda a, b: kf.nn.conv2d(a, b, [1, *strides, 1], padding, dilations=[1, *dilations, 1]),
                    [x, w])


def test_conv2d_float32_chunked_batch_matches_float64(monkeypatch):
    from kflow.engine.ops import conv_ops

    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 4096)  # many small chunks, last one partial
    x, w = RNG.standard_normal((7, 9, 9, 4)), RNG.standard_normal((3, 3, 4, 5))
    y = kf.nn.conv2d(x.astype(np.float32), w.astype(np.float32), [1, 1, 1, 1], "SAME")
    dx, dw = kf.gradients(kf.reduce_sum(y * y), [y.op.inputs[0], y.op.inputs[1]])
    v, gx, gw = _run([y, dx, dw])
    assert v.dtype == np.float32
    ref = nn_refs.conv2d(x, w, (1, 1), "SAME")
    np.testing.assert_allclose(v, ref, rtol=1e-4, atol=1e-4)
    xx, ww = kf.constant(x), kf.constant(w)
    y64 = kf.nn.conv2d(xx, ww, [1, 1, 1, 1], "SAME")
    gx64, gw64 = _run(kf.gradients(kf.reduce_sum(y64 * y64), [xx, ww]))
    np.testing.assert_allclose(gx, gx64, rtol=1e-3, atol=1e-3)
    np.testing.assert_allclose(gw, gw64, rtol=1e-3, atol=1e-2)


def test_conv2d_1x1_and_unknown_batch():
    x = kf.placeholder(kf.float64, [None, 4, 4, 3])
    w = RNG.standard_normal((1, 1, 3, 2))
    y = kf.nn.conv2d(x, w, strides=1, padding="VALID")
    assert y.shape.as_list() == [None, 4, 4, 2]
    xv = RNG.standard_normal((5, 4, 4, 3))
    np.testing.assert_allclose(_run(y, {x: xv}), xv @ w[0, 0], rtol=1e-12)
    check_gradients(lambda a, b: kf.nn.conv2d(a, b, 1, "VALID"), [xv, w])


def test_conv2d_nchw_and_explicit_padding():
    x, w = RNG.standard_normal((2, 3, 6, 5)), RNG.standard_normal((3, 3, 3, 4))
    y = kf.nn.conv2d(x, w, [1, 1, 2, 2], "SAME", data_format="NCHW")
    ref = nn_refs.conv2d(x.transpose(0, 2, 3, 1), w, (2, 2), "SAME").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(_run(y), ref, rtol=1e-10)
    xn = x.transpose(0, 2, 3, 1)
    ye = kf.nn.conv2d(xn, w, 1, [[0, 0], [1, 1], [1, 1], [0, 0]])
    np.testing.assert_allclose(_run(ye), nn_refs.conv2d(xn, w, (1, 1), "SAME"), rtol=1e-10)


@pytest.mark.parametrize("padding,strides,out_hw", [("SAME", (2, 2), (8, 7)), ("VALID", (2, 2), (9, 7)),
                                                    ("SAME", (1, 1), (4, 5)), ("VALID", (1, 2), (6, 9))])
def test_conv2d_transpose_matches_reference_and_gradients(padding, strides, out_hw):
    w = RNG.standard_normal((3, 3, 2, 4))  # [kh, kw, out_channels, in_channels]
    out_shape = [2, out_hw[0], out_hw[1], 2]
    ih, _ = nn_refs.out_and_pad(out_hw[0], 3, strides[0], padding)
    iw, _ = nn_refs.out_and_pad(out_hw[1], 3, strides[1], padding)
    v = RNG.standard_normal((2, ih, iw, 4))
    y = kf.nn.conv2d_transpose(v, w, out_shape, strides=[1, *strides, 1], padding=padding)
    assert y.shape.as_list() == out_shape
    np.testing.assert_allclose(_run(y), nn_refs.conv2d_transpose(v, w, out_shape, strides, padding), rtol=1e-10,
                               atol=1e-12)
    check_gradients(lambda a, b: kf.nn.conv2d_transpose(a, b, out_shape, [1, *strides, 1], padding), [v, w])


def test_conv2d_transpose_with_dynamic_output_shape():
    v = kf.placeholder(kf.float64, [None, 3, 3, 2])
    w = RNG.standard_normal((2, 2, 5, 2))
    shape = kf.stack([kf.shape(v)[0], 6, 6, 5])
    y = kf.nn.conv2d_transpose(v, w, shape, [1, 2, 2, 1], "SAME")
    vv = RNG.standard_normal((4, 3, 3, 2))
    np.testing.assert_allclose(_run(y, {v: vv}), nn_refs.conv2d_transpose(vv, w, [4, 6, 6, 5], (2, 2), "SAME"),
                               rtol=1e-10, atol=1e-12)


def test_conv_backprop_ops_have_gradients():
    x, w = RNG.standard_normal((1, 5, 5, 2)), RNG.standard_normal((3, 3, 2, 2))
    dy = RNG.standard_normal((1, 3, 3, 2))
    check_gradients(lambda a, g: kf.nn.conv2d_backprop_filter(a, [3, 3, 2, 2], g, [1, 2, 2, 1], "SAME"), [x, dy])
    check_gradients(lambda b, g: kf.nn.conv2d_backprop_input([1, 5, 5, 2], b, g, [1, 2, 2, 1], "SAME"), [w, dy])


def test_convolution_plans_give_blas_a_single_thread():
    """The three convolution ops split their batch over kflow's threads themselves (declared ``splits``),
    so a plan holding any of them lowers BLAS to one thread; a plan of elementwise ops does not."""
    from kflow.engine.plan import Plan

    x = kf.constant(RNG.standard_normal((2, 5, 5, 2)))
    w = kf.constant(RNG.standard_normal((3, 3, 2, 4)))
    y = kf.nn.conv2d(x, w, 1, "SAME")
    dx, dw = kf.gradients(kf.reduce_sum(y), [x, w])
    assert [t.op.type for t in (y, dx, dw)] == ["Conv2D", "Conv2DBackpropInput", "Conv2DBackpropFilter"]
    with kf.Session() as sess:
        assert all(Plan(sess, [t], []).lowers_blas for t in (y, dx, dw))
        assert not Plan(sess, [kf.nn.relu(x)], []).lowers_blas


def test_second_order_through_conv():
    x, w = RNG.standard_normal((1, 4, 4, 1)), RNG.standard_normal((2, 2, 1, 1))

    def fn(a, b):
        y = kf.nn.conv2d(a, b, 1, "VALID")
        return kf.gradients(kf.reduce_sum(y * y), [b])[0]
    check_gradients(fn, [x, w])


def test_conv1d():
    x, w = RNG.standard_normal((2, 9, 3)), RNG.standard_normal((3, 3, 4))
    y = kf.nn.conv1d(x, w, stride=2, padding="SAME")
    ref = nn_refs.conv2d(x[:, None], w[None], (1, 2), "SAME")[:, 0]
    assert y.shape.as_list() == [2, 5, 4]
    np.testing.assert_allclose(_run(y), ref, rtol=1e-10)


def test_channel_mismatch_error_names_both_shapes():
    x = kf.placeholder(kf.float32, [None, 28, 28, 3])
    w = kf.zeros([5, 5, 4, 32])
    with pytest.raises(ValueError) as e:
        kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    msg = str(e.value)
    assert "(?, 28, 28, 3)" in msg and "(5, 5, 4, 32)" in msg and "Conv2D" in msg


def test_runtime_channel_mismatch_and_bad_arguments():
    x = kf.placeholder(kf.float32, None)
    y = kf.nn.conv2d(x, np.zeros((3, 3, 4, 2), np.float32), 1, "SAME")
    with pytest.raises(kf.errors.InvalidArgumentError, match=r"input depth 3 .* in_channels 4"):
        _run(y, {x: np.zeros((1, 5, 5, 3), np.float32)})
    with pytest.raises(ValueError, match="batch and depth"):
        kf.nn.conv2d(kf.zeros([1, 5, 5, 1]), kf.zeros([3, 3, 1, 1]), [2, 1, 1, 1], "SAME")
    with pytest.raises(ValueError, match="padding"):
        kf.nn.conv2d(kf.zeros([1, 5, 5, 1]), kf.zeros([3, 3, 1, 1]), 1, "FULL")
    with pytest.raises(ValueError, match="rank-4"):
        kf.nn.conv2d(kf.zeros([5, 5, 1]), kf.zeros([3, 3, 1, 1]), 1, "SAME")
    with pytest.raises(TypeError, match="floating"):
        kf.nn.conv2d(kf.zeros([1, 5, 5, 1], kf.int32), kf.zeros([3, 3, 1, 1], kf.int32), 1, "SAME")
    with pytest.raises(ValueError, match="negative dimension"):
        kf.nn.conv2d(kf.zeros([1, 2, 2, 1]), kf.zeros([3, 3, 1, 1]), 1, "VALID")
    with pytest.raises(ValueError, match="output_shape depth 3"):
        kf.nn.conv2d_transpose(kf.zeros([1, 2, 2, 4]), kf.zeros([3, 3, 2, 4]), [1, 4, 4, 3], [1, 2, 2, 1])


@pytest.mark.parametrize("channels", [1, 2])  # 1: the tap-major (Fortran-order) patch matrix
@pytest.mark.parametrize("padding,strides,dilations", [("SAME", (2, 2), (1, 1)), ("VALID", (1, 1), (1, 1)),
                                                       ("SAME", (1, 1), (2, 1))])
def test_conv2d_small_chunks_match_reference_and_gradients(monkeypatch, padding, strides, dilations, channels):
    """Patch matrices built over chunks of a few images (odd batch and sizes, the last chunk partial)."""
    from kflow.engine.ops import conv_ops

    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 15000)  # chunks of 2-8 images, the last one partial
    x, w = RNG.standard_normal((5, 7, 6, channels)), RNG.standard_normal((3, 3, channels, 3))
    args = ([1, *strides, 1], padding)
    y = kf.nn.conv2d(x, w, *args, dilations=[1, *dilations, 1])
    np.testing.assert_allclose(_run(y), nn_refs.conv2d(x, w, strides, padding, dilations), rtol=1e-10, atol=1e-10)
    check_gradients(lambda a, b: kf.nn.conv2d(a, b, *args, dilations=[1, *dilations, 1]), [x, w])


@pytest.mark.parametrize("channels", [1, 3])
@pytest.mark.parametrize("padding,strides", [("SAME", (2, 2)), ("VALID", (1, 1))])
def test_conv2d_threaded_batch_split_matches_one_thread(threaded, monkeypatch, padding, strides, channels):
    """Each thread runs its images' chunks with single-threaded BLAS; filter gradients add the threads' parts."""
    from kflow.engine.ops import conv_ops

    monkeypatch.setattr(conv_ops, "CHUNK_BYTES", 15000)  # several chunks per thread's range
    x, w = RNG.standard_normal((5, 7, 6, channels)), RNG.standard_normal((3, 3, channels, 4))

    def run():
        xt, wt = kf.constant(x), kf.constant(w)
        y = kf.nn.conv2d(xt, wt, [1, *strides, 1], padding)
        return _run([y] + kf.gradients(kf.reduce_sum(y * y), [xt, wt]))

    split = run()
    np.testing.assert_allclose(split[0], nn_refs.conv2d(x, w, strides, padding), rtol=1e-10, atol=1e-10)
    threaded.serial()
    for got, want in zip(split, run()):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
