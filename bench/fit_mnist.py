"""Epoch time of ``model.fit`` for an MLP and a CNN on MNIST-sized data, against PyTorch and Keras.

For each model (the MLP of recipes/mnist_mlp.py: 784-512-512-10 with dropout; the CNN of
recipes/mnist_cnn.py) it trains with Adam at batch size 128 on the same 60,000 images
(Fashion-MNIST from $KFLOW_DATA_DIR when present, else random images) and prints the
seconds per epoch (best of --epochs) and the ratio against PyTorch CPU and Keras (each
only if installed; they are never kflow dependencies), run in this same process.
It also measures the callbacks (progress line + TensorBoard + a ModelCheckpoint each
epoch): their share of the epoch, timed directly around every hook, cross-checked by the
whole ``fit`` time with versus without them next to the run-to-run noise (see callbacks_cost),
and prints the machine's load first: other processes make every number unreliable.
Peak memory: each framework's first epoch of each model runs again in a fresh child process, and the peak
resident memory above the child's start (after its imports and the data load) is printed (see bench_env).
Goals: MLP epoch <= 0.9x PyTorch; callbacks < 3% of the epoch; peak memory <= PyTorch's.

Run: python bench/fit_mnist.py [--epochs 3] [--samples 60000] [--skip-cnn] [--rounds 3]
"""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "recipes"))

import kflow as kf  # noqa: E402
from bench_env import (fresh_process_peak, in_both_blas_settings, peak_child, peak_text,  # noqa: E402
                       report_peak_of)
import mnist_cnn  # noqa: E402
import mnist_mlp  # noqa: E402


def load(samples):
    try:
        (x, y), _ = kf.keras.datasets.fashion_mnist.load_data()
        source = "Fashion-MNIST"
    except Exception:  # no data available: the timing does not depend on the pixel values
        rng = np.random.RandomState(0)
        x, y = rng.randint(0, 256, (samples, 28, 28)).astype(np.uint8), rng.randint(0, 10, samples)
        source = "random images"
    x, y = x[:samples].astype(np.float32) / 255.0, y[:samples].astype(np.int64)
    return x, y, source


class _NullTty:
    """A terminal that discards its output: the progress bar draws as on a real one."""

    def write(self, text):
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return True


class TimedCallback(kf.keras.callbacks.Callback):
    """Wraps a callback and adds the time spent in its hooks to ``self.seconds``."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.seconds = inner, 0.0
        for hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_epoch_end", "on_train_batch_begin",
                     "on_train_batch_end", "set_model", "set_params"):
            setattr(self, hook, self._timed(getattr(inner, hook)))

    def _timed(self, fn):
        def call(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - t0
        return call


def kflow_epoch(build, x, y, epochs, callbacks=None, verbose=0):
    """Best epoch time of one ``fit``, that epoch's timing dict, and the wall and process-CPU seconds of the
    whole ``fit`` call."""
    np.random.seed(0)
    model = build()
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=verbose, callbacks=callbacks)
    total = (time.perf_counter() - t0, time.process_time() - c0)
    seconds = [t["seconds"] for t in model.epoch_timings]
    return min(seconds), model.epoch_timings[int(np.argmin(seconds))], total


def torch_epoch(kind, x, y, epochs):
    try:
        import torch
    except ImportError:
        return None
    nn = torch.nn
    torch.manual_seed(0)
    if kind == "mlp":
        model = nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 512),
                              nn.ReLU(), nn.Dropout(0.2), nn.Linear(512, 10))
        xt = torch.from_numpy(x.reshape(-1, 784))
    else:
        model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(64 * 5 * 5, 10))
        xt = torch.from_numpy(x[:, None])
    yt = torch.from_numpy(y)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 128):
            idx = perm[i:i + 128]
            opt.zero_grad()
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    return min(times)


def keras_epoch(kind, x, y, epochs):
    try:
        import keras
    except ImportError:
        return None
    L = keras.layers
    if kind == "mlp":
        model = keras.Sequential([L.Input((784,)), L.Dense(512, activation="relu"), L.Dropout(0.2),
                                  L.Dense(512, activation="relu"), L.Dropout(0.2), L.Dense(10, activation="softmax")])
        data = x.reshape(-1, 784)
    else:
        model = keras.Sequential([L.Input((28, 28, 1)), L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
                                  L.Conv2D(64, 3, activation="relu"), L.MaxPooling2D(2), L.Flatten(), L.Dropout(0.5),
                                  L.Dense(10, activation="softmax")])
        data = x[..., None]
    model.compile("adam", "sparse_categorical_crossentropy")
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        model.fit(data, y, batch_size=128, epochs=1, verbose=0)
        times.append(time.perf_counter() - t0)
    return min(times)


def ratio_line(name, ours, other):
    return "  vs %-8s %7.2f s/epoch   kflow/%s = %.2fx" % (name, other, name, ours / other) if other else \
        "  vs %-8s not installed" % name


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--samples", type=int, default=60000)
    parser.add_argument("--skip-cnn", action="store_true")
    parser.add_argument("--rounds", type=int, default=3, help="paired with/without-callbacks runs")
    args = parser.parse_args()
    in_both_blas_settings()
    measured = peak_child()
    if measured:  # in a child of fresh_process_peak: one epoch of "framework/kind"
        return measure_peak(measured, args.samples)
    x, y, source = load(args.samples)
    print("data: %d %s, batch 128, Adam, best of %d epochs" % (len(x), source, args.epochs))
    load_line()
    models = [("mlp", mnist_mlp.build_model, x.reshape(-1, 784))]
    if not args.skip_cnn:
        models.append(("cnn", mnist_cnn.build_model, x[..., None]))
    for kind, build, data in models:
        ours, timing, _ = kflow_epoch(build, data, y, args.epochs)
        print("%s: kflow %7.2f s/epoch (%s)%s" % (kind.upper(), ours, kf.keras.callbacks.progbar.format_timing(timing),
                                                 peak_line("kflow", kind)))
        theirs = torch_epoch(kind, x, y, args.epochs)
        print(ratio_line("pytorch", ours, theirs) + (peak_line("pytorch", kind) if theirs else ""))
        theirs = keras_epoch(kind, x, y, args.epochs)
        print(ratio_line("keras", ours, theirs) + (peak_line("keras", kind) if theirs else ""))
        if kind == "mlp":
            callbacks_cost(build, data, y, args.epochs, ours, args.rounds)


def one_epoch(framework, kind, x, y):
    if framework == "kflow":
        build = mnist_mlp.build_model if kind == "mlp" else mnist_cnn.build_model
        return kflow_epoch(build, x.reshape(-1, 784) if kind == "mlp" else x[..., None], y, 1)
    return (torch_epoch if framework == "pytorch" else keras_epoch)(kind, x, y, 1)


def peak_line(framework, kind):
    """``"  peak RSS +N MB (fresh process)"``: one epoch of ``framework``'s ``kind`` model in a child process."""
    return peak_text(fresh_process_peak("%s/%s" % (framework, kind)))


def measure_peak(name, samples):
    """In the child: ``name`` is "framework/kind"; one epoch of it, its peak RSS above the start reported."""
    framework, kind = name.split("/")
    x, y, _ = load(samples)
    if framework != "kflow":
        __import__("torch" if framework == "pytorch" else "keras")
    report_peak_of(lambda: one_epoch(framework, kind, x, y))


def load_line():
    """Other processes' load, read before this run has raised it. On a shared machine the same epoch was seen
    to take from 1x to 25x its quiet time, so every time and ratio below is only as good as this line says."""
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    print("machine load before the run (1-min average): %.1f on %d cores%s" % (
        load, cores, ": other processes compete for the CPUs, times and ratios below are unreliable"
        if load > 0.5 else ""))


def callbacks_cost(build, x, y, epochs, plain, rounds):
    """Progress bar + TensorBoard + ModelCheckpoint every epoch, measured two ways.

    Direct (the goal is checked on this): the time spent inside every hook, per callback, per epoch.
    Cross-check: the whole ``fit`` call with versus without them (so the checkpoint and histogram writes in
    ``on_epoch_end``, which the loop's epoch timer stops before, are included), in pairs run back to back
    with alternating order; the median of the per-pair ratios is printed, in wall time and in this
    process's CPU time (which other processes' load inflates less). The spread of the runs without
    callbacks is printed as the noise floor: on a shared machine a delta inside it is not a cost.
    """
    out = tempfile.mkdtemp(prefix="kflow_bench_")
    names = ("progress bar", "TensorBoard", "checkpoint")
    hooks = {n: float("inf") for n in names}
    pairs = []  # ((wall, cpu) with, (wall, cpu) without)
    for r in range(rounds):
        pair = {}
        for kind in (("with", "without") if r % 2 == 0 else ("without", "with")):
            callbacks = None
            if kind == "with":
                cbs = kf.keras.callbacks
                callbacks = [TimedCallback(cbs.ProgbarLogger(file=_NullTty(), verbose=1)),  # the live bar
                             TimedCallback(cbs.TensorBoard(log_dir=os.path.join(out, "logs"))),
                             TimedCallback(cbs.ModelCheckpoint(os.path.join(out, "ckpt.{epoch:02d}.h5")))]
            pair[kind] = kflow_epoch(build, x, y, epochs, callbacks=callbacks)[2]
            for n, c in zip(names, callbacks or ()):
                hooks[n] = min(hooks[n], c.seconds / epochs)
        pairs.append((pair["with"], pair["without"]))
    inside = sum(hooks.values())
    print("  callbacks (progress bar + TensorBoard + checkpoint each epoch): %.3f s/epoch inside their hooks = "
          "%.2f%% of the epoch (%s)" % (inside, 100 * inside / plain,
                                        ", ".join("%s %.3f s" % (n, v) for n, v in hooks.items())))
    for i, clock in enumerate(("wall", "CPU")):
        delta = float(np.median([w[i] / wo[i] for w, wo in pairs])) - 1
        without = [wo[i] for _, wo in pairs]
        noise = (max(without) - min(without)) / min(without)
        print("  cross-check, whole fit, %s time, median of %d back-to-back pairs: %+.1f%% with them (%.2f vs "
              "%.2f s/epoch without; runs without vary by %.1f%%%s)"
              % (clock, rounds, 100 * delta, float(np.median([w[i] for w, _ in pairs])) / epochs,
                 float(np.median(without)) / epochs, 100 * noise, ": within noise" if abs(delta) <= noise else ""))


if __name__ == "__main__":
    main()
