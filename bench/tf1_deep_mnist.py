"""TF1 "Deep MNIST for experts" training steps/s: kflow vs TensorFlow's tf.compat.v1 (when installed).

Model, as the TF1 tutorial writes it with ``tf.nn``: conv 5x5x32 SAME + relu - max_pool 2x2 SAME - conv 5x5x64
SAME + relu - max_pool - fc 1024 relu - dropout (keep 0.5) - fc 10, softmax cross-entropy, Adam 1e-4, batch 50,
in a ``Session.run`` loop fed from numpy. The same script body runs with ``tf`` bound to kflow or to
``tensorflow.compat.v1``; TensorFlow runs in a child process (``--tf-python`` may name another interpreter that
has it, e.g. a separate virtual environment), so each framework has the machine's cores to itself.
Goal (issue 22): kflow >= 1.0x TensorFlow's steps/s.

Both BLAS settings are measured, each in its own child process: OpenBLAS free to pick its kernel (as on a user's
machine) and with this machine's ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE`` (which slow numpy's BLAS only).

Run: python bench/tf1_deep_mnist.py [--steps 60] [--repeat 2] [--tf-python PATH] [--profile]
"""
import argparse
import os
import subprocess
import sys
import time

import numpy as np

from bench_env import blas_settings

BATCH = 50
WARMUP = 3


def build(tf):
    """The tutorial's graph; returns (x, y_, keep_prob, train_step)."""
    def weight(shape):
        return tf.Variable(tf.truncated_normal(shape, stddev=0.1))

    def bias(shape):
        return tf.Variable(tf.constant(0.1, shape=shape))

    def conv2d(x, w):
        return tf.nn.conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")

    def max_pool_2x2(x):
        return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")

    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.float32, [None, 10])
    image = tf.reshape(x, [-1, 28, 28, 1])
    h1 = max_pool_2x2(tf.nn.relu(conv2d(image, weight([5, 5, 1, 32])) + bias([32])))
    h2 = max_pool_2x2(tf.nn.relu(conv2d(h1, weight([5, 5, 32, 64])) + bias([64])))
    flat = tf.reshape(h2, [-1, 7 * 7 * 64])
    fc1 = tf.nn.relu(tf.matmul(flat, weight([7 * 7 * 64, 1024])) + bias([1024]))
    keep_prob = tf.placeholder(tf.float32)
    logits = tf.matmul(tf.nn.dropout(fc1, keep_prob), weight([1024, 10])) + bias([10])
    loss = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits_v2(labels=y_, logits=logits))
    return x, y_, keep_prob, tf.train.AdamOptimizer(1e-4).minimize(loss)


def steps_per_second(tf, steps, profile=False):
    """Trains ``steps`` batches of random images after ``WARMUP`` steps; returns steps/s."""
    rng = np.random.RandomState(0)
    xs = rng.rand(steps + WARMUP, BATCH, 784).astype(np.float32)
    ys = np.eye(10, dtype=np.float32)[rng.randint(0, 10, (steps + WARMUP, BATCH))]
    graph = tf.Graph()
    with graph.as_default():
        x, y_, keep_prob, train = build(tf)
        init = tf.global_variables_initializer()
    with tf.Session(graph=graph) as sess:
        sess.run(init)
        for i in range(WARMUP):
            sess.run(train, {x: xs[i], y_: ys[i], keep_prob: 0.5})
        profiler = None
        if profile:
            import cProfile
            profiler = cProfile.Profile()
            profiler.enable()
        t0 = time.perf_counter()
        for i in range(WARMUP, WARMUP + steps):
            sess.run(train, {x: xs[i], y_: ys[i], keep_prob: 0.5})
        elapsed = time.perf_counter() - t0
        if profiler is not None:
            import pstats
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return steps / elapsed


def child(framework, steps, repeat, profile):
    """Runs in a child process: prints one ``RESULT <steps/s>`` line (the best of ``repeat`` runs)."""
    if framework == "tensorflow":
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        import tensorflow.compat.v1 as tf
        tf.disable_eager_execution()
    else:
        import kflow as tf
    best = max(steps_per_second(tf, steps, profile) for _ in range(repeat))
    print("RESULT %.3f" % best)


def run_child(python, framework, args, env):
    cmd = [python, os.path.abspath(__file__), "--child", framework, "--steps", str(args.steps),
           "--repeat", str(args.repeat)] + (["--profile"] if args.profile and framework == "kflow" else [])
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if args.profile and framework == "kflow":
        print(proc.stdout)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return float(line.split()[1])
    print("  %s (%s) failed: %s" % (framework, python, (proc.stderr.strip().splitlines() or ["?"])[-1]))
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--tf-python", default=sys.executable, help="an interpreter with tensorflow installed")
    parser.add_argument("--profile", action="store_true", help="print kflow's cProfile top functions")
    parser.add_argument("--child", choices=["kflow", "tensorflow"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.steps, args.repeat, args.profile)
        return
    print("TF1 deep MNIST, batch %d, %d timed steps, best of %d" % (BATCH, args.steps, args.repeat))
    for label, env in blas_settings():
        kflow_rate = run_child(sys.executable, "kflow", args, env)
        tf_rate = run_child(args.tf_python, "tensorflow", args, env)
        line = "%-40s kflow %6.1f steps/s" % (label, kflow_rate or float("nan"))
        if tf_rate:
            line += "   tensorflow %6.1f steps/s   kflow/tf %.2fx" % (tf_rate, (kflow_rate or 0) / tf_rate)
        print(line)


if __name__ == "__main__":
    main()
