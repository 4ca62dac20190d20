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

from kflow.engine import devices, dtypes, execution_mode, graph as graph_mod
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops import math_ops
from kflow.engine.ops.params import make_param_op, with_params, constant_value, partial_shape, ints

DEFAULT_GRAPH_SEED = 87654321
_SEED_MASK = (1 << 63) - 1


def op_seeds(graph, op_seed, op):
    """TF1's rule: (graph seed or DEFAULT_GRAPH_SEED, op seed or the op's creation index), or None."""
    if graph.seed is not None:
        return int(graph.seed) & _SEED_MASK, (op._id if op_seed is None else int(op_seed)) & _SEED_MASK
    if op_seed is not None:
        return DEFAULT_GRAPH_SEED, int(op_seed) & _SEED_MASK
    return None


def eager_seed_attrs(op_seed):
    """Seeds of an eager random op: one generator per (graph seed, op seed) continues its stream across calls."""
    graph_seed = graph_mod.get_default_graph().seed
    seeds = None
    if graph_seed is not None or op_seed is not None:
        seeds = (DEFAULT_GRAPH_SEED if graph_seed is None else int(graph_seed) & _SEED_MASK,
                 -1 & _SEED_MASK if op_seed is None else int(op_seed) & _SEED_MASK)
    return {"seeds": seeds, "rng_key": ("eager_rng", seeds, graph_mod.seed_setting())}


def _random_bind(sample, *param_names):
    """``bind(op, session)`` of an op drawing ``sample(rng, *input_arrays, *param_values, **params)``.

    Each session keeps one generator per op; ``param_names`` name the op's keyword parameters in ``op.attrs``.
    """
    def bind(op, session):
        key = op.attrs.get("rng_key", op)  # eager ops share one generator per seed pair (each op runs once)
        rng = session.resources.get(key)
        if rng is None:
            seeds = op.attrs["seeds"]
            rng = session.resources.setdefault(key, np.random.default_rng(list(seeds) if seeds else None))
        to_device = session.placer.backend_for(session.placer.place(op)).to_device
        params = {k: op.attrs[k] for k in param_names}

        def kernel(*args):
            return to_device(sample(rng, *args, **params))
        return with_params(op, kernel)
    return bind


def _random_op(op_def, inputs, params, spec, seed, name, kernel_params=None):
    """An op of the random type ``op_def`` with a per-session, per-op generator seeded by TF1's rule."""
    if execution_mode.mode.eager:
        return make_param_op(op_def, inputs, params, [spec], name, kernel_params=kernel_params,
                             attrs=eager_seed_attrs(seed)).outputs[0]
    op = make_param_op(op_def, inputs, params, [spec], name, kernel_params=kernel_params)
    op.attrs["seeds"] = op_seeds(op.graph, seed, op)  # needs the op's creation index
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


# ---- normal -------------------------------------------------------------------------------------
def _draw_normal(rng, shape, dtype, mean, stddev, truncated):
    gen_dt, np_dt = _host_dtype(dtype)
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


def _sample_normal(rng, shape, dtype, mean, stddev):
    return _draw_normal(rng, shape, dtype, mean, stddev, False)


def _sample_truncated_normal(rng, shape, dtype, mean, stddev):
    return _draw_normal(rng, shape, dtype, mean, stddev, True)


_NORMAL_PARAMS = ("dtype", "mean", "stddev")
RANDOM_STANDARD_NORMAL = OpDef("RandomStandardNormal", bind=_random_bind(_sample_normal, *_NORMAL_PARAMS), grad=None)
TRUNCATED_NORMAL = OpDef("TruncatedNormal", bind=_random_bind(_sample_truncated_normal, *_NORMAL_PARAMS), grad=None)


def _normal(op_def, shape, mean, stddev, dtype, seed, name):
    dtype = _float_dtype(op_def.type, dtype, name)
    dims = _shape_spec(op_def.type, shape, name)
    static = not is_tensor_like(mean) and not is_tensor_like(stddev)
    # Python-number mean/stddev are folded into the kernel; tensors are applied with ops (differentiable)
    m, s = (float(mean), float(stddev)) if static else (0.0, 1.0)
    raw = _random_op(op_def, [], [shape], (dtype, dims), seed, name,
                     kernel_params={"dtype": dtype, "mean": m, "stddev": s})
    return raw if static else _affine(raw, stddev, mean)


def random_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution.

    Example:
        >>> kf.random_normal([2, 3], stddev=0.1, seed=1)
    """
    return _normal(RANDOM_STANDARD_NORMAL, shape, mean, stddev, dtype, seed, name or "random_normal")


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=dtypes.float32, seed=None, name=None):
    """Samples from a normal distribution, redrawing values more than 2 stddevs from the mean.

    Example:
        >>> kf.truncated_normal([784, 10], stddev=0.1)
    """
    return _normal(TRUNCATED_NORMAL, shape, mean, stddev, dtype, seed, name or "truncated_normal")


# ---- uniform ------------------------------------------------------------------------------------
def _sample_uniform_int(rng, shape, lo, hi, dtype):
    lo, hi = devices.to_numpy(lo).item(), devices.to_numpy(hi).item()
    if lo >= hi:
        raise ValueError("random_uniform: need minval < maxval, got minval=%d, maxval=%d" % (lo, hi))
    return rng.integers(lo, hi, size=ints(shape), dtype=dtype.as_numpy_dtype)


def _sample_uniform(rng, shape, lo, hi, dtype):
    gen_dt, np_dt = _host_dtype(dtype)
    u = rng.random(ints(shape), dtype=gen_dt)
    if hi != 1.0 or lo != 0.0:
        u *= hi - lo
        u += lo
    return u.astype(np_dt, copy=False)


RANDOM_UNIFORM = OpDef("RandomUniform", bind=_random_bind(_sample_uniform, "dtype"), grad=None)
RANDOM_UNIFORM_INT = OpDef("RandomUniformInt", bind=_random_bind(_sample_uniform_int, "dtype"), grad=None)


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
        return _random_op(RANDOM_UNIFORM_INT, [], [shape, minval, maxval], (dtype, dims), seed, name,
                          kernel_params={"dtype": dtype})
    maxval = 1.0 if maxval is None else maxval
    static = not is_tensor_like(minval) and not is_tensor_like(maxval)
    bounds = [float(minval), float(maxval)] if static else [0.0, 1.0]
    raw = _random_op(RANDOM_UNIFORM, [], [shape] + bounds, (dtype, dims), seed, name, kernel_params={"dtype": dtype})
    if static:
        return raw
    return math_ops.add(math_ops.multiply(raw, math_ops.subtract(maxval, minval)), minval)


# ---- shuffle, multinomial -----------------------------------------------------------------------
def _sample_shuffle(rng, x):
    if np.ndim(x) == 0:
        return x
    perm = rng.permutation(x.shape[0])
    return x[devices.array_module(x).asarray(perm)]


RANDOM_SHUFFLE = OpDef("RandomShuffle", bind=_random_bind(_sample_shuffle), grad=None)


def random_shuffle(value, seed=None, name=None):
    """``value`` with its first dimension randomly permuted.

    Example:
        >>> kf.random_shuffle(kf.range(5))
    """
    x = convert_to_tensor(value)
    return _random_op(RANDOM_SHUFFLE, [x], [], (x.dtype, x.shape), seed, name or "RandomShuffle")


def _sample_multinomial(rng, logits, num_samples, output_dtype):
    lg = devices.to_numpy(logits).astype(np.float64)
    n = int(devices.to_numpy(num_samples).item())
    # Gumbel-max: argmax(logits + Gumbel noise) is a draw from softmax(logits)
    u = rng.random((lg.shape[0], n, lg.shape[1]))
    gumbel = -np.log(-np.log(np.maximum(u, np.finfo(np.float64).tiny)))
    return np.argmax(lg[:, None, :] + gumbel, axis=-1).astype(output_dtype.as_numpy_dtype)


MULTINOMIAL = OpDef("Multinomial", bind=_random_bind(_sample_multinomial, "output_dtype"), grad=None)


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
    return _random_op(MULTINOMIAL, [lg], [num_samples], (out_dt, [batch, n]), seed, name or "multinomial",
                      kernel_params={"output_dtype": out_dt})


def categorical(logits, num_samples, dtype=None, seed=None, name=None):
    return multinomial(logits, num_samples, seed, name, dtype)
