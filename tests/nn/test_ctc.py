"""CTC: ctc_loss against a brute-force sum over all alignments, its float64 gradient, options and errors; the greedy
decoder against numpy; the beam-search decoder against exhaustive search (with a wide beam its log-probabilities
are the exact label probabilities, i.e. -ctc_loss)."""
import collections
import itertools

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(12)
T, B, K = 5, 3, 4  # class 3 is the blank
Z = RNG.standard_normal((T, B, K))
LENGTHS = [5, 4, 3]
LABELS = [[1, 1], [2, 0], []]


def _sparse(rows):
    idx = [(b, i) for b, r in enumerate(rows) for i in range(len(r))]
    vals = [c for r in rows for c in r]
    return kf.SparseTensorValue(np.array(idx, np.int64).reshape(-1, 2), np.array(vals, np.int32),
                                np.array([len(rows), max(map(len, rows))], np.int64))


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def _label_probs(z, blank=K - 1):
    """log p(label) for every label reachable by some alignment of the frames ``z`` [t, K]."""
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    total = collections.defaultdict(float)
    for path in itertools.product(range(K), repeat=len(z)):
        label = tuple(c for i, c in enumerate(path) if (i == 0 or c != path[i - 1]) and c != blank)
        total[label] += np.prod(p[np.arange(len(z)), path])
    return {k: np.log(v) for k, v in total.items()}


def test_ctc_loss_matches_brute_force_and_gradient():
    loss = _run(kf.nn.ctc_loss(_sparse(LABELS), Z, LENGTHS))
    ref = [-_label_probs(Z[:n, b])[tuple(LABELS[b])] for b, n in enumerate(LENGTHS)]
    np.testing.assert_allclose(loss, ref, rtol=1e-10)
    check_gradients(lambda t: kf.nn.ctc_loss(_sparse(LABELS), t, LENGTHS), [Z])
    batch_major = _run(kf.nn.ctc_loss(_sparse(LABELS), Z.transpose(1, 0, 2), LENGTHS, time_major=False))
    np.testing.assert_allclose(batch_major, loss)


def test_ctc_loss_options():
    collapsed = _run(kf.nn.ctc_loss(_sparse([[1, 1, 2]]), Z[:, :1], [5], preprocess_collapse_repeated=True))
    np.testing.assert_allclose(collapsed, [-_label_probs(Z[:, 0])[(1, 2)]], rtol=1e-10)
    long_labels = _sparse([[0, 0, 0], [1]])
    out = _run(kf.nn.ctc_loss(long_labels, Z[:, :2], [3, 3], ignore_longer_outputs_than_inputs=True))
    assert out[0] == 0.0 and out[1] == pytest.approx(-_label_probs(Z[:3, 1])[(1,)])
    with pytest.raises(kf.errors.InvalidArgumentError, match="not enough time.*batch item 0"):
        _run(kf.nn.ctc_loss(long_labels, Z[:, :2], [3, 3]))
    with pytest.raises(kf.errors.InvalidArgumentError, match="labels of batch item 0 must be in \\[0, 3\\)"):
        _run(kf.nn.ctc_loss(_sparse([[3]]), Z[:, :1], [5]))
    with pytest.raises(ValueError, match="ctc_merge_repeated"):
        kf.nn.ctc_loss(_sparse([[1]]), Z[:, :1], [5], ctc_merge_repeated=False)
    with pytest.raises(ValueError, match="3-D float logits"):
        kf.nn.ctc_loss(_sparse([[1]]), Z[0], [5])


def test_training_through_ctc_lowers_the_loss():
    kf.reset_default_graph()
    logits = kf.Variable(np.zeros((T, B, K), np.float32))
    loss = kf.reduce_mean(kf.nn.ctc_loss(_sparse(LABELS), logits, LENGTHS))
    train = kf.train.AdamOptimizer(0.1).minimize(loss)
    (decoded,), _ = kf.nn.ctc_greedy_decoder(logits, LENGTHS)
    dense = kf.sparse.to_dense(decoded, default_value=-1)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        first = sess.run(loss)
        for _ in range(100):
            sess.run(train)
        assert sess.run(loss) < 0.1 * first
        np.testing.assert_array_equal(sess.run(dense), [[1, 1], [2, 0], [-1, -1]])


def test_greedy_decoder_matches_numpy():
    (decoded,), neg = kf.nn.ctc_greedy_decoder(Z, LENGTHS)
    idx, vals, shape, neg = _run([decoded.indices, decoded.values, decoded.dense_shape, neg])
    rows = [[] for _ in range(B)]
    for (b, _), v in zip(idx, vals):
        rows[b].append(v)
    for b, n in enumerate(LENGTHS):
        best = Z[:n, b].argmax(1)
        expected = [c for i, c in enumerate(best) if (i == 0 or c != best[i - 1]) and c != K - 1]
        assert rows[b] == expected
        assert neg[b, 0] == pytest.approx(-Z[:n, b].max(1).sum())
    assert shape.tolist() == [B, max(map(len, rows))]
    (raw,), _ = kf.nn.ctc_greedy_decoder(Z, LENGTHS, merge_repeated=False)
    assert len(_run(raw.values)) >= len(vals)


def test_beam_search_finds_the_most_probable_labels():
    decoded, log_probs = kf.nn.ctc_beam_search_decoder(Z, LENGTHS, beam_width=64, top_paths=3)
    values = _run([[d.indices, d.values] for d in decoded] + [log_probs])
    for b, n in enumerate(LENGTHS):
        exact = sorted(_label_probs(Z[:n, b]).items(), key=lambda kv: -kv[1])[:3]
        for k, (label, logp) in enumerate(exact):
            idx, vals = values[k]
            assert tuple(vals[idx[:, 0] == b]) == label
            assert values[-1][b, k] == pytest.approx(logp, rel=1e-9)
    with pytest.raises(ValueError, match="top_paths <= beam_width"):
        kf.nn.ctc_beam_search_decoder(Z, LENGTHS, beam_width=2, top_paths=3)
