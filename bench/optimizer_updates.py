"""One optimizer update over a variable: kflow's compiled loop vs its numpy passes vs PyTorch's optimizer step.

For the MLP's 443k weights and the deep-MNIST fc1 kernel (3.2M), float32, one thread, each update rule is timed
as kflow runs it: as one compiled loop (``kflow.train.compiled_updates``, the C extension) and as the numpy
passes it falls back to (``KFLOW_COMPILED_UPDATES=0``; hand-written numpy ufuncs with ``out=``). PyTorch's
``optimizer.step()`` on one parameter of the same size (its default foreach path, and ``fused=True`` where
this PyTorch has a fused CPU kernel) is the outside reference when torch is importable. The arrays live in
memory, not in cache: each size cycles through enough copies to exceed the L3, as in a training step, where
the update reads gradients and slots written long before. Prints microseconds per update and the ratios.
Goal: Adam compiled <= 0.35x its numpy passes (one pass against twelve) and no slower than PyTorch's fused step.

Run: python bench/optimizer_updates.py [--sizes 443000 3211264]
"""
import argparse
import os
import time

from bench_env import in_both_blas_settings

import numpy as np  # noqa: E402

from kflow.keras import keras3_update_rules, update_rules  # noqa: E402
from kflow.train import adam, compiled_updates, gradient_descent, momentum, rmsprop  # noqa: E402

# (label, rule, number of slots, hyperparameters after the gradient, scratch buffers, torch optimizer factory)
RULES = [
    ("SGD", gradient_descent._rule, 0, (0.01,), 1, lambda torch, p, **kw: torch.optim.SGD([p], lr=0.01, **kw)),
    ("Momentum", momentum._rule, 1, (0.01, 0.9), 1,
     lambda torch, p, **kw: torch.optim.SGD([p], lr=0.01, momentum=0.9, **kw)),
    ("Adam", adam._rule, 2, (1e-3, 0.9, 0.999, 0.9, 0.999, 1e-8), 1,
     lambda torch, p, **kw: torch.optim.Adam([p], lr=1e-3, **kw)),
    ("RMSProp", rmsprop._rule, 2, (1e-3, 0.9, 0.0, 1e-10), 1, None),
    ("Keras RMSprop", update_rules.KerasRMSprop._rule, 1, (1e-3, 0.9, 1e-7), 1,
     lambda torch, p, **kw: torch.optim.RMSprop([p], lr=1e-3, alpha=0.9, eps=1e-7, **kw)),
    ("Keras AdamW", update_rules.KerasAdamW._rule, 2, (1e-3, 4e-6, 0.9, 0.999, 1e-7), 1,
     lambda torch, p, **kw: torch.optim.AdamW([p], lr=1e-3, **kw)),
    ("Keras Nadam", update_rules.KerasNadam._rule, 2, (1e-3, 0.96, 0.05, 1.001, 0.9, 0.999, 1e-7), 2,
     lambda torch, p, **kw: torch.optim.NAdam([p], lr=1e-3, **kw)),
    ("Keras Lion", keras3_update_rules.KerasLion._rule, 1, (1e-4, 0.9, 0.99), 1, None),
]
L3_BYTES = 64 << 20  # more than this machine's L3: cycling through this much keeps the arrays out of cache


def best_of(fn, calls, repeat=5):
    """Best microseconds per call of ``fn(i)`` over ``repeat`` rounds of ``calls`` calls."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for i in range(calls):
            fn(i)
        best = min(best, (time.perf_counter() - t0) / calls)
    return best * 1e6


def kflow_update(rule, n_slots, hypers, scratch, size, compiled):
    """``fn(i)`` running ``rule`` on the i-th of several copies of the arrays (compiled loops on or off)."""
    rng = np.random.RandomState(0)
    copies = max(2, L3_BYTES // (size * 4 * (n_slots + 2)))
    sets = [[rng.standard_normal(size).astype(np.float32)] +
            [np.abs(rng.standard_normal(size)).astype(np.float32) for _ in range(n_slots)] +
            [rng.standard_normal(size).astype(np.float32)] for _ in range(copies)]
    buffers = [np.empty(size, np.float32) for _ in range(scratch)]
    switch = "1" if compiled else "0"

    def run(i):
        os.environ[compiled_updates.ENV_VAR] = switch
        rule(*sets[i % copies], *hypers, *buffers)
    return run


def torch_update(torch, factory, size, **kw):
    """``fn(i)`` running ``optimizer.step()`` of the i-th of several one-parameter optimizers."""
    copies = max(2, L3_BYTES // (size * 4 * 4))
    steps = []
    for _ in range(copies):
        p = torch.nn.Parameter(torch.randn(size))
        p.grad = torch.randn(size)
        opt = factory(torch, p, **kw)
        opt.step()  # creates the state
        steps.append(opt.step)
    return lambda i: steps[i % copies]()


def main():
    in_both_blas_settings()
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[443_000, 3_211_264])
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    print("compiled loops: %s" % ("built" if compiled_updates.kernels else "NOT BUILT (numpy passes both times)"))
    for size in args.sizes:
        calls = max(20, 20_000_000 // size)
        print("float32, %d elements, one thread, microseconds per update" % size)
        for label, rule, n_slots, hypers, scratch, factory in RULES:
            compiled = best_of(kflow_update(rule, n_slots, hypers, scratch, size, True), calls)
            passes = best_of(kflow_update(rule, n_slots, hypers, scratch, size, False), calls)
            line = "  %-14s compiled %8.0f   numpy passes %8.0f   compiled/numpy %.2f" % (label, compiled, passes,
                                                                                         compiled / passes)
            if torch is not None and factory is not None:
                reference = best_of(torch_update(torch, factory, size), calls)
                line += "   torch %8.0f   compiled/torch %.2f" % (reference, compiled / reference)
                try:
                    fused = best_of(torch_update(torch, factory, size, fused=True), calls)
                    line += "   torch fused %8.0f" % fused
                except (RuntimeError, TypeError, ValueError):
                    pass  # no fused CPU kernel for this optimizer in this PyTorch
            print(line, flush=True)
    os.environ.pop(compiled_updates.ENV_VAR, None)


if __name__ == "__main__":
    main()
