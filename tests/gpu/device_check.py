"""Runs one graph on /cpu:0 and on /gpu:0 and compares values and gradients; checks device residency.

Used with the real CuPy backend and with the numpy-backed fake of fake_device.py (the ``gpu_log`` fixture of
conftest.py runs each device test on both), so the harness itself is exercised on machines without a GPU.

Example:
    >>> with host_outputs(cupy.ndarray) as log:
    ...     compare_devices(lambda a: kf.exp(a), [np.ones(3)])
    >>> assert log.calls and not log.leaks
"""
import contextlib

import numpy as np

import kflow as kf
from kflow.engine import devices, plan

# float32 on a GPU: other summation orders and transcendental implementations (a few ulps)
TOLERANCES = {np.dtype(np.float16): (1e-2, 1e-3), np.dtype(np.float32): (2e-5, 2e-6),
              np.dtype(np.float64): (1e-9, 1e-12)}


class DeviceLog:
    """What ran on the GPU: ``calls`` (GPU kernel calls) and ``leaks`` (``(op name, op type, output index,
    value type)`` for outputs that were not device arrays: a kernel that built its result with host numpy)."""

    def __init__(self):
        self.calls = 0
        self.leaks = []


@contextlib.contextmanager
def host_outputs(device_array_type):
    """Yields a ``DeviceLog`` of the GPU-placed kernels run in the block, checking each output's type."""
    log = DeviceLog()
    original = plan.Plan._kernel

    def kernel(self, op, placed, session):
        k = original(self, op, placed, session)
        if placed[0] != "GPU" or not op.outputs:
            return k
        n = len(op.outputs)

        def checked(*args):
            out = k(*args)
            log.calls += 1
            for i, v in enumerate(out if n > 1 else [out]):
                if v is None and op.type == "Cond":  # a value exported for the gradient by the untaken branch
                    continue
                if op.outputs[i].dtype.name == "variant":  # a While op's recorded history: a Python list
                    continue
                if not isinstance(v, device_array_type):
                    log.leaks.append((op.name, op.type, i, type(v).__name__))
            return out
        return checked

    plan.Plan._kernel = kernel
    try:
        yield log
    finally:
        plan.Plan._kernel = original


@contextlib.contextmanager
def host_only():
    """No GPU backend inside the block: sessions made in it run everything on the CPU (for code that makes its
    own session, such as a Keras fit after ``K.clear_session()``, where no ``kf.device`` scope is wanted)."""
    devices._gpu_override.append(None)
    try:
        yield
    finally:
        devices._gpu_override.pop()


def assert_ran_on_device(log):
    """Something ran on the GPU, and every GPU kernel's outputs were device arrays."""
    assert log.calls > 0, "nothing ran on the GPU"
    assert not log.leaks, "GPU ops returned host arrays: %s" % log.leaks


def _weights(out):
    """A fixed, non-constant cotangent shaped like ``out``, built in the graph (so it works for dynamic shapes)."""
    ramp = kf.cast(kf.range(kf.size(out)), out.dtype) * kf.constant(0.7, out.dtype)
    return kf.reshape(kf.cos(ramp), kf.shape(out))


def run_on(device, fn, inputs, gradients=True):
    """Values of ``fn(*placeholders)`` (and, with ``gradients``, of d sum(w * out) / d float inputs) on ``device``."""
    g = kf.Graph()
    g.seed = 1  # random ops and initializers draw the same values on both devices
    with g.as_default(), kf.device(device):
        phs = [kf.placeholder(kf.as_dtype(x.dtype), x.shape, name="in%d" % i) for i, x in enumerate(inputs)]
        outs = fn(*phs)
        outs = list(outs) if isinstance(outs, (list, tuple)) else [outs]
        fetch = list(outs)
        if gradients:
            floats = [o for o in outs if o.dtype.is_floating]
            xs = [p for p, x in zip(phs, inputs) if x.dtype.kind == "f"]
            if floats and xs:
                loss = kf.add_n([kf.reduce_sum(o * _weights(o)) for o in floats])
                fetch += [gr for gr in kf.gradients(loss, xs) if gr is not None]
        init = kf.global_variables_initializer()
    with kf.Session(graph=g) as sess:
        sess.run(init)
        return sess.run(fetch, dict(zip(phs, inputs)))


def assert_same(cpu_values, device_values, what):
    """Same count, dtypes and shapes; values equal within the dtype's tolerance (exact for ints and bools)."""
    assert len(cpu_values) == len(device_values), what
    for i, (c, d) in enumerate(zip(cpu_values, device_values)):
        assert type(d) is np.ndarray or isinstance(d, np.generic), (what, i, type(d))  # fetches come back to host
        c, d = np.asarray(c), np.asarray(d)
        assert c.dtype == d.dtype and c.shape == d.shape, (what, i, c.dtype, c.shape, d.dtype, d.shape)
        rtol, atol = TOLERANCES.get(c.dtype, (0, 0))
        np.testing.assert_allclose(d, c, rtol=rtol, atol=atol, err_msg="%s: result %d" % (what, i))


def compare_devices(fn, inputs, what="", gradients=True):
    """Asserts that ``fn`` gives the same values and gradients on /gpu:0 as on /cpu:0."""
    inputs = [np.asarray(x) for x in inputs]
    cpu = run_on("/cpu:0", fn, inputs, gradients)
    dev = run_on("/gpu:0", fn, inputs, gradients)
    assert_same(cpu, dev, what)
