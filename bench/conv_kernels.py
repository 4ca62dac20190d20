"""Per-layer times of the CPU convolution kernels: im2col + GEMM vs Winograd, forward and both gradients.

Layers: the Keras MNIST CNN's two 3x3 VALID convolutions (batch 128) and the TF1 deep-MNIST model's two 5x5
SAME convolutions (batch 50). "+bias+relu" is the forward as plans run it under ``tf.nn.relu(conv + b)`` (the
``conv2d_bias_relu`` rewrite: bias and relu applied to each output chunk inside the convolution). Each kernel's time is the minimum of ``--repeat`` calls (the machine may be
shared), in milliseconds, with kflow's usual thread split (wall time); ``--threads 1`` runs every kernel on one
thread and times the thread's CPU time, which other processes on shared cores disturb much less.
The last column says which path kflow's selection rule takes for that kernel.

Run: env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python bench/conv_kernels.py [--repeat 20] [--threads N]
"""
import argparse
import functools
import time
import timeit

from threads_arg import threads_from_argv

THREADS = threads_from_argv()  # before numpy is imported

import numpy as np  # noqa: E402

from kflow.engine import bias_relu_rewrites  # noqa: E402
from kflow.engine.ops import batch_parallel, conv_ops, winograd  # noqa: E402

LAYERS = [  # name, input shape, filter shape, padding
    ("cnn conv1 3x3 1->32 VALID", (128, 28, 28, 1), (3, 3, 1, 32), "VALID"),
    ("cnn conv2 3x3 32->64 VALID", (128, 26, 26, 32), (3, 3, 32, 64), "VALID"),
    ("deep conv1 5x5 1->32 SAME", (50, 28, 28, 1), (5, 5, 1, 32), "SAME"),
    ("deep conv2 5x5 32->64 SAME", (50, 14, 14, 32), (5, 5, 32, 64), "SAME"),
]


def im2col_only(kernel, *args, **params):
    """The op's kernel with Winograd switched off."""
    rule = winograd.chooses
    winograd.chooses = lambda *a: (False, False, False)
    try:
        return kernel(*args, **params)
    finally:
        winograd.chooses = rule


def best_ms(fn, repeat, timer):
    fn()
    return 1e3 * min(timeit.repeat(fn, number=1, repeat=repeat, timer=timer))


def layer_times(x_shape, w_shape, padding, repeat, timer):
    rng = np.random.default_rng(0)
    x = rng.random(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32) * 0.1
    conf = ((1, 1), padding, (1, 1))
    pads = winograd.pads_of(conf, x_shape, w_shape)
    y = winograd.conv2d(x, w, pads)
    dy = rng.standard_normal(y.shape).astype(np.float32)
    bias = np.full(w_shape[3], 0.1, np.float32)
    fused = bias_relu_rewrites._bias_relu_kernel(functools.partial(conv_ops._conv2d_kernel, conf=conf), 2, True,
                                                 0, True)  # the plan's conv2d_bias_relu kernel
    im2col = [lambda: im2col_only(conv_ops._conv2d_kernel, x, w, conf=conf),
              lambda: im2col_only(fused, x, w, bias),
              lambda: im2col_only(conv_ops._input_grad_kernel, w, dy, x_shape, conf=conf),
              lambda: im2col_only(conv_ops._filter_grad_kernel, x, dy, w_shape, conf=conf)]
    wino = [lambda: winograd.conv2d(x, w, pads),
            lambda: bias_relu_rewrites.block_epilogue(bias, True)(winograd.conv2d(x, w, pads)),
            lambda: winograd.input_grad(w, dy, pads, x_shape),
            lambda: winograd.filter_grad(x, dy, pads, w_shape)]
    chosen = winograd.chooses(x_shape, w_shape, conf, x.dtype)
    chosen = chosen[:1] + chosen[:1] + chosen[1:]
    return [(best_ms(a, repeat, timer), best_ms(b, repeat, timer), c) for a, b, c in zip(im2col, wino, chosen)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    if args.threads:
        batch_parallel.thread_count = lambda: args.threads
    timer = time.thread_time if args.threads == 1 else time.perf_counter
    print("%-28s %-11s %9s %9s %7s  selected" % ("layer", "kernel", "im2col", "winograd", "ratio"))
    for name, xs, ws, padding in LAYERS:
        for kind, (a, b, chosen) in zip(("forward", "+bias+relu", "input grad", "filter grad"),
                                        layer_times(xs, ws, padding, args.repeat, timer)):
            print("%-28s %-11s %7.2fms %7.2fms %6.2fx  %s" % (name, kind, a, b, a / b,
                                                              "winograd" if chosen else "im2col"), flush=True)


if __name__ == "__main__":
    main()
