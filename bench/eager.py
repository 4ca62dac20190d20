"""Eager execution overhead: per-op dispatch and the MNIST MLP training step, kflow vs PyTorch eager vs numpy.

1. Per-op dispatch: a small op (2x2 float32 add, 2x2 matmul, tanh) called in a Python loop: kflow eager,
   PyTorch eager, bare numpy. Goal: kflow within 2x PyTorch's per-op time.
2. One training step of the MNIST MLP (784-128-10, relu, softmax cross-entropy, Adam 1e-3, batch 32, random
   data): kflow eager (GradientTape + apply_gradients), the same step under kf.function, the graph-mode
   Session.run of the same step, and PyTorch eager. Goal: kf.function no slower than Session.run, and no slower
   than PyTorch eager.

Each measurement is repeated ``--repeat`` times (the machine may be shared) and the median is printed, with ratios.
PyTorch is skipped when not importable. Run: python bench/eager.py [--repeat 7] [--steps 200]
"""
import argparse
import statistics
import time

import numpy as np

import kflow as kf
from kflow.engine import blas_threads

try:
    import torch
except ImportError:  # pragma: no cover - torch is optional
    torch = None

SIZES = [784, 128, 10]
BATCH = 32


def per_call(fn, calls):
    t0 = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - t0) / calls


def median_of(fn, calls, repeat):
    fn()  # warm up
    return statistics.median(per_call(fn, calls) for _ in range(repeat))


# ---- 1. per-op dispatch ---------------------------------------------------------------------------------------
def dispatch(repeat, calls=20000):
    a = np.random.RandomState(0).rand(2, 2).astype(np.float32)
    b = np.random.RandomState(1).rand(2, 2).astype(np.float32)
    rows = []
    with kf.eager_mode():
        ka, kb = kf.constant(a), kf.constant(b)
        kflow_ops = {"add": lambda: ka + kb, "matmul": lambda: kf.matmul(ka, kb), "tanh": lambda: kf.tanh(ka)}
        numpy_ops = {"add": lambda: a + b, "matmul": lambda: a @ b, "tanh": lambda: np.tanh(a)}
        torch_ops = {}
        if torch is not None:
            ta, tb = torch.from_numpy(a), torch.from_numpy(b)
            torch_ops = {"add": lambda: ta + tb, "matmul": lambda: ta @ tb, "tanh": lambda: torch.tanh(ta)}
        for name in kflow_ops:
            k = median_of(kflow_ops[name], calls, repeat)
            n = median_of(numpy_ops[name], calls, repeat)
            t = median_of(torch_ops[name], calls, repeat) if torch_ops else float("nan")
            rows.append((name, k, t, n))
    print("per-op dispatch (2x2 float32, median of %d x %d calls), microseconds per op" % (repeat, calls))
    print("  %-8s %9s %9s %9s %12s %12s" % ("op", "kflow", "torch", "numpy", "kflow/torch", "kflow/numpy"))
    for name, k, t, n in rows:
        print("  %-8s %9.2f %9.2f %9.2f %12.2f %12.2f" % (name, k * 1e6, t * 1e6, n * 1e6, k / t, k / n))


# ---- 2. the MNIST MLP training step ------------------------------------------------------------------------------
def initial_weights():
    rng = np.random.RandomState(0)
    out = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        out += [rng.uniform(-lim, lim, (fan_in, fan_out)).astype(np.float32), np.zeros(fan_out, np.float32)]
    return out


def batch():
    rng = np.random.RandomState(1)
    return rng.rand(BATCH, 784).astype(np.float32), rng.randint(0, 10, BATCH).astype(np.int64)


def mlp_loss(params, x, y):
    h = kf.nn.relu(kf.matmul(x, params[0]) + params[1])
    logits = kf.matmul(h, params[2]) + params[3]
    return kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


def eager_step_fn():
    params = [kf.Variable(w) for w in initial_weights()]
    opt = kf.train.AdamOptimizer(1e-3)

    def step(x, y):
        with kf.GradientTape() as tape:
            loss = mlp_loss(params, x, y)
        opt.apply_gradients(zip(tape.gradient(loss, params), params))
        return loss
    return step


def graph_step_fn():
    g = kf.Graph()
    with g.as_default():
        x = kf.placeholder(kf.float32, [None, 784])
        y = kf.placeholder(kf.int64, [None])
        params = [kf.Variable(w) for w in initial_weights()]
        loss = mlp_loss(params, x, y)
        train = kf.train.AdamOptimizer(1e-3).minimize(loss)
        sess = kf.Session(graph=g)
        sess.run(kf.global_variables_initializer())
    return lambda xb, yb: sess.run([loss, train], {x: xb, y: yb})[0]


def torch_step_fn():
    params = [torch.tensor(w, requires_grad=True) for w in initial_weights()]
    opt = torch.optim.Adam(params, lr=1e-3)

    def step(x, y):
        h = torch.relu(x @ params[0] + params[1])
        loss = torch.nn.functional.cross_entropy(h @ params[2] + params[3], y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    return step


def training_step(repeat, steps):
    xb, yb = batch()
    results = {}
    with kf.eager_mode():
        eager = eager_step_fn()
        results["kflow eager"] = median_of(lambda: eager(xb, yb), steps, repeat)
        traced = kf.function(eager_step_fn())
        kx, ky = kf.constant(xb), kf.constant(yb)
        results["kflow kf.function"] = median_of(lambda: traced(kx, ky), steps, repeat)
    with kf.graph_mode():
        graph = graph_step_fn()
        results["kflow graph Session.run"] = median_of(lambda: graph(xb, yb), steps, repeat)
        with blas_threads.single_threaded():  # the BLAS setting eager code (and so kf.function) runs with
            results["  ... with BLAS 1 thread"] = median_of(lambda: graph(xb, yb), steps, repeat)
    if torch is not None:
        step = torch_step_fn()
        tx, ty = torch.from_numpy(xb), torch.from_numpy(yb)
        results["torch eager"] = median_of(lambda: step(tx, ty), steps, repeat)
    print("MNIST MLP %s training step, batch %d (median of %d x %d steps), milliseconds per step"
          % ("-".join(map(str, SIZES)), BATCH, repeat, steps))
    for name, t in results.items():
        print("  %-26s %8.3f" % (name, t * 1e3))
    function, graph_t = results["kflow kf.function"], results["kflow graph Session.run"]
    print("  kf.function / Session.run: %.2f (same BLAS threads: %.2f)"
          % (function / graph_t, function / results["  ... with BLAS 1 thread"]))
    print("  kflow eager / kf.function: %.2f" % (results["kflow eager"] / function))
    if torch is not None:
        print("  kf.function / torch eager: %.2f" % (function / results["torch eager"]))
        print("  kflow eager / torch eager: %.2f" % (results["kflow eager"] / results["torch eager"]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--calls", type=int, default=20000)
    args = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(1)  # as kflow's eager BLAS: one thread (the machine is shared and small)
    dispatch(args.repeat, args.calls)
    training_step(args.repeat, args.steps)


if __name__ == "__main__":
    main()
