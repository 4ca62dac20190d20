"""Every op of the op table placed on /gpu:0 gives the /cpu:0 values and gradients, with results kept on the device.

Each test runs twice (the ``gpu_log`` fixture, conftest.py): on "cuda" (CuPy on a real GPU; skipped when cupy or
a GPU is missing) and on "fake" (a numpy-backed stand-in for CuPy, see fake_device.py), which checks on any
machine that kernels compute device results with ``xp`` rather than host numpy and never mix host arrays into
device computations.
"""
import numpy as np
import pytest

from device_check import assert_ran_on_device, compare_devices, run_on
from op_table import DROPOUT, FORWARD, GRADIENT, OPTIMIZERS, train_steps


@pytest.mark.parametrize("case", FORWARD, ids=[c[0] for c in FORWARD])
def test_forward_matches_cpu(gpu_log, case):
    name, fn, inputs = case
    compare_devices(fn, inputs, name, gradients=False)
    assert_ran_on_device(gpu_log)


@pytest.mark.parametrize("case", GRADIENT, ids=[c[0] for c in GRADIENT])
def test_forward_and_gradients_match_cpu(gpu_log, case):
    name, fn, inputs = case
    compare_devices(fn, inputs, name)
    assert_ran_on_device(gpu_log)


SPLIT_ON_CPU = [c for c in GRADIENT if c[0] in ("nn_relu", "bias_add", "xw_plus_b_relu", "conv2d_SAME_s11_d11")]


@pytest.mark.parametrize("case", SPLIT_ON_CPU, ids=[c[0] for c in SPLIT_ON_CPU])
def test_kernels_splitting_the_batch_on_the_cpu_run_whole_on_the_device(gpu_log, threaded, case):
    # ``threaded`` splits even these small CPU batches over threads; device arrays must never take that path
    name, fn, inputs = case
    compare_devices(fn, inputs, name)
    assert_ran_on_device(gpu_log)


@pytest.mark.parametrize("case", DROPOUT, ids=[c[0] for c in DROPOUT])
def test_dropout_shapes_and_mask(gpu_log, case):
    # the device draws from its own generator: compare shapes and the mask's meaning, not values
    name, fn, inputs = case
    x = inputs[0]
    cpu_out, cpu_mask = run_on("/cpu:0", fn, inputs)[:2]
    out, mask, grad = run_on("/gpu:0", fn, inputs)
    assert out.shape == cpu_out.shape and mask.shape == cpu_mask.shape and out.dtype == x.dtype
    scale = np.float32(1.0 / (0.6 if name == "dropout" else 0.5))
    assert set(np.unique(mask)) <= {0.0, scale} and 0.0 in mask and scale in mask
    np.testing.assert_allclose(out, x * mask, rtol=1e-6)
    np.testing.assert_allclose(grad, np.cos(0.7 * np.arange(x.size, dtype=np.float32)).reshape(x.shape) * mask,
                               rtol=1e-5, atol=1e-6)  # the gradient reuses the forward's mask
    assert_ran_on_device(gpu_log)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_steps_match_cpu(gpu_log, name):
    cpu = train_steps("/cpu:0", OPTIMIZERS[name])
    dev = train_steps("/gpu:0", OPTIMIZERS[name])
    for c, d in zip(cpu, dev):
        np.testing.assert_allclose(d, c, rtol=1e-5, atol=1e-6)
    assert_ran_on_device(gpu_log)
