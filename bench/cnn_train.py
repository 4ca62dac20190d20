"""Training throughput of the Keras MNIST CNN: kflow vs PyTorch CPU, same process, same weights and batches.

Model (Keras' mnist_cnn example): conv 3x3x32 relu - conv 3x3x64 relu - maxpool 2 - dropout 0.25 - flatten -
dense 128 relu - dropout 0.5 - dense 10, softmax cross-entropy, Adam 1e-3, batch 128, on 28x28 Fashion-MNIST
training images. Prints images/s for each, its peak RSS in a fresh process (``bench_env.fresh_process_peak``)
and the ratio kflow/torch (goals, issue 22: kflow >= 1.25x torch's throughput, peak memory <= torch's).
PyTorch is skipped when not importable. ``--threads`` (default: all cores) sets BLAS's, PyTorch's and kflow's
optimizer threads.

Run: python bench/cnn_train.py [--steps 200] [--batch 128] [--threads N] [--repeat R] [--profile]

The machine may be shared: ``--repeat R`` runs kflow and PyTorch alternately R times and reports each one's
best run, so a burst of load from other processes does not decide the ratio.
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

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LR = 1e-3
WARMUP = 3  # steps run before timing (plan compilation, first allocations)


def load_images(count):
    if not os.environ.get("KFLOW_DATA_DIR"):
        os.environ["KFLOW_DATA_DIR"] = os.path.join(os.path.dirname(REPO), "shared", "datasets")
    (x, y), _ = fashion_mnist.load_data()
    x = (x[:count].astype(np.float32) / 255.0).reshape(-1, 28, 28, 1)
    return x, y[:count].astype(np.int64)


def initial_weights(seed=0):
    """Glorot-uniform kernels (HWIO for convs, [in, out] for dense) and zero biases."""
    rng = np.random.RandomState(seed)
    shapes = [(3, 3, 1, 32), (3, 3, 32, 64), (9216, 128), (128, 10)]
    out = []
    for s in shapes:
        fan_in = int(np.prod(s[:-1]))
        fan_out = int(np.prod(s[:-2])) * s[-1] if len(s) == 4 else s[-1]
        lim = np.sqrt(6.0 / (fan_in + fan_out))
        out += [rng.uniform(-lim, lim, s).astype(np.float32), np.zeros(s[-1], np.float32)]
    return out


def kflow_run(x, y, batch, steps, weights, profile=False):
    g = kf.Graph()
    with g.as_default():
        images = kf.placeholder(kf.float32, [None, 28, 28, 1], name="images")
        labels = kf.placeholder(kf.int64, [None], name="labels")
        training = kf.placeholder_with_default(False, [], name="training")
        k1, b1, k2, b2, w3, b3, w4, b4 = [kf.Variable(w) for w in weights]
        keep_conv = kf.where(training, 0.75, 1.0)
        keep_dense = kf.where(training, 0.5, 1.0)
        h = kf.nn.relu(kf.nn.bias_add(kf.nn.conv2d(images, k1, [1, 1, 1, 1], "VALID"), b1))
        h = kf.nn.relu(kf.nn.bias_add(kf.nn.conv2d(h, k2, [1, 1, 1, 1], "VALID"), b2))
        h = kf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
        h = kf.nn.dropout(h, keep_prob=keep_conv)
        h = kf.reshape(h, [-1, 9216])
        h = kf.nn.dropout(kf.nn.relu(kf.matmul(h, w3) + b3), keep_prob=keep_dense)
        logits = kf.matmul(h, w4) + b4
        loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=logits))
        train_op = kf.train.AdamOptimizer(LR).minimize(loss)
        init = kf.global_variables_initializer()
    sess = kf.Session(graph=g, config=kf.ConfigProto(intra_op_parallelism_threads=THREADS))
    sess.run(init)

    def step(i):
        j = (i * batch) % (len(x) - batch + 1)
        return sess.run([train_op, loss], {images: x[j:j + batch], labels: y[j:j + batch], training: True})[1]

    for i in range(WARMUP):
        step(i)
    profiler = cProfile.Profile() if profile else None
    if profiler:
        profiler.enable()
    t0 = time.perf_counter()
    for i in range(steps):
        last = step(WARMUP + i)
    seconds = time.perf_counter() - t0
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    sess.close()
    return steps * batch / seconds, float(last)


def torch_run(x, y, batch, steps, weights, device="cpu"):
    """PyTorch's images/s on ``device`` ("cpu" or "cuda"); batches are copied from host memory each step, as
    kflow's feeds are."""
    import torch

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                          nn.Linear(128, 10)).to(device)
    k1, b1, k2, b2, w3, b3, w4, b4 = weights
    with torch.no_grad():  # same weights; the dense kernel's rows follow kflow's NHWC flatten order
        model[0].weight.copy_(torch.from_numpy(k1.transpose(3, 2, 0, 1).copy()))
        model[2].weight.copy_(torch.from_numpy(k2.transpose(3, 2, 0, 1).copy()))
        nchw_rows = w3.reshape(12, 12, 64, 128).transpose(2, 0, 1, 3).reshape(9216, 128)
        model[7].weight.copy_(torch.from_numpy(nchw_rows.T.copy()))
        model[10].weight.copy_(torch.from_numpy(w4.T.copy()))
        for layer, b in ((model[0], b1), (model[2], b2), (model[7], b3), (model[10], b4)):
            layer.bias.copy_(torch.from_numpy(b.copy()))
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    xs = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    ys = torch.from_numpy(y)
    model.train()

    def step(i):
        j = (i * batch) % (len(x) - batch + 1)
        opt.zero_grad()
        loss = loss_fn(model(xs[j:j + batch].to(device)), ys[j:j + batch].to(device))
        loss.backward()
        opt.step()
        return loss.item()

    for i in range(WARMUP):
        step(i)
    t0 = time.perf_counter()
    for i in range(steps):
        last = step(WARMUP + i)
    return steps * batch / (time.perf_counter() - t0), last


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads for BLAS, PyTorch and kflow's optimizer (default: the machine's cores)")
    parser.add_argument("--profile", action="store_true", help="cProfile kflow's timed steps (top functions)")
    parser.add_argument("--only", choices=["kflow", "torch"], nargs="+", default=["kflow", "torch"])
    parser.add_argument("--repeat", type=int, default=1, help="alternate the runs R times; report the best")
    args = parser.parse_args(argv)
    in_both_blas_settings()
    x, y = load_images((args.steps + WARMUP) * args.batch)
    weights = initial_weights()
    print("cores: %d, threads: %d, load average: %.2f, batch %d, %d timed steps"
          % (os.cpu_count(), THREADS, os.getloadavg()[0], args.batch, args.steps))
    runners = {}
    if "kflow" in args.only:
        runners["kflow"] = lambda: kflow_run(x, y, args.batch, args.steps, weights, args.profile)
    if "torch" in args.only:
        try:
            import torch  # noqa: F401
            runners["torch"] = lambda: torch_run(x, y, args.batch, args.steps, weights)
        except ImportError:
            print("PyTorch is not installed: skipping it (pip install torch).")
    measured = peak_child()
    if measured:  # in a child of fresh_process_peak: one run of one implementation
        return report_peak_of(runners[measured])
    results = {}
    for r in range(max(1, args.repeat)):
        for name, run in runners.items():
            rate, loss = run()
            if args.repeat > 1:
                print("  run %d %-6s %8.1f images/s  (load average %.2f)" % (r + 1, name, rate, os.getloadavg()[0]))
            if name not in results or rate > results[name][0]:
                results[name] = (rate, loss)
    for name, (rate, loss) in results.items():
        print("%-6s %8.1f images/s   last loss %.4f%s%s" % (
            name, rate, loss, peak_text(fresh_process_peak(name, ["--repeat", "1"])),
            "  (best of %d)" % args.repeat if args.repeat > 1 else ""))
    if len(results) == 2:
        print("kflow/torch throughput = %.2f" % (results["kflow"][0] / results["torch"][0]))


if __name__ == "__main__":
    main()
