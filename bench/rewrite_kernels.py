"""Kernel timings of the plan rewrites (kflow/engine/rewrites.py) against the op-by-op kernels they replace.

Shapes of issue 22's two CNNs: the TF1 deep-MNIST model (batch 50: conv 28x28x32 and 14x14x64 + bias + relu,
2x2 stride-2 SAME pools, fc 1024) and the Keras mnist CNN (batch 128: conv 26x26x32 and 24x24x64, 2x2 VALID
pool, dense 128). Each row: min over repeats of (op-by-op) and (fused) in ms, the two alternated so that load
from other processes hits both alike. The product (GEMM/convolution) itself is the same on both sides and left out.

Run: python bench/rewrite_kernels.py [--repeat 30] [--rounds 3]
"""
import argparse
import time

import numpy as np

from bench_env import in_both_blas_settings


def _min_ms(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best * 1e3


def cases():
    """``[(label, op_by_op, fused), ...]``."""
    from kflow.engine import bias_relu_rewrites as fused
    from kflow.engine import max_pool_relu_grad_rewrite as pool_relu
    from kflow.engine.ops import elementwise, nn_ops, pool_ops
    from kflow.engine.ops.window_geometry import Window
    rng = np.random.RandomState(0)
    out = []
    for label, shape in [("deep-MNIST conv1 [50,28,28,32]", (50, 28, 28, 32)),
                         ("deep-MNIST conv2 [50,14,14,64]", (50, 14, 14, 64)),
                         ("deep-MNIST fc1 [50,1024]", (50, 1024)),
                         ("Keras CNN conv1 [128,26,26,32]", (128, 26, 26, 32)),
                         ("Keras CNN conv2 [128,24,24,64]", (128, 24, 24, 64)),
                         ("Keras CNN dense [128,128]", (128, 128))]:
        x = rng.randn(*shape).astype(np.float32)
        b = rng.randn(shape[-1]).astype(np.float32)
        y = np.maximum(x + b, 0)
        g = rng.randn(*shape).astype(np.float32)
        bias_relu = fused._bias_relu_kernel(lambda v: v.copy(), 1, True)  # the copy stands for the product
        out.append((label + " bias+relu",
                    lambda x=x, b=b: nn_ops._relu(nn_ops._bias_add(x.copy(), b, False)),
                    lambda x=x, b=b, k=bias_relu: k(x, b)))
        out.append((label + " relu grad + bias grad",
                    lambda g=g, y=y, b=b: elementwise._sum_to_shape_of(nn_ops._relu_grad(g, y), b),
                    lambda g=g, y=y: fused.relu_grad_bias_grad(g, y)))
    for label, shape, padding in [("deep-MNIST pool1 [50,28,28,32] SAME", (50, 28, 28, 32), "SAME"),
                                  ("deep-MNIST pool2 [50,14,14,64] SAME", (50, 14, 14, 64), "SAME"),
                                  ("Keras CNN pool [128,24,24,64] VALID", (128, 24, 24, 64), "VALID")]:
        window = Window((2, 2), (2, 2), padding)
        x = np.maximum(rng.randn(*shape), 0).astype(np.float32)  # a relu's output: ties at zero
        y = pool_ops._max_pool_kernel(x, window)
        dy = rng.randn(*y.shape).astype(np.float32)

        def recompute(x=x, dy=dy, window=window):
            pool_ops._max_pool_grad_kernel(x, pool_ops._max_pool_kernel(x, window), dy, window)

        def keep(x=x, dy=dy, window=window):
            _, argmax = pool_ops.max_pool_with_argmax(x, window)
            pool_ops.max_pool_grad_from_argmax(x, argmax, dy, window)

        out.append((label + " forward + gradient", recompute, keep))
        _, argmax = pool_ops.max_pool_with_argmax(x, window)
        out.append((label + " pool+relu+bias grads",  # op by op: as max_pool_argmax + relu_grad_bias_grad
                    lambda x=x, a=argmax, dy=dy, w=window: fused.relu_grad_bias_grad(
                        pool_ops.max_pool_grad_from_argmax(x, a, dy, w), x),
                    lambda x=x, a=argmax, y=y, dy=dy, k=pool_relu._argmax_kernel(window, True): k(x, a, y, dy)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    in_both_blas_settings()
    for label, plain, fused in cases():
        best = [float("inf"), float("inf")]
        for _ in range(args.rounds):
            best[0] = min(best[0], _min_ms(plain, args.repeat))
            best[1] = min(best[1], _min_ms(fused, args.repeat))
        print("%-58s op-by-op %7.3f ms   fused %7.3f ms   (%.2fx)" % (label, best[0], best[1], best[0] / best[1]),
              flush=True)


if __name__ == "__main__":
    main()
