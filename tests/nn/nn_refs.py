"""Slow, obviously correct numpy references (loops over pixels) for the nn op tests."""
import numpy as np


def same_pads(size, k, s, d=1):
    eff = (k - 1) * d + 1
    out = -(-size // s)
    total = max((out - 1) * s + eff - size, 0)
    return out, total // 2


def out_and_pad(size, k, s, padding, d=1):
    if padding == "SAME":
        return same_pads(size, k, s, d)
    return (size - ((k - 1) * d + 1)) // s + 1, 0


def conv2d(x, w, strides, padding, dilations=(1, 1)):
    n, h, wd, c = x.shape
    kh, kw, _, oc = w.shape
    oh, pt = out_and_pad(h, kh, strides[0], padding, dilations[0])
    ow, pl = out_and_pad(wd, kw, strides[1], padding, dilations[1])
    out = np.zeros((n, oh, ow, oc))
    for i in range(oh):
        for j in range(ow):
            for a in range(kh):
                for b in range(kw):
                    r = i * strides[0] + a * dilations[0] - pt
                    q = j * strides[1] + b * dilations[1] - pl
                    if 0 <= r < h and 0 <= q < wd:
                        out[:, i, j] += x[:, r, q] @ w[a, b]
    return out


def conv2d_transpose(v, w, out_shape, strides, padding):
    """Scatters each input pixel times the filter into the output (w: [kh, kw, out_c, in_c])."""
    n, oh_full, ow_full, oc = out_shape
    kh, kw = w.shape[:2]
    ih, pt = out_and_pad(oh_full, kh, strides[0], padding)
    iw, pl = out_and_pad(ow_full, kw, strides[1], padding)
    assert v.shape[1:3] == (ih, iw), (v.shape, ih, iw)
    out = np.zeros(out_shape)
    for i in range(ih):
        for j in range(iw):
            for a in range(kh):
                for b in range(kw):
                    r, q = i * strides[0] + a - pt, j * strides[1] + b - pl
                    if 0 <= r < oh_full and 0 <= q < ow_full:
                        out[:, r, q] += v[:, i, j] @ w[a, b].T
    return out


def pool(x, ksize, strides, padding, kind):
    n, h, w, c = x.shape
    oh, pt = out_and_pad(h, ksize[0], strides[0], padding)
    ow, pl = out_and_pad(w, ksize[1], strides[1], padding)
    out = np.zeros((n, oh, ow, c))
    for i in range(oh):
        for j in range(ow):
            r0, c0 = i * strides[0] - pt, j * strides[1] - pl
            win = x[:, max(r0, 0):r0 + ksize[0], max(c0, 0):c0 + ksize[1]]
            out[:, i, j] = win.max(axis=(1, 2)) if kind == "max" else win.mean(axis=(1, 2))
    return out


def softmax(z, axis=-1):
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)
