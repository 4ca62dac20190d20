"""Candidate samplers (log-uniform, uniform; unique and not), compute_accidental_hits, nce_loss and
sampled_softmax_loss against numpy references of TF1's _compute_sampled_logits, gradients, a word2vec-style fit."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(1)


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def _log_uniform(k, n):
    return np.log((k + 2.0) / (k + 1.0)) / np.log(n + 1.0)


def test_log_uniform_sampler_distribution_and_expected_counts():
    labels = np.array([[0], [3], [40]])
    sampled, true_q, sampled_q = kf.nn.log_uniform_candidate_sampler(labels, 1, 20, False, 50, seed=3)
    counts = np.zeros(50)
    with kf.Session() as sess:
        for _ in range(400):
            s, tq, sq = sess.run([sampled, true_q, sampled_q])
            assert s.dtype == np.int64 and s.shape == (20,) and s.min() >= 0 and s.max() < 50
            np.add.at(counts, s, 1)
    np.testing.assert_allclose(tq, 20 * _log_uniform(labels, 50), rtol=1e-6)
    np.testing.assert_allclose(sq, 20 * _log_uniform(s, 50), rtol=1e-6)
    np.testing.assert_allclose(counts / counts.sum(), _log_uniform(np.arange(50), 50), atol=0.01)


def test_unique_samplers_draw_distinct_ids():
    for sampler in (kf.nn.log_uniform_candidate_sampler, kf.nn.uniform_candidate_sampler):
        s, tq, sq = _run(sampler([[1, 2]], 2, 8, True, 10, seed=5))
        assert len(set(s.tolist())) == 8
        assert np.all(sq > 0) and np.all(sq <= 1) and tq.shape == (1, 2)
    s, tq, sq = _run(kf.nn.uniform_candidate_sampler([[1]], 1, 6, False, 12, seed=1))
    np.testing.assert_allclose(sq, np.full(6, 0.5))
    with pytest.raises(ValueError, match="cannot draw 11 unique classes out of range_max=10"):
        kf.nn.uniform_candidate_sampler([[1]], 1, 11, True, 10)
    with pytest.raises(ValueError, match="true_classes must be \\[batch_size, num_true=2\\]"):
        kf.nn.uniform_candidate_sampler([[1]], 2, 3, True, 10)


def test_compute_accidental_hits():
    idx, ids, w = _run(kf.nn.compute_accidental_hits([[1, 4], [2, 9]], [4, 2, 7, 1], num_true=2))
    assert sorted(zip(idx.tolist(), ids.tolist())) == [(0, 1), (0, 4), (1, 2)]
    assert np.all(w == -np.finfo(np.float32).max)


def _reference_logits(w, b, labels, x, sampled, tq, sq, remove_hits):
    true_logits = np.einsum("nd,ntd->nt", x, w[labels]) + b[labels] - np.log(tq)
    sampled_logits = x @ w[sampled].T + b[sampled] - np.log(sq)
    if remove_hits:
        sampled_logits = np.where((labels[:, :, None] == sampled[None, None]).any(1), -np.inf, sampled_logits)
    return true_logits, sampled_logits


def _problem(num_true=2):
    w, b, x = RNG.standard_normal((12, 5)), RNG.standard_normal(12), RNG.standard_normal((4, 5))
    labels = RNG.integers(0, 12, (4, num_true))
    sampled = np.array([3, 7, 11, 0, labels[0, 0]])
    values = (sampled, RNG.uniform(0.1, 1, (4, num_true)).astype(np.float32),
              RNG.uniform(0.1, 1, 5).astype(np.float32))
    return w, b, x, labels, values


def test_nce_loss_matches_reference():
    w, b, x, labels, values = _problem()
    got = _run(kf.nn.nce_loss(w, b, labels, x, 5, 12, num_true=2, sampled_values=values))
    tl, sl = _reference_logits(w, b, labels, x, *[np.asarray(v, np.float64) if i else v for i, v in
                                                  enumerate(values)], False)

    def xent(z, t):
        return np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z)))
    np.testing.assert_allclose(got, xent(tl, 0.5).sum(1) + xent(sl, 0.0).sum(1), rtol=1e-5)


def test_sampled_softmax_loss_matches_reference_and_removes_hits():
    w, b, x, labels, values = _problem()
    got = _run(kf.nn.sampled_softmax_loss(w, b, labels, x, 5, 12, num_true=2, sampled_values=values))
    tl, sl = _reference_logits(w, b, labels, x, values[0], values[1].astype(np.float64),
                               values[2].astype(np.float64), True)
    z = np.concatenate([tl, sl], 1)
    logp = z - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True)) - z.max(1, keepdims=True)
    np.testing.assert_allclose(got, -(0.5 * logp[:, :2]).sum(1), rtol=1e-5)


def test_sampled_loss_gradients_float64():
    w, b, x, labels, values = _problem(num_true=1)
    for loss in (kf.nn.nce_loss, kf.nn.sampled_softmax_loss):
        check_gradients(lambda w_, b_, x_: loss(w_, b_, labels, x_, 5, 12, sampled_values=values,
                                                remove_accidental_hits=False), [w, b, x])


def test_word2vec_style_training_lowers_the_loss():
    kf.reset_default_graph()
    kf.set_random_seed(0)
    vocab, dim = 30, 8
    inputs = kf.placeholder(kf.int32, [16])
    labels = kf.placeholder(kf.int32, [16, 1])
    emb = kf.Variable(kf.random_uniform([vocab, dim], -1.0, 1.0))
    nce_w = kf.Variable(kf.truncated_normal([vocab, dim], stddev=1.0 / np.sqrt(dim)))
    nce_b = kf.Variable(kf.zeros([vocab]))
    loss = kf.reduce_mean(kf.nn.nce_loss(weights=nce_w, biases=nce_b, labels=labels,
                                         inputs=kf.nn.embedding_lookup(emb, inputs), num_sampled=6,
                                         num_classes=vocab))
    train = kf.train.GradientDescentOptimizer(1.0).minimize(loss)
    centers = np.arange(16) % vocab
    feed = {inputs: centers, labels: ((centers + 1) % vocab)[:, None]}
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        first = np.mean([sess.run(loss, feed) for _ in range(5)])
        for _ in range(150):
            sess.run(train, feed)
        last = np.mean([sess.run(loss, feed) for _ in range(5)])
    assert last < 0.5 * first
