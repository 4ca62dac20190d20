"""One training epoch of the Fashion-MNIST MLP: kflow vs hand-written numpy vs PyTorch CPU, same process.

Model: 784-500-100-10, relu, dropout 0.1 after each hidden layer, softmax cross-entropy, Adam 1e-3
(beta1 0.9, beta2 0.999, eps 1e-8), one epoch over the 60k training images at batch 100 and 32; all
three start from the same weights and see the same batch order. Prints seconds per epoch, test
accuracy, peak RSS in a fresh process (``bench_env.fresh_process_peak``), and the ratios kflow/numpy and
kflow/torch (PyTorch is skipped when not importable).
``--threads`` (default: all cores) sets BLAS's, PyTorch's and kflow's optimizer threads. With ``--repeat``
the implementations alternate and each one's fastest epoch is kept (the machine may be shared).
Goals (issue 22): kflow <= 0.7x torch at batch 100 and <= 0.8x at batch 32.

``--trace`` also prints where a kflow step's time goes: each op type's share of the step from 200 traced
steps (``RunOptions(FULL_TRACE)`` step stats, median per step) and what is left outside the kernels.

Run: python bench/mlp_train.py [--batch 100 32] [--repeat 1] [--threads N] [--profile] [--trace]
"""
import argparse
import cProfile
import os
import pstats
import time


from threads_arg import threads_from_argv
from bench_env import fresh_process_peak, in_both_blas_settings, peak_child, peak_text, report_peak_of

THREADS = threads_from_argv()  # before numpy is imported

import numpy as np  # noqa: E402

import kflow as kf  # noqa: E402
from kflow.datasets import fashion_mnist  # noqa: E402

SIZES = [784, 500, 100, 10]
RATE = 0.1  # dropout rate (keep_prob 0.9)
LR, BETA1, BETA2, EPS = 1e-3, 0.9, 0.999, 1e-8
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load_data():
    """Fashion-MNIST as float32 (N, 784) in [0, 1] and int64 labels."""
    if not os.environ.get("KFLOW_DATA_DIR"):
        os.environ["KFLOW_DATA_DIR"] = os.path.join(os.path.dirname(REPO), "shared", "datasets")
    (x, y), (xt, yt) = fashion_mnist.load_data()
    prep = lambda a: (a.reshape(len(a), -1).astype(np.float32) / 255.0)  # noqa: E731
    return (prep(x), y.astype(np.int64)), (prep(xt), yt.astype(np.int64))


def initial_weights(seed=0):
    """Glorot-uniform kernels and zero biases, shared by the three implementations."""
    rng = np.random.RandomState(seed)
    out = []
    for a, b in zip(SIZES[:-1], SIZES[1:]):
        lim = np.sqrt(6.0 / (a + b))
        out += [rng.uniform(-lim, lim, (a, b)).astype(np.float32), np.zeros(b, np.float32)]
    return out


def shuffled(x, y, seed):
    perm = np.random.RandomState(seed).permutation(len(x))
    return x[perm], y[perm]


# ---- kflow ---------------------------------------------------------------------------------------------
def kflow_epoch(train, test, batch, weights, profile=False, trace=False):
    g = kf.Graph()
    with g.as_default():
        x = kf.placeholder(kf.float32, [None, 784], name="x")
        y = kf.placeholder(kf.int64, [None], name="y")
        keep_prob = kf.placeholder_with_default(1.0, [], name="keep_prob")
        params = [kf.Variable(w) for w in weights]
        h = x
        for i in range(0, len(params), 2):
            h = kf.matmul(h, params[i]) + params[i + 1]
            if i < len(params) - 2:
                h = kf.nn.dropout(kf.nn.relu(h), keep_prob=keep_prob)
        loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
        train_op = kf.train.AdamOptimizer(LR, BETA1, BETA2, EPS).minimize(loss)
        correct = kf.reduce_sum(kf.cast(kf.equal(kf.argmax(h, axis=1), y), kf.int32))
        init = kf.global_variables_initializer()
    sess = kf.Session(graph=g, config=kf.ConfigProto(intra_op_parallelism_threads=THREADS))
    sess.run(init)
    xs, ys = shuffled(*train, seed=1)
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    for i in range(0, len(xs) - batch + 1, batch):
        sess.run(train_op, {x: xs[i:i + batch], y: ys[i:i + batch], keep_prob: 1.0 - RATE})
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - t0
    if trace:
        def feed(i):
            return {x: xs[i * batch:(i + 1) * batch], y: ys[i * batch:(i + 1) * batch], keep_prob: 1.0 - RATE}
        print_step_profile(sess, train_op, feed, batch)
    acc = sum(sess.run(correct, {x: test[0][i:i + 1000], y: test[1][i:i + 1000]})
              for i in range(0, len(test[0]), 1000)) / len(test[0])
    sess.close()
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return seconds, acc


def print_step_profile(sess, train_op, feed, batch, steps=200):
    """Median per-step time of each op type over ``steps`` traced steps, the untraced step and the rest."""
    options, per_type, walls = kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE), {}, []
    for i in range(steps):
        meta = kf.RunMetadata()
        sess.run(train_op, feed(i), options=options, run_metadata=meta)
        step = {}
        for node in (n for d in meta.step_stats.dev_stats for n in d.node_stats):
            kind = node.timeline_label.split(" = ")[1].split("(")[0]
            count, ns = step.get(kind, (0, 0))
            step[kind] = (count + 1, ns + node.op_end_rel_nanos)
        for kind, (count, ns) in step.items():
            per_type.setdefault(kind, (count, []))[1].append(ns / 1e3)
    for i in range(steps):
        t0 = time.perf_counter()
        sess.run(train_op, feed(i))
        walls.append((time.perf_counter() - t0) * 1e6)
    step_us = float(np.median(walls))
    rows = sorted(((float(np.median(v)), kind, count) for kind, (count, v) in per_type.items()), reverse=True)
    print("batch %d step profile: untraced step %.0f us (median of %d); per op type, median us per step:"
          % (batch, step_us, steps))
    for us, kind, count in rows:
        print("  %7.1f us  %4.1f%%  %-40s x%d" % (us, 100 * us / step_us, kind, count))
    kernels = sum(us for us, _, _ in rows)
    print("  %7.1f us  %4.1f%%  outside the kernels (Session.run, feeds, plan)" % (step_us - kernels,
                                                                              100 * (step_us - kernels) / step_us))


# ---- hand-written numpy -----------------------------------------------------------------------------------
def numpy_epoch(train, test, batch, weights):
    params = [w.copy() for w in weights]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    tmp = [np.empty_like(p) for p in params]
    rng = np.random.default_rng(0)
    scale = np.float32(1.0 / (1.0 - RATE))
    xs, ys = shuffled(*train, seed=1)
    t0 = time.perf_counter()
    step = 0
    for i in range(0, len(xs) - batch + 1, batch):
        xb, yb = xs[i:i + batch], ys[i:i + batch]
        w1, b1, w2, b2, w3, b3 = params
        h1 = xb @ w1
        h1 += b1
        np.maximum(h1, 0, out=h1)
        k1 = rng.random(h1.shape, dtype=np.float32) >= RATE
        d1 = h1 * k1
        d1 *= scale
        h2 = d1 @ w2
        h2 += b2
        np.maximum(h2, 0, out=h2)
        k2 = rng.random(h2.shape, dtype=np.float32) >= RATE
        d2 = h2 * k2
        d2 *= scale
        z = d2 @ w3
        z += b3
        z -= z.max(axis=1, keepdims=True)  # softmax cross-entropy gradient: (p - onehot) / batch
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        z[np.arange(len(yb)), yb] -= 1.0
        z *= np.float32(1.0 / len(yb))
        grads = [None] * 6
        grads[4], grads[5] = d2.T @ z, z.sum(axis=0)
        g2 = z @ w3.T
        g2 *= k2
        g2 *= scale
        g2 *= h2 > 0
        grads[2], grads[3] = d1.T @ g2, g2.sum(axis=0)
        g1 = g2 @ w2.T
        g1 *= k1
        g1 *= scale
        g1 *= h1 > 0
        grads[0], grads[1] = xb.T @ g1, g1.sum(axis=0)
        step += 1
        lr_t = LR * np.sqrt(1 - BETA2 ** step) / (1 - BETA1 ** step)
        for p, mp, vp, t, gr in zip(params, m, v, tmp, grads):
            mp *= BETA1
            np.multiply(gr, 1 - BETA1, out=t)
            mp += t
            vp *= BETA2
            np.multiply(gr, gr, out=t)
            t *= 1 - BETA2
            vp += t
            np.sqrt(vp, out=t)
            t += EPS
            np.divide(mp, t, out=t)
            t *= lr_t
            p -= t
    seconds = time.perf_counter() - t0
    w1, b1, w2, b2, w3, b3 = params
    logits = np.maximum(np.maximum(test[0] @ w1 + b1, 0) @ w2 + b2, 0) @ w3 + b3
    return seconds, float(np.mean(logits.argmax(axis=1) == test[1]))


# ---- PyTorch ------------------------------------------------------------------------------------------
def torch_epoch(train, test, batch, weights, device="cpu"):
    """PyTorch's epoch on ``device`` ("cpu" or "cuda"); batches are copied from host memory each step, as
    kflow's feeds are."""
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    layers = []
    for i, (a, b) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        lin = torch.nn.Linear(a, b)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(weights[2 * i].T.copy()))
            lin.bias.copy_(torch.from_numpy(weights[2 * i + 1].copy()))
        layers.append(lin)
        if i < 2:
            layers += [torch.nn.ReLU(), torch.nn.Dropout(RATE)]
    model = torch.nn.Sequential(*layers).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    xs, ys = shuffled(*train, seed=1)
    xs, ys = torch.from_numpy(xs), torch.from_numpy(ys)
    model.train()
    t0 = time.perf_counter()
    for i in range(0, len(xs) - batch + 1, batch):
        opt.zero_grad()
        loss = loss_fn(model(xs[i:i + batch].to(device)), ys[i:i + batch].to(device))
        loss.backward()
        opt.step()
    if device != "cpu":
        torch.cuda.synchronize()  # kernels run asynchronously: count them all
    seconds = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        pred = model(torch.from_numpy(test[0]).to(device)).argmax(dim=1).cpu().numpy()
    return seconds, float(np.mean(pred == test[1]))


def torch_available():
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, nargs="+", default=[100, 32])
    parser.add_argument("--repeat", type=int, default=1,
                        help="epochs per implementation (interleaved); the fastest is reported")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads for BLAS, PyTorch and kflow's optimizer (default: the machine's cores)")
    parser.add_argument("--profile", action="store_true", help="cProfile kflow's epoch (top functions)")
    parser.add_argument("--trace", action="store_true", help="print each op type's share of a kflow step")
    parser.add_argument("--only", choices=["kflow", "numpy", "torch"], nargs="+", default=None)
    args = parser.parse_args(argv)
    in_both_blas_settings()
    train, test = load_data()
    weights = initial_weights()
    runners = {"kflow": lambda b: kflow_epoch(train, test, b, weights, args.profile, args.trace),
               "numpy": lambda b: numpy_epoch(train, test, b, weights)}
    if torch_available():
        runners["torch"] = lambda b: torch_epoch(train, test, b, weights)
    else:
        print("PyTorch is not installed: skipping it (pip install torch).")
    measured = peak_child()
    if measured:  # in a child of fresh_process_peak: one epoch of one implementation at one batch size
        return report_peak_of(lambda: runners[measured](args.batch[-1]))
    names = [n for n in runners if args.only is None or n in args.only]
    print("cores: %d, threads: %d, load average: %.2f" % (os.cpu_count(), THREADS, os.getloadavg()[0]))
    for batch in args.batch:
        runs = {name: [] for name in names}
        for _ in range(args.repeat):  # interleaved, so a busy moment on a shared machine hits all of them
            for name in names:
                runs[name].append(runners[name](batch))
        for name in names:
            seconds, accuracy = min(runs[name])  # the fastest epoch
            print("batch %3d  %-6s %7.2f s/epoch  test accuracy %.4f%s" % (
                batch, name, seconds, accuracy, peak_text(fresh_process_peak(name, ["--batch", str(batch)]))))
        results = {name: min(r) for name, r in runs.items()}
        for other in ("numpy", "torch"):
            if "kflow" in results and other in results:
                print("batch %3d  kflow/%s = %.2f" % (batch, other, results["kflow"][0] / results[other][0]))


if __name__ == "__main__":
    main()
