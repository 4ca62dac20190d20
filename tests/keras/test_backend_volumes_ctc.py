"""K.conv3d, K.conv3d_transpose, K.pool3d, K.local_conv1d/2d and the CTC functions: numpy references written
here (naive convolution/pooling loops, the CTC forward recursion, path enumeration for the decoders),
channels_first, gradients, and a model trained on ctc_batch_cost."""
import itertools

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.keras import backend as K


def _same_pads(size, k, s):
    total = max((-(-size // s) - 1) * s + k - size, 0)
    return total // 2, total - total // 2


def _windows(x, ksize, strides, padding, fill):
    """(index, window) over the 3 spatial axes of ``x`` [N, D, H, W, C], padded with ``fill`` for "same"."""
    pads = [_same_pads(n, k, s) if padding == "same" else (0, 0) for n, k, s in zip(x.shape[1:4], ksize, strides)]
    xp = np.pad(x, [(0, 0)] + pads + [(0, 0)], constant_values=fill)
    outs = [(n - k) // s + 1 for n, k, s in zip(xp.shape[1:4], ksize, strides)]
    for index in itertools.product(*[range(o) for o in outs]):
        key = (slice(None),) + tuple(slice(i * s, i * s + k) for i, s, k in zip(index, strides, ksize))
        yield index, outs, xp[key]


def conv3d_reference(x, w, strides, padding):
    out = None
    for index, outs, window in _windows(x, w.shape[:3], strides, padding, 0.0):
        out = np.zeros([x.shape[0]] + outs + [w.shape[-1]]) if out is None else out
        out[(slice(None),) + index] = np.tensordot(window, w, axes=([1, 2, 3, 4], [0, 1, 2, 3]))
    return out


def pool3d_reference(x, size, strides, padding, mode):
    out = None
    for index, outs, window in _windows(x, size, strides, padding, np.nan):
        out = np.zeros([x.shape[0]] + outs + [x.shape[-1]]) if out is None else out
        flat = window.reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + index] = np.nanmax(flat, 1) if mode == "max" else np.nanmean(flat, 1)
    return out


def _to_first(x):
    return x.transpose(0, 4, 1, 2, 3)


@pytest.mark.parametrize("strides,padding", [((1, 1, 1), "valid"), ((2, 1, 2), "same")])
def test_conv3d_and_pool3d_match_numpy(strides, padding):
    rng = np.random.RandomState(0)
    x, w = rng.randn(2, 5, 4, 5, 3), rng.randn(2, 3, 2, 3, 4)
    conv_last = K.conv3d(kf.constant(x), kf.constant(w), strides, padding)
    conv_first = K.conv3d(kf.constant(_to_first(x)), kf.constant(w), strides, padding, data_format="channels_first")
    pools = [K.pool3d(kf.constant(x), (2, 3, 2), strides, padding, pool_mode=mode) for mode in ("max", "avg")]
    pool_first = K.pool3d(kf.constant(_to_first(x)), (2, 3, 2), strides, padding, "channels_first", "avg")
    with kf.Session() as sess:
        a, b, pmax, pavg, pf = sess.run([conv_last, conv_first] + pools + [pool_first])
    np.testing.assert_allclose(a, conv3d_reference(x, w, strides, padding), rtol=1e-10)
    np.testing.assert_allclose(b, _to_first(a), rtol=1e-12)
    np.testing.assert_allclose(pmax, pool3d_reference(x, (2, 3, 2), strides, padding, "max"), rtol=1e-12)
    np.testing.assert_allclose(pavg, pool3d_reference(x, (2, 3, 2), strides, padding, "avg"), rtol=1e-12)
    np.testing.assert_allclose(pf, _to_first(pavg), rtol=1e-12)
    with pytest.raises(ValueError, match="pool_mode"):
        K.pool3d(kf.constant(x), (2, 2, 2), pool_mode="sum")


def test_conv3d_transpose_is_the_adjoint_of_conv3d():
    """<conv3d(x, w), y> == <x, conv3d_transpose(y, w)>: checks the transpose against the numpy convolution."""
    rng = np.random.RandomState(1)
    x, w = rng.randn(2, 5, 4, 6, 3), rng.randn(3, 2, 3, 3, 2)
    forward = conv3d_reference(x, w, (2, 2, 2), "same")
    y = rng.randn(*forward.shape)
    back = K.conv3d_transpose(kf.constant(y), kf.constant(w), x.shape, (2, 2, 2), "same")
    back_first = K.conv3d_transpose(kf.constant(_to_first(y)), kf.constant(w), _to_first(x).shape, (2, 2, 2),
                                    "same", data_format="channels_first")
    with kf.Session() as sess:
        got, got_first = sess.run([back, back_first])
    np.testing.assert_allclose(np.sum(got * x), np.sum(forward * y), rtol=1e-10)
    np.testing.assert_allclose(got_first, _to_first(got), rtol=1e-12)


def test_local_conv_matches_numpy():
    rng = np.random.RandomState(2)
    x2, k2 = rng.randn(2, 5, 4, 3), rng.randn(2 * 3, 2 * 2 * 3, 4)        # windows 2x2, strides (2, 1): 2x3 outputs
    x1, k1 = rng.randn(2, 7, 3), rng.randn(3, 3 * 3, 2)                    # window 3, stride 2: 3 outputs
    got2 = K.local_conv2d(kf.constant(x2), kf.constant(k2), (2, 2), (2, 1), (2, 3))
    got1 = K.local_conv1d(kf.constant(x1), kf.constant(k1), (3,), (2,))
    got1_first = K.local_conv1d(kf.constant(x1.transpose(0, 2, 1)), kf.constant(k1), (3,), (2,), "channels_first")
    with kf.Session() as sess:
        a2, a1, a1f = sess.run([got2, got1, got1_first])
    want2 = np.stack([np.stack([x2[:, 2 * i:2 * i + 2, j:j + 2].reshape(2, -1) @ k2[3 * i + j] for j in range(3)], 1)
                      for i in range(2)], 1)
    want1 = np.stack([x1[:, 2 * i:2 * i + 3].reshape(2, -1) @ k1[i] for i in range(3)], 1)
    want1_first = np.stack([x1.transpose(0, 2, 1)[:, :, 2 * i:2 * i + 3].reshape(2, -1) @ k1[i] for i in range(3)], 2)
    np.testing.assert_allclose(a2, want2, rtol=1e-12)
    np.testing.assert_allclose(a1, want1, rtol=1e-12)
    np.testing.assert_allclose(a1f, want1_first, rtol=1e-12)


# ---- CTC ----------------------------------------------------------------------------------------------------------
def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def ctc_nll_reference(probs, label):
    """-log p(label | probs) by the CTC forward recursion over the blank-extended label (blank = last class)."""
    blank = probs.shape[1] - 1
    ext = [blank]
    for c in label:
        ext += [c, blank]
    alpha = np.zeros(len(ext))
    alpha[0], alpha[1] = probs[0, blank], probs[0, ext[1]] if len(ext) > 1 else 0.0
    for t in range(1, len(probs)):
        new = np.zeros_like(alpha)
        for s in range(len(ext)):
            total = alpha[s] + (alpha[s - 1] if s > 0 else 0.0)
            if s > 1 and ext[s] != blank and ext[s] != ext[s - 2]:
                total += alpha[s - 2]
            new[s] = total * probs[t, ext[s]]
        alpha = new
    return -np.log(alpha[-1] + (alpha[-2] if len(ext) > 1 else 0.0))


def _collapse(path, blank):
    out = [c for i, c in enumerate(path) if i == 0 or c != path[i - 1]]
    return tuple(c for c in out if c != blank)


def test_ctc_batch_cost_label_to_sparse_and_gradient():
    rng = np.random.RandomState(3)
    probs = _softmax(rng.randn(3, 6, 4))
    labels = np.array([[0, 1, 1, 2], [2, 2, 0, 0], [1, 0, 2, 0]])
    label_length, input_length = np.array([[3], [2], [3]]), np.array([[6], [4], [5]])
    sparse = K.ctc_label_dense_to_sparse(kf.constant(labels), kf.constant(label_length[:, 0]))
    cost = K.ctc_batch_cost(kf.constant(labels), kf.constant(probs), kf.constant(input_length),
                            kf.constant(label_length))
    with kf.Session() as sess:
        (indices, values, shape), got = sess.run([[sparse.indices, sparse.values, sparse.dense_shape], cost])
    assert shape.tolist() == [3, 4] and values.tolist() == [0, 1, 1, 2, 2, 1, 0, 2]
    assert indices.tolist() == [[0, 0], [0, 1], [0, 2], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]]
    assert got.shape == (3, 1)
    eps = K.epsilon()
    want = [ctc_nll_reference(probs[i, :input_length[i, 0]] + eps, labels[i, :label_length[i, 0]]) for i in range(3)]
    np.testing.assert_allclose(got[:, 0], want, rtol=1e-6)  # the reference leaves the +eps rows unnormalized too
    check_gradients(lambda p: K.ctc_batch_cost(kf.constant(labels), p, kf.constant(input_length),
                                               kf.constant(label_length)), [probs])


def test_ctc_decode_greedy_and_beam_against_enumeration():
    rng = np.random.RandomState(4)
    probs = _softmax(rng.randn(2, 4, 3) * 2)
    lengths = np.array([4, 3])
    (greedy,), greedy_logp = K.ctc_decode(kf.constant(probs), kf.constant(lengths))
    beams, beam_logp = K.ctc_decode(kf.constant(probs), kf.constant(lengths), greedy=False, beam_width=50,
                                    top_paths=2)
    with kf.Session() as sess:
        g, gl, b, bl = sess.run([greedy, greedy_logp, beams, beam_logp])
    assert g.shape == (2, 4) and b[0].shape == (2, 4)
    logp = np.log(probs + K.epsilon())
    for i, n in enumerate(lengths):
        best = _collapse(list(np.argmax(logp[i, :n], -1)), 2)
        assert tuple(v for v in g[i] if v != -1) == best and all(v == -1 for v in g[i, len(best):])
        np.testing.assert_allclose(gl[i, 0], -logp[i, :n].max(-1).sum(), rtol=1e-6)
        totals = {}
        for path in itertools.product(range(3), repeat=int(n)):
            key = _collapse(list(path), 2)
            totals[key] = totals.get(key, 0.0) + np.exp(sum(logp[i, t, c] for t, c in enumerate(path)))
        ranked = sorted(totals.items(), key=lambda kv: -kv[1])[:2]
        for k, (label, p) in enumerate(ranked):
            assert tuple(v for v in b[k][i] if v != -1) == label
            np.testing.assert_allclose(bl[i, k], np.log(p), atol=1e-5)  # the decoder works in float32, as TF


def test_ctc_loss_trains_a_small_model():
    rng = np.random.RandomState(5)
    frames = (np.eye(6)[None] + 0.1 * rng.randn(8, 6, 6)).astype(np.float32)    # each frame knows its time
    labels = np.tile(np.array([[1, 2, 0]]), (8, 1))
    with kf.Graph().as_default():
        kf.set_random_seed(0)
        x = kf.constant(frames)
        y_pred = kf.keras.layers.Dense(4, activation="softmax")(x)
        loss = kf.reduce_mean(K.ctc_batch_cost(kf.constant(labels), y_pred, kf.constant(np.full((8, 1), 6)),
                                               kf.constant(np.full((8, 1), 3))))
        step = kf.train.AdamOptimizer(0.05).minimize(loss)
        (decoded,), _ = K.ctc_decode(y_pred, kf.constant(np.full(8, 6)))
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            first = sess.run(loss)
            for _ in range(150):
                sess.run(step)
            last, best = sess.run([loss, decoded])
    assert last < first / 4
    assert (best[:, :3] == labels).all()
