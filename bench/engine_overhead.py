"""Per-run overhead of Session.run vs hand-written numpy, in the same process.

Prints microseconds per call and the ratio kflow / numpy for
  1. a small graph (y = x * 2 + 1 on a 10-vector), and
  2. a 3-layer MLP forward pass (784-500-100-10, relu) at batch 100.
Target: the MLP forward within 1.1x of hand-written numpy.

Run: python bench/engine_overhead.py
"""
import time

import numpy as np

import kflow as kf


def best_of(fn, repeat=7, number=None):
    """Best average seconds per call over ``repeat`` rounds (auto-sized to ~0.2 s each)."""
    if number is None:
        number, t = 1, 0.0
        while t < 0.05:
            number *= 2
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            t = time.perf_counter() - t0
        number = max(1, int(number * 0.2 / t))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - t0) / number)
    return best


def small_graph():
    g = kf.Graph()
    with g.as_default():
        x = kf.placeholder(kf.float32, [10])
        y = x * 2.0 + 1.0
        sess = kf.Session(graph=g)
    xv = np.arange(10, dtype=np.float32)
    two, one = np.float32(2.0), np.float32(1.0)
    t_kf = best_of(lambda: sess.run(y, {x: xv}))
    t_np = best_of(lambda: xv * two + one)
    return t_kf, t_np


def mlp_forward(batch=100):
    rng = np.random.RandomState(0)
    sizes = [784, 500, 100, 10]
    ws = [rng.randn(a, b).astype(np.float32) * 0.05 for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [np.zeros(b, np.float32) for b in sizes[1:]]
    xv = rng.rand(batch, 784).astype(np.float32)
    g = kf.Graph()
    with g.as_default():
        x = kf.placeholder(kf.float32, [None, 784])
        h = x
        variables = []
        for i, (w, b) in enumerate(zip(ws, bs)):
            wv, bv = kf.Variable(w), kf.Variable(b)
            variables += [wv, bv]
            h = kf.matmul(h, wv) + bv
            if i < 2:
                h = kf.maximum(h, 0.0)
        sess = kf.Session(graph=g)
        sess.run(kf.global_variables_initializer())

    def numpy_forward():
        a = xv
        for i, (w, b) in enumerate(zip(ws, bs)):
            a = a @ w + b
            if i < 2:
                a = np.maximum(a, 0.0)
        return a

    np.testing.assert_allclose(sess.run(h, {x: xv}), numpy_forward(), rtol=1e-4, atol=1e-5)
    t_kf = best_of(lambda: sess.run(h, {x: xv}))
    t_np = best_of(numpy_forward)
    return t_kf, t_np


def main():
    for label, (t_kf, t_np) in [("small graph (x*2+1, 10 elems)", small_graph()),
                                ("MLP forward 784-500-100-10, batch 100", mlp_forward())]:
        print("%-40s kflow %8.1f us   numpy %8.1f us   ratio %.2fx   overhead %+.1f us"
              % (label, t_kf * 1e6, t_np * 1e6, t_kf / t_np, (t_kf - t_np) * 1e6))


if __name__ == "__main__":
    main()
