"""Data-parallel scaling over MPI: epoch time at 1 and 2 processes, and allreduce bandwidth vs raw mpi4py.

For the MLP of recipes/mnist_mlp.py and the CNN of recipes/mnist_cnn.py, ``model.fit`` runs under
``mpiexec -n P`` (P = 1, 2; one BLAS thread per process) with a DistributedOptimizer at a per-rank batch
of --batch (global batch P x --batch), each rank training on its 1/P of the same images (Fashion-MNIST
from $KFLOW_DATA_DIR when present, else random images). It prints the median epoch time over --epochs
epochs (the first, which builds and compiles, excluded), the speedup T1 / TP and the scaling efficiency
T1 / (P x TP). Then, on P ranks, the time of a sum-allreduce of a 10 MB float32 buffer through a kflow
graph op (one ``Session.run`` of ``kd.allreduce``) against mpi4py's own ``Allreduce`` of the same buffer
(median of --rounds, each after a barrier), and their bandwidth. Goal: kflow within 1.1x of mpi4py.
The machine's load is printed first: other processes make every number unreliable.

Run: python bench/distributed.py [--epochs 4] [--samples 12000] [--batch 64] [--procs 2] [--rounds 30]
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _worker(args):
    sys.path.insert(0, os.path.join(ROOT, "recipes"))
    import numpy as np

    import kflow as kf
    import kflow.distribute as kd
    kd.init()
    if args.worker == "allreduce":
        return _allreduce_worker(args, np, kf, kd)
    from common import Distribution
    import mnist_cnn
    import mnist_mlp
    try:
        (x, y), _ = kf.keras.datasets.fashion_mnist.load_data()
    except Exception:  # no data: the timing does not depend on the pixel values
        rng = np.random.RandomState(0)
        x, y = rng.randint(0, 256, (args.samples, 28, 28)).astype(np.uint8), rng.randint(0, 10, args.samples)
    samples = args.samples if args.worker == "mlp" else args.samples // 4
    x, y = x[:samples].astype(np.float32) / 255.0, y[:samples].astype(np.int64)
    x = x.reshape(-1, 784) if args.worker == "mlp" else x[..., None]
    kf.set_random_seed(0)
    dist = Distribution(True)
    model = (mnist_mlp if args.worker == "mlp" else mnist_cnn).build_model(dist)
    history = model.fit(x, y, batch_size=args.batch, epochs=args.epochs, shuffle=True, verbose=0,
                        callbacks=dist.callbacks())
    seconds = [t["seconds"] for t in history.epoch_timings]
    if kd.rank() == 0:
        print(json.dumps({"epoch_seconds": seconds, "samples": samples}))


def _allreduce_worker(args, np, kf, kd):
    from mpi4py import MPI
    comm = MPI.COMM_WORLD
    n = 10 * 1024 * 1024 // 4  # 10 MB of float32
    buf = np.ones(n, np.float32)
    out = np.empty_like(buf)
    x = kf.constant(buf)
    step = kf.group(kd.allreduce(x, average=False))
    results = {"kflow": [], "mpi4py": []}
    with kf.Session() as sess:
        sess.run(step)  # compile the plan
        for _ in range(args.rounds):
            for name in ("kflow", "mpi4py"):
                comm.Barrier()
                t0 = time.perf_counter()
                if name == "kflow":
                    sess.run(step)
                else:
                    comm.Allreduce(buf, out, op=MPI.SUM)
                results[name].append(time.perf_counter() - t0)
    if kd.rank() == 0:
        print(json.dumps(results))


def _launch(procs, worker, args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    launcher = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    cmd = [launcher if os.path.exists(launcher) else "mpiexec", "-n", str(procs), sys.executable,
           os.path.abspath(__file__), "--worker", worker, "--epochs", str(args.epochs), "--samples",
           str(args.samples), "--batch", str(args.batch), "--rounds", str(args.rounds)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit("%s failed:\n%s\n%s" % (" ".join(cmd), proc.stdout, proc.stderr))
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else 0.5 * (values[len(values) // 2 - 1]
                                                                     + values[len(values) // 2])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--samples", type=int, default=12000, help="MLP images (the CNN uses a quarter)")
    parser.add_argument("--batch", type=int, default=64, help="per-rank batch size")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--models", default="mlp,cnn")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return _worker(args)
    print("load average: %.2f %.2f %.2f on %d cores" % (os.getloadavg() + (os.cpu_count(),)))
    for model in args.models.split(","):
        times = {}
        for procs in (1, args.procs):
            run = _launch(procs, model, args)
            times[procs] = _median(run["epoch_seconds"][1:] or run["epoch_seconds"])
        speedup = times[1] / times[args.procs]
        print("%s (%d images, per-rank batch %d): epoch %.2f s at 1 process, %.2f s at %d: speedup %.2fx, "
              "scaling efficiency %.0f%%" % (model.upper(), run["samples"], args.batch, times[1],
                                             times[args.procs], args.procs, speedup, 100 * speedup / args.procs))
    ar = _launch(args.procs, "allreduce", args)
    k, m = _median(ar["kflow"]), _median(ar["mpi4py"])
    mb = 10.0
    print("allreduce of 10 MB on %d ranks: kflow %.2f ms (%.0f MB/s), mpi4py %.2f ms (%.0f MB/s): kflow / mpi4py "
          "= %.2fx (goal <= 1.10x)" % (args.procs, 1e3 * k, mb / k, 1e3 * m, mb / m, k / m))


if __name__ == "__main__":
    main()
