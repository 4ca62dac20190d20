"""GPU training throughput: kflow on /gpu:0 (CuPy) vs PyTorch on the same GPU (CUDA), same process.

Models: the MNIST MLP of bench/mlp_train.py (784-500-100-10, relu, dropout 0.1, Adam 1e-3; one epoch of
Fashion-MNIST at each ``--batch``) and the Keras CNN of bench/cnn_train.py (conv32-conv64-maxpool-dropout-
dense128-dropout-dense10, Adam 1e-3, ``--cnn-steps`` steps at batch 128). Same weights and batch order for both
frameworks; both copy each batch from host memory per step (kflow's feed_dict, torch's ``.to("cuda")``).
Prints the device name, steps/s for each, and the ratios kflow/torch (goal: >= 1 means kflow is as fast).
Without cupy or a visible GPU it prints why it is skipping and exits 0.

Run: python bench/gpu_train.py [--batch 100 32] [--cnn-steps 200] [--repeat 2] [--only mlp cnn]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the CPU benchmarks beside this file


def gpu_missing_reason():
    """Why the GPU benchmark cannot run here, or None."""
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "cupy is not installed (pip install -e '.[gpu]', or the cupy-cudaXXx wheel matching your CUDA)"
    from kflow.engine import devices

    if not devices.cupy_available():
        return "cupy is installed but no CUDA device is visible"
    return None


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def _best(run, repeat):
    """The fastest of ``repeat`` runs of ``run() -> (rate, extra)`` (the GPU may be shared)."""
    return max((run() for _ in range(max(1, repeat))), key=lambda r: r[0])


def bench_mlp(batches, repeat, with_torch):
    import mlp_train

    train, test = mlp_train.load_data()
    weights = mlp_train.initial_weights()
    steps = {b: len(train[0]) // b for b in batches}
    for batch in batches:
        results = {"kflow": _best(lambda: _steps_per_s(mlp_train.kflow_epoch(train, test, batch, weights),
                                                       steps[batch]), repeat)}
        if with_torch:
            results["torch"] = _best(lambda: _steps_per_s(
                mlp_train.torch_epoch(train, test, batch, weights, device="cuda"), steps[batch]), repeat)
        _report("mlp batch %d" % batch, results, "test accuracy")


def _steps_per_s(epoch_result, steps):
    seconds, accuracy = epoch_result
    return steps / seconds, accuracy


def bench_cnn(steps, repeat, with_torch):
    import cnn_train

    batch = 128
    x, y = cnn_train.load_images((steps + cnn_train.WARMUP) * batch)
    weights = cnn_train.initial_weights()
    to_steps = lambda r: (r[0] / batch, r[1])  # noqa: E731 - images/s -> steps/s
    results = {"kflow": _best(lambda: to_steps(cnn_train.kflow_run(x, y, batch, steps, weights)), repeat)}
    if with_torch:
        results["torch"] = _best(lambda: to_steps(cnn_train.torch_run(x, y, batch, steps, weights, device="cuda")),
                                 repeat)
    _report("cnn batch %d" % batch, results, "last loss")


def _report(label, results, extra):
    for name, (rate, value) in results.items():
        print("%-14s %-6s %9.1f steps/s   %s %.4f" % (label, name, rate, extra, value))
    if len(results) == 2:
        print("%-14s kflow/torch steps/s = %.2f" % (label, results["kflow"][0] / results["torch"][0]))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, nargs="+", default=[100, 32], help="MLP batch sizes")
    parser.add_argument("--cnn-steps", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1, help="runs per implementation; the fastest is kept")
    parser.add_argument("--only", choices=["mlp", "cnn"], nargs="+", default=["mlp", "cnn"])
    args = parser.parse_args(argv)
    reason = gpu_missing_reason()
    if reason is not None:
        print("bench/gpu_train.py skipped: %s." % reason)
        return 0
    import cupy

    props = cupy.cuda.runtime.getDeviceProperties(0)
    name = props["name"].decode() if isinstance(props["name"], bytes) else props["name"]
    with_torch = _torch_cuda()
    print("device: %s (cupy %s)%s" % (name, cupy.__version__,
                                      "" if with_torch else "; PyTorch without CUDA: kflow only"))
    if "mlp" in args.only:
        bench_mlp(args.batch, args.repeat, with_torch)
    if "cnn" in args.only:
        bench_cnn(args.cnn_steps, args.repeat, with_torch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
