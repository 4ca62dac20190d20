"""Random tensors: random_normal, random_uniform, truncated_normal, random_shuffle, multinomial.

Seeds follow TF1: with a graph-level seed (``kf.set_random_seed``) or an op-level ``seed=``, every session
over the graph draws the same sequence; with neither, each session draws fresh values. Each session keeps
its own generator per op (in ``session.resources``), so repeated runs in one session give new values.

Example:
    >>> kf.set_random_seed(42)
    >>> w = kf.random_normal([784, 10], stddev=0.01)
    >>> drop = kf.random_uniform(kf.shape(x)) < keep_prob
"""
import numpy as np

from kflow.engine import backend, dtypes
from kflow.engine.operation import not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops import math_ops
from kflow.engine.ops.params import make_param_op, constant_value, partial_shape, ints

DEFAULT_GRAPH_SEED = 87654321
_SEED_MASK = (1 << 63) - 1


def _seeds(graph, op_seed, op):
    """TF1's rule: (graph seed or DEFAULT_GRAPH_SEED, op seed or the op's creation index), or None."""
    if graph.seed is not None:
        return int(graph.seed) & _SEED_MASK, (op._id if op_seed is None else int(op_seed)) & _SEED_MASK
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed) & _SEED_MASK
    return None


def _random_op(op_type, inputs, params, sample, spec, seed, name, attrs=None):
    """An op drawing ``sample(rng, *input_arrays, *param_values)`` with a per-session, per-op generator."""
    def bind(session):
        rng = session.resources.get(op)
        if rng is None:
            seeds = op.attrs["seeds"]
            rng = session.resources.setdefault(op, np.random.default_rng(list(seeds) if seeds else None))
        to_device = session.placer.backend_for(session.placer.place(op)).to_device

        def kernel(*args):
            return to_device(sample(rng, *args))
        return kernel

    op = make_param_op(op_type, inputs, params, None, [spec], name, attrs=attrs, bind=bind)
    op.attrs["seeds"] = _seeds(op.graph, seed, op)
    return op.outputs[0]


def _shape_spec(op_type, shape, name):
    dims = partial_shape(shape)
    if dims is not None and any(d is not None and d < 0 for d in dims):
        raise build_error(op_type, name, [], "%s: shape must be non-negative, got %s" % (op_type, dims))
    return dims


def _float_dtype(op_type, dtype, name):
    dtype = dtypes.as_dtype(dtype)
    if not dtype.is_floating:
        raise build_error(op_type, name, [], "%s: dtype must be floating point, got %s" % (op_type, dtype.name),
                          TypeError)
    return dtype


def _host_dtype(dtype):
    """numpy's generators make float32/float64 only; float16 is drawn in float32 and cast."""
    np_dt = np.dtype(dtype.as_numpy_dtype)
    return np_dt if np_dt in (np.float32, np.float64) else np.dtype(np.float32), np_dt


def _affine(raw, scale, offset):
    """``raw * scale + offset`` built with ops (tensor ``scale``/``offset`` get gradients)."""
    out = raw if not is_tensor_like(scale) and float(scale) == 1.0 else math_ops.multiply(raw, scale)
    return out if not is_tensor_like(offset) and float(offset) == 0.0 else math_ops.add(out, offset)


def _normal_sampler(dtype, mean, stddev, truncated):
    gen_dt, np_dt = _host_dtype(dtype)

    def sample(rng, shape):
        z = rng.standard_normal(ints(shape), dtype=gen_dt)
        if truncated:  # redraw values more than 2 standard deviations out, as TF does
            bad = np.abs(z) > 2.0
            while bad.any():
                z[bad] = rng.standard_normal(int(bad.sum()), dtype=gen_dt)
                bad = np.abs(z) > 2.0
        if stddev != 1.0:
            z *= stddev
        if mean != 0.0:
            z += mean
        return z.astype(np_dt, copy=False)
    return sample


def _normal(op_type, shape, mean, stddev, dtype, seed, name, truncated):
    dtype = _float_dtype(op_type, dtype, name)
    dims = _shape_spec(op_type, shape, name)
    static = not is_tensor_like(mean) and not is_tensor_like(stddev)
    # Python-number mean/stddev are folded into the kernel; tensors are applied with ops (differentiable)
    m, s = (float(mean), float(stddev)) if static else (0.0, 1.0)
    raw = _random_op(op_type, [], [shape], _normal_sampler(dtype, m, s, truncated), (dtype, dims), seed, name)
    return raw if static else _affine(raw, stddev, mean)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution.

    Example:
        >>> kf.random_normal([2, 3], stddev=0.1, seed=1)
    """
    return _normal("RandomStandardNormal", shape, mean, stddev, dtype, seed, name or "random_normal", False)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution, redrawing values more than 2 stddevs from the mean.

    Example:
        >>> kf.truncated_normal([784, 10], stddev=0.1)
    """
    return _normal("TruncatedNormal", shape, mean, stddev, dtype, seed, name or "truncated_normal", True)


def _uniform_sampler(dtype):
    if dtype.is_integer:
        np_dt = dtype.as_numpy_dtype

        def sample_int(rng, shape, lo, hi):
            lo, hi = backend.to_numpy(lo).item(), backend.to_numpy(hi).item()
            if lo >= hi:
                raise ValueError("random_uniform: need minval < maxval, got minval=%d, maxval=%d" % (lo, hi))
            return rng.integers(lo, hi, size=ints(shape), dtype=np_dt)
        return sample_int
    gen_dt, np_dt = _host_dtype(dtype)

    def sample(rng, shape, lo, hi):
        u = rng.random(ints(shape), dtype=gen_dt)
        if hi != 1.0 or lo != 0.0:
            u *= hi - lo
            u += lo
        return u.astype(np_dt, copy=False)
    return sample


def random_uniform(shape, minval=0, maxval=None, dtype=dtypes.float32, seed=None, name=None):
    """Samples uniformly from ``[minval, maxval)`` (``maxval`` defaults to 1 for floats; required for ints).

    Example:
        >>> kf.random_uniform([3], 0, 10, dtype=kf.int32, seed=7)
    """
    dtype = dtypes.as_dtype(dtype)
    name = name or "random_uniform"
    if not (dtype.is_floating or dtype in (dtypes.int32, dtypes.int64)):
        raise build_error("RandomUniform", name, [], "random_uniform: dtype must be floating, int32 or int64, "
                          "got %s" % dtype.name, TypeError)
    dims = _shape_spec("RandomUniform", shape, name)
    if dtype.is_integer:
        if maxval is None:
            raise build_error("RandomUniformInt", name, [], "random_uniform: must specify maxval for integer "
                              "dtype %s" % dtype.name)
        lo, hi = constant_value(minval), constant_value(maxval)
        if lo is not None and hi is not None and lo.item() >= hi.item():
            raise build_error("RandomUniformInt", name, [], "random_uniform: need minval < maxval, got %s and %s"
                              % (lo.item(), hi.item()))
        return _random_op("RandomUniformInt", [], [shape, minval, maxval], _uniform_sampler(dtype), (dtype, dims),
                          seed, name)
    maxval = 1.0 if maxval is None else maxval
    static = not is_tensor_like(minval) and not is_tensor_like(maxval)
    bounds = [float(minval), float(maxval)] if static else [0.0, 1.0]
    raw = _random_op("RandomUniform", [], [shape] + bounds, _uniform_sampler(dtype), (dtype, dims), seed, name)
    if static:
        return raw
    return math_ops.add(math_ops.multiply(raw, math_ops.subtract(maxval, minval)), minval)


def _shuffle(rng, x):
    if np.ndim(x) == 0:
        return x
    perm = rng.permutation(x.shape[0])
    return x[backend.array_module(x).asarray(perm)]


def random_shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted.

    Example:
        >>> kf.random_shuffle(kf.range(5))
    """
    x = convert_to_tensor(value)
    return _random_op("RandomShuffle", [x], [], _shuffle, (x.dtype, x.shape), seed, name or "RandomShuffle")


def _multinomial_sampler(np_dt):
    def sample(rng, logits, num_samples):
        lg = backend.to_numpy(logits).astype(np.float64)
        n = int(backend.to_numpy(num_samples).item())
        # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits)
        u = rng.random((lg.shape[0], n, lg.shape[1]))
        gumbel = -np.log(-np.log(np.maximum(u, np.finfo(np.float64).tiny)))
        return np.argmax(lg[:, None, :] + gumbel, axis=-1).astype(np_dt)
    return sample


def multinomial(logits, num_samples, seed=None, name=None, output_dtype=None):
    """Draws ``num_samples`` class indices per row of the unnormalized log-probabilities ``logits``.

    Returns:
        ``[batch_size, num_samples]`` int64 (or ``output_dtype``) indices.

    Example:
        >>> kf.multinomial(kf.log([[0.5, 0.5]]), 10)
    """
    lg = convert_to_tensor(logits)
    out_dt = dtypes.as_dtype(output_dtype or dtypes.int64)
    if lg.shape.ndims not in (None, 2) or not lg.dtype.is_floating:
        raise build_error("Multinomial", name, [lg], "multinomial: logits must be a 2-D float tensor "
                          "[batch_size, num_classes]")
    batch = None if lg.shape.ndims is None else lg.shape.dims[0]
    n = partial_shape([num_samples])[0]
    return _random_op("Multinomial", [lg], [num_samples], _multinomial_sampler(out_dt.as_numpy_dtype),
                      (out_dt, [batch, n]), seed, name or "multinomial")


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    return multinomial(logits, num_samples, seed, name, dtype)


not_differentiable("RandomStandardNormal", "TruncatedNormal", "RandomUniform", "RandomUniformInt",
                   "RandomShuffle", "Multinomial")
