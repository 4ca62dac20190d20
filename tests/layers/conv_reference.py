"""Naive numpy convolutions and poolings (any number of spatial axes, TF's "same" padding), the references
of the convolution layer tests."""
import itertools

import numpy as np


def _pads(size, k, s, d, padding):
    if padding == "valid":
        return 0, 0
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def _windows(x, kernel, strides, dilation, padding, fill=0.0):
    """Yields (output index, window [k..., C]) over the spatial axes of one example ``x`` [spatial..., C]."""
    pads = [_pads(n, k, s, d, padding) for n, k, s, d in zip(x.shape[:-1], kernel, strides, dilation)]
    xp = np.pad(x, pads + [(0, 0)], constant_values=fill)
    outs = [(n + sum(p) - (k - 1) * d - 1) // s + 1 for n, p, k, s, d in zip(x.shape[:-1], pads, kernel, strides,
                                                                              dilation)]
    for index in itertools.product(*[range(o) for o in outs]):
        key = tuple(slice(i * s, i * s + (k - 1) * d + 1, d) for i, k, s, d in zip(index, kernel, strides, dilation))
        yield index, outs, xp[key]


def conv_reference(x, w, strides, dilation, padding):
    """``x`` [N, spatial..., C], ``w`` [k..., C, F]."""
    results = []
    for example in x:
        out = None
        for index, outs, window in _windows(example, w.shape[:-2], strides, dilation, padding):
            out = np.zeros(outs + [w.shape[-1]]) if out is None else out
            out[index] = np.tensordot(window, w, axes=window.ndim)
        results.append(out)
    return np.stack(results)


def depthwise_reference(x, w, strides, dilation, padding):
    c, m = w.shape[-2:]
    parts = [conv_reference(x[..., i:i + 1], w[..., i:i + 1, :], strides, dilation, padding) for i in range(c)]
    return np.concatenate(parts, axis=-1)  # channel i's m outputs are i * m + (0..m-1)


def pool_reference(x, size, strides, padding, mode):
    results = []
    for example in x:
        out = None
        fill = -np.inf if mode == "max" else np.nan
        for index, outs, window in _windows(example, size, strides, (1,) * len(size), padding, fill):
            out = np.zeros(outs + [x.shape[-1]]) if out is None else out
            flat = window.reshape(-1, x.shape[-1])
            out[index] = flat.max(0) if mode == "max" else np.nanmean(flat, axis=0)
        results.append(out)
    return np.stack(results)
