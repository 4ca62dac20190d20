"""Training on cores shared with other work: each model idle, then beside one busy process, and the slowdown.

Workloads: the MLP epoch of ``mlp_train.py`` (784-500-100-10, Adam, batch 100, on ``--images`` Fashion-MNIST
images) for kflow and PyTorch (when installed), and the TF1 deep-MNIST steps of ``tf1_deep_mnist.py`` for kflow.
The busy process is a Python loop that never sleeps (one core's worth of other work). Prints each time idle and
beside it, and the ratio busy/idle (goal, issue 22: kflow <= 2.2x, TensorFlow's figure for the MLP).
Each setting runs in its own child process, in both BLAS settings: OpenBLAS free to pick its kernel (as on a
user's machine) and with this machine's ``OPENBLAS_CORETYPE``/``OPENBLAS_L2_SIZE``.

Run: python bench/contention.py [--images 20000] [--steps 20] [--repeat 2]
"""
import argparse
import os
import subprocess
import sys
import time

from bench_env import blas_settings

HERE = os.path.dirname(os.path.abspath(__file__))
BUSY_LOOP = "while True: pass"


def child(workload, images, steps):
    """Runs one workload in this (child) process; prints ``RESULT <seconds>``."""
    sys.path.insert(0, HERE)
    if workload == "deep-mnist":
        import kflow
        import tf1_deep_mnist
        print("RESULT %.4f" % (steps / tf1_deep_mnist.steps_per_second(kflow, steps)))
        return
    import mlp_train
    train, test = mlp_train.load_data()
    train = (train[0][:images], train[1][:images])
    epoch = mlp_train.torch_epoch if workload == "mlp-torch" else mlp_train.kflow_epoch
    print("RESULT %.4f" % epoch(train, test, 100, mlp_train.initial_weights())[0])


def timed(workload, args, env, busy):
    """Seconds of ``workload`` (best of ``args.repeat``), with a busy process beside it when ``busy``."""
    hog = subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) if busy else None
    try:
        if hog is not None:
            time.sleep(1.5)  # let the kernel's load figures see it, as they would a long-running neighbour
        best = None
        for _ in range(args.repeat):
            proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", workload, "--images",
                                   str(args.images), "--steps", str(args.steps)], env=env, capture_output=True,
                                  text=True)
            lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
            if not lines:
                print("  %s failed: %s" % (workload, (proc.stderr.strip().splitlines() or ["?"])[-1]))
                return None
            seconds = float(lines[-1].split()[1])
            best = seconds if best is None else min(best, seconds)
        return best
    finally:
        if hog is not None:
            hog.kill()
            hog.wait()


def torch_installed():
    try:
        import torch  # noqa: F401
        return True
    except ImportError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000, help="MLP training images per epoch")
    parser.add_argument("--steps", type=int, default=20, help="deep-MNIST steps")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.images, args.steps)
        return
    workloads = ["mlp-kflow"] + (["mlp-torch"] if torch_installed() else []) + ["deep-mnist"]
    print("cores: %d; one busy process beside; best of %d" % (os.cpu_count(), args.repeat))
    for label, env in blas_settings():
        print(label)
        for workload in workloads:
            idle = timed(workload, args, env, busy=False)
            busy = timed(workload, args, env, busy=True)
            if idle and busy:
                print("  %-11s idle %7.3f s   busy %7.3f s   slowdown %.2fx" % (workload, idle, busy, busy / idle))


if __name__ == "__main__":
    main()
