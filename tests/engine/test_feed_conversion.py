"""Feeds convert to the placeholder's dtype where TF1 converts; lossy feeds are refused, naming the placeholder."""
import numpy as np
import pytest

import kflow as kf


def test_float64_feed_to_float32_placeholder():
    x = kf.placeholder(kf.float32, [None, 2], name="images")
    with kf.Session() as sess:
        out = sess.run(x * 1.0, {x: np.ones((3, 2), dtype=np.float64) / 3})
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, 1 / 3, rtol=1e-6)


def test_integral_float_feed_to_int_placeholder():
    labels = kf.placeholder(kf.int32, [None], name="labels")
    with kf.Session() as sess:
        out = sess.run(labels + 0, {labels: np.ones(4)})  # the DCGAN example's np.ones labels
        assert out.dtype == np.int32 and list(out) == [1, 1, 1, 1]
        assert list(sess.run(labels, {labels: [2.0, -3.0]})) == [2, -3]
        with pytest.raises(kf.errors.InvalidArgumentError, match="labels:0.*1.5 is not a whole number"):
            sess.run(labels, {labels: [1.0, 1.5]})
        with pytest.raises(ValueError, match="labels:0"):  # also a ValueError, as TF1's feed errors
            sess.run(labels, {labels: [np.nan]})
        with pytest.raises(kf.errors.InvalidArgumentError, match="int32 range"):
            sess.run(labels, {labels: [2.0 ** 40]})


def test_softmax_cross_entropy_casts_labels_to_the_logits_dtype():
    logits = kf.constant([[1.0, 2.0, 0.5]], dtype=kf.float32)
    labels64 = kf.constant([[0.0, 1.0, 0.0]], dtype=kf.float64)
    labels_int = kf.constant([[0, 1, 0]], dtype=kf.int32)
    v2 = kf.nn.softmax_cross_entropy_with_logits_v2(labels=labels64, logits=logits)
    v1 = kf.nn.softmax_cross_entropy_with_logits(labels=labels_int, logits=logits)
    z = np.array([1.0, 2.0, 0.5])
    expected = -(z[1] - np.log(np.sum(np.exp(z))))
    with kf.Session() as sess:
        a, b = sess.run([v2, v1])
    assert a.dtype == np.float32 and b.dtype == np.float32
    np.testing.assert_allclose(a, [expected], rtol=1e-6)
    np.testing.assert_allclose(b, [expected], rtol=1e-6)
    with pytest.raises(TypeError, match="labels"):
        kf.nn.softmax_cross_entropy_with_logits_v2(labels=kf.constant([["a", "b", "c"]]), logits=logits)
