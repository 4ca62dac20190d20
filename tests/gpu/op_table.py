"""The op table run on /gpu:0 against /cpu:0: the op tests' own tables, plus the nn ops and optimizers.

Each case is ``(id, fn, inputs)``; ``fn`` builds the op(s) from placeholders shaped like ``inputs``.
FORWARD cases compare values only; GRADIENT cases (float inputs) compare values and gradients too.
The math/array/reduction/shape cases and the activation, conv and pool parameters are imported from the
op tests (tests/engine/ops, tests/nn), so a case added there is also run on the GPU.
"""
import numpy as np

import kflow as kf
import test_nn_activations
import test_nn_conv
import test_nn_pool
import test_ops_forward
import test_ops_gradients

RNG = np.random.RandomState(11)


def _f32(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def _soft_labels(*shape):
    p = RNG.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


FORWARD = [("fwd_" + c[0], c[1], c[2]) for c in test_ops_forward.ALL]

ACTIVATIONS = [("nn_" + name, getattr(kf.nn, name), [test_nn_activations._away_from_kinks((3, 5))])
               for name in sorted(test_nn_activations.REFERENCE)]

CONV = [("conv2d_%s_s%d%d_d%d%d" % (p, *s, *d),
         lambda a, b, p=p, s=s, d=d: kf.nn.conv2d(a, b, [1, *s, 1], p, dilations=[1, *d, 1]),
         [RNG.standard_normal((2, 6, 5, 2)), RNG.standard_normal((3, 3, 2, 3))])
        for p, s, d in test_nn_conv.CASES]
CONV += [
    ("conv2d_float32", lambda a, b: kf.nn.conv2d(a, b, [1, 1, 1, 1], "SAME"), [_f32(4, 8, 8, 3), _f32(3, 3, 3, 8)]),
    ("conv2d_transpose", lambda a, b: kf.nn.conv2d_transpose(a, b, [2, 8, 7, 2], [1, 2, 2, 1], "SAME"),
     [RNG.standard_normal((2, 4, 4, 4)), RNG.standard_normal((3, 3, 2, 4))]),
]

POOLS = [("%s_pool_%s_k%d%d_s%d%d" % (kind, p, *k, *s),
          lambda a, kind=kind, p=p, k=k, s=s: test_nn_pool.POOLS[kind](a, [1, *k, 1], [1, *s, 1], p),
          [RNG.standard_normal((2, 7, 6, 3))])
         for kind in sorted(test_nn_pool.POOLS) for p in ("SAME", "VALID") for k, s in test_nn_pool.WINDOWS]
POOLS += [("max_pool_float32", lambda a: kf.nn.max_pool(a, [1, 2, 2, 1], [1, 2, 2, 1], "VALID"), [_f32(4, 8, 8, 3)])]

NN = [
    ("softmax", lambda a: kf.nn.softmax(a, axis=1), [RNG.standard_normal((3, 4, 5))]),
    ("log_softmax", kf.nn.log_softmax, [RNG.standard_normal((3, 4))]),
    ("softmax_float32", kf.nn.softmax, [_f32(8, 10) * 5]),
    ("bias_add", kf.nn.bias_add, [RNG.standard_normal((2, 3, 4)), RNG.standard_normal(4)]),
    ("bias_add_nchw", lambda a, b: kf.nn.bias_add(a, b, data_format="NCHW"),
     [RNG.standard_normal((2, 3, 4, 5)), RNG.standard_normal(3)]),
    ("l2_loss", kf.nn.l2_loss, [RNG.standard_normal((3, 4))]),
    ("xw_plus_b_relu", lambda x, w, b: kf.nn.relu(kf.nn.xw_plus_b(x, w, b)), [_f32(16, 8), _f32(8, 4), _f32(4)]),
    ("softmax_xent_v2", lambda z, y: kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z),
     [RNG.standard_normal((4, 5)), _soft_labels(4, 5)]),
    ("softmax_xent_float32", lambda z, y: kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z),
     [_f32(32, 10), _soft_labels(32, 10).astype(np.float32)]),
    ("sparse_softmax_xent", lambda z, y: kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z),
     [RNG.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2], np.int32)]),
    ("sparse_softmax_xent_rank3", lambda z, y: kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z),
     [_f32(2, 3, 4), RNG.randint(0, 4, (2, 3)).astype(np.int64)]),
    ("sigmoid_xent", lambda z, y: kf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z),
     [RNG.standard_normal((3, 4)) * 3, RNG.uniform(0, 1, (3, 4))]),
    ("moments", lambda a: list(kf.nn.moments(a, [0, 1, 2])), [RNG.standard_normal((4, 3, 2, 5))]),
    ("batch_normalization", lambda a, m, v, o, s: kf.nn.batch_normalization(a, m, v, o, s, 1e-3),
     [RNG.standard_normal((6, 4)), RNG.standard_normal(4), RNG.uniform(0.5, 2, 4), RNG.standard_normal(4),
      RNG.uniform(0.5, 2, 4)]),
    ("fused_batch_norm", lambda a, s, o: list(kf.nn.fused_batch_norm(a, s, o, epsilon=1e-3)),
     [RNG.standard_normal((2, 3, 3, 4)), RNG.uniform(0.5, 2, 4), RNG.standard_normal(4)]),
    ("l2_normalize", lambda a: kf.nn.l2_normalize(a, 1), [RNG.standard_normal((3, 4))]),
    ("top_k", lambda a: list(kf.nn.top_k(a, 2)), [RNG.standard_normal((2, 3, 5))]),
    ("in_top_k", lambda p, t: kf.nn.in_top_k(p, t, 2), [_f32(4, 5), np.array([1, 2, 1, 4], np.int32)]),
    ("embedding_lookup", lambda t: kf.nn.embedding_lookup(t, [[0, 4], [2, 0]]), [RNG.standard_normal((5, 3))]),
]



def _second_order(fn):
    """The gradient of ``sum(fn(x) ** 2)``: runs the gradient ops' own gradients too."""
    return lambda x: kf.gradients(kf.reduce_sum(fn(x) ** 2), [x])[0]


def _lstm(x):
    outputs, state = kf.nn.dynamic_rnn(kf.nn.rnn_cell.LSTMCell(5), x, sequence_length=[4, 2], dtype=x.dtype)
    return [outputs, state.h]


# kernels that the op tests' tables do not reach: control flow, RNNs, sparse, second-order kernels, variables
# with initializers, and random ops (sampled on the host with a seeded generator, so values match exactly)
MORE = [
    ("cond", lambda x: kf.cond(kf.reduce_sum(x) > 0.0, lambda: x * 2.0, lambda: x - 1.0),
     [RNG.uniform(0.1, 1.0, (3, 4))]),
    ("reverse_sequence", lambda x, n: kf.reverse_sequence(x, n, seq_axis=1, batch_axis=0),
     [RNG.standard_normal((2, 4, 3)), np.array([2, 3], np.int32)]),
    ("dynamic_rnn_lstm", _lstm, [_f32(2, 4, 3)]),
    ("while_loop", lambda x: kf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, kf.tanh(v) * 1.5), [0, x])[1],
     [RNG.standard_normal((3, 4))]),
    ("scan_reverse", lambda x: kf.scan(lambda a, r: a * 0.5 + kf.sin(r), x, reverse=True),
     [RNG.standard_normal((4, 3))]),
    ("map_fn", lambda x: kf.map_fn(lambda r: kf.reduce_sum(r * r), x), [RNG.standard_normal((4, 3))]),
    ("sparse_to_dense", lambda v: kf.sparse.to_dense(kf.SparseTensor([[0, 1], [2, 0]], v, [3, 2])),
     [RNG.standard_normal(2)]),
    ("tile_second_order", _second_order(lambda x: kf.tile(x, [2, 3])), [RNG.standard_normal((3, 4))]),
    ("max_pool_second_order", _second_order(lambda x: kf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")),
     [RNG.standard_normal((2, 5, 4, 3))]),
    ("top_k_second_order", _second_order(lambda x: kf.nn.top_k(x, 2)[0]), [RNG.standard_normal((3, 5))]),
    ("orthogonal_initializer", lambda x: kf.matmul(x, kf.get_variable("w", [4, 4],
                                                                      initializer=kf.orthogonal_initializer())),
     [_f32(3, 4)]),
    ("random_normal", lambda x: x * kf.random_normal([3, 4], seed=3), [_f32(3, 4)]),
    ("truncated_normal", lambda x: x + kf.truncated_normal([3, 4], stddev=2.0, seed=4), [_f32(3, 4)]),
    ("random_uniform_int", lambda x: kf.random_uniform([5], 0, 10, dtype=kf.int32, seed=5) + x, [np.int32(1)]),
]

GRADIENT = [("grad_" + c[0], c[1], c[2]) for c in test_ops_gradients.ALL] + ACTIVATIONS + CONV + POOLS + NN + MORE

# shape-only (random) cases: ``(id, fn, inputs)``; ``fn`` returns the op's output and the scaled keep mask
DROPOUT = [
    ("dropout", lambda x: (lambda y: [y, y.op.outputs[1]])(kf.nn.dropout(x, keep_prob=0.6, seed=1)), [_f32(64, 32)]),
    ("dropout_noise_shape", lambda x: (lambda y: [y, y.op.outputs[1]])(
        kf.nn.dropout(x, rate=0.5, noise_shape=[64, 1], seed=2)), [_f32(64, 32)]),
]

OPTIMIZERS = {
    "sgd": lambda: kf.train.GradientDescentOptimizer(0.1),
    "momentum": lambda: kf.train.MomentumOptimizer(0.1, 0.9),
    "nesterov": lambda: kf.train.MomentumOptimizer(0.1, 0.9, use_nesterov=True),
    "adam": lambda: kf.train.AdamOptimizer(0.01),
    "rmsprop": lambda: kf.train.RMSPropOptimizer(0.01, momentum=0.5, centered=True),
    "adagrad": lambda: kf.train.AdagradOptimizer(0.1),
}


def train_steps(device, make_optimizer, steps=3, dtype=np.float32):
    """Values of a small softmax-regression model's weights after ``steps`` optimizer steps on ``device``."""
    r = np.random.RandomState(5)
    x, labels = r.standard_normal((16, 6)).astype(dtype), r.randint(0, 3, 16).astype(np.int32)
    w0, b0 = r.standard_normal((6, 3)).astype(dtype) * 0.1, np.zeros(3, dtype)
    g = kf.Graph()
    with g.as_default(), kf.device(device):
        w, b = kf.Variable(w0, name="w"), kf.Variable(b0, name="b")
        logits = kf.matmul(kf.constant(x), w) + b
        loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        train_op = make_optimizer().minimize(loss)
        init = kf.global_variables_initializer()
    with kf.Session(graph=g) as sess:
        sess.run(init)
        for _ in range(steps):
            sess.run(train_op)
        return sess.run([w, b, loss])
