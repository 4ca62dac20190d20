"""dropout: keep_prob / rate, scaling, noise_shape, seeds and per-session state, gradient = mask / keep_prob."""
import numpy as np
import pytest

import kflow as kf


def test_dropout_scales_kept_values_and_gradient_uses_the_same_mask():
    x = kf.placeholder(kf.float64, [200, 50])
    y = kf.nn.dropout(x, keep_prob=0.25, seed=3)
    g = kf.gradients(kf.reduce_sum(y * 3.0), x)[0]
    xv = np.random.default_rng(0).uniform(1, 2, (200, 50))
    with kf.Session() as sess:
        yv, gv = sess.run([y, g], {x: xv})
    kept = yv != 0
    np.testing.assert_allclose(yv[kept], xv[kept] / 0.25)
    np.testing.assert_allclose(gv, 3.0 * kept / 0.25)  # d/dx of sum(3 * x * mask/keep_prob)
    assert 0.2 < kept.mean() < 0.3


def test_rate_and_keep_prob_agree_and_seeds_repeat_across_sessions():
    kf.set_random_seed(7)
    x = np.ones((64, 64), np.float32)
    a = kf.nn.dropout(x, rate=0.5)
    with kf.Session() as s1:
        first, second = s1.run(a), s1.run(a)
    with kf.Session() as s2:
        again = s2.run(a)
    np.testing.assert_array_equal(first, again)  # graph seed: every session draws the same sequence
    assert not np.array_equal(first, second)  # one session advances its own generator
    assert set(np.unique(first)) <= {0.0, 2.0} and first.dtype == np.float32


def test_keep_prob_placeholder_and_identity_when_one():
    keep = kf.placeholder_with_default(1.0, [])
    x = kf.constant(np.arange(1.0, 101.0))
    y = kf.nn.dropout(x, keep_prob=keep, seed=1)
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y), np.arange(1.0, 101.0))
        half = sess.run(y, {keep: 0.5})
    assert set(np.unique(half[half != 0] / np.arange(1.0, 101.0)[half != 0])) == {2.0}
    assert kf.nn.dropout(x, keep_prob=1.0) is x


def test_noise_shape_broadcasts_the_mask():
    x = kf.placeholder(kf.float32, [None, 4, 4, 8])
    y = kf.nn.dropout(x, rate=0.5, noise_shape=[None, 1, 1, 8], seed=5)
    g = kf.gradients(kf.reduce_sum(y), x)[0]
    with kf.Session() as sess:
        yv, gv = sess.run([y, g], {x: np.ones((3, 4, 4, 8), np.float32)})
    for img in yv:  # whole feature maps are kept or dropped
        assert np.all(img == img[:1, :1])
    np.testing.assert_array_equal(gv, yv)
    dyn = kf.nn.dropout(x, rate=0.5, noise_shape=kf.stack([kf.shape(x)[0], 1, 1, 8]))
    with kf.Session() as sess:
        assert sess.run(dyn, {x: np.ones((2, 4, 4, 8), np.float32)}).shape == (2, 4, 4, 8)


def test_dropout_errors():
    with pytest.raises(ValueError, match="exactly one"):
        kf.nn.dropout(kf.zeros([2]), keep_prob=0.5, rate=0.5)
    with pytest.raises(ValueError, match="keep_prob"):
        kf.nn.dropout(kf.zeros([2]), keep_prob=0.0)
    with pytest.raises(ValueError, match="rate"):
        kf.nn.dropout(kf.zeros([2]), rate=1.0)
    with pytest.raises(TypeError, match="floating"):
        kf.nn.dropout(kf.zeros([2], kf.int32), rate=0.5)
    with pytest.raises(ValueError, match="noise_shape"):
        kf.nn.dropout(kf.zeros([2, 3]), rate=0.5, noise_shape=[2, 2])
    keep = kf.placeholder(kf.float32, [])
    y = kf.nn.dropout(kf.zeros([2]), keep_prob=keep)
    with kf.Session() as sess, pytest.raises(kf.errors.InvalidArgumentError, match="keep_prob"):
        sess.run(y, {keep: 1.5})


def test_dropout_gradient_matches_central_differences_under_one_mask():
    # A mask is drawn per run, so x + eps*d, x - eps*d and x go through ONE dropout op, stacked on a leading
    # axis that noise_shape broadcasts the mask over: all three see the same mask within a single run.
    rng = np.random.default_rng(5)
    xv, d, w = rng.standard_normal((3, 4, 6)), rng.standard_normal((4, 6)), rng.standard_normal((4, 6))
    eps = 1e-6
    x = kf.placeholder(kf.float64, [4, 6])
    y = kf.nn.dropout(kf.stack([x + eps * d, x - eps * d, x]), rate=0.4, noise_shape=[1, 4, 6], seed=2)
    plus, minus, mid = kf.reduce_sum(y[0] * w), kf.reduce_sum(y[1] * w), kf.reduce_sum(y[2] * w)
    (g,) = kf.gradients(mid, [x])
    with kf.Session() as sess:
        for v in xv:
            p, m, gv, yv = sess.run([plus, minus, g, y], {x: v})
            assert 0 < np.count_nonzero(yv[2]) < yv[2].size  # some units dropped, some kept
            np.testing.assert_allclose(np.sum(gv * d), (p - m) / (2 * eps), rtol=1e-6, atol=1e-8)
