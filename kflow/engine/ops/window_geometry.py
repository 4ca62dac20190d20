"""Sliding-window geometry shared by convolutions and pooling (NHWC): sizes, padding, index ranges.

A :class:`Window` holds the kernel size, strides, dilations and padding ("SAME", "VALID" or explicit
pairs) of a 2-D window op. It computes output sizes and pads as TF does, and, for each kernel position,
the output range whose inputs fall inside the (unpadded) input, so kernels can loop over kernel
positions only (never over pixels) and never build padded copies for the backward pass.

Example:
    >>> win = Window((3, 3), (2, 2), "SAME")
    >>> win.plan(28, 28)          # (out_h, out_w, (pad_top, pad_bottom), (pad_left, pad_right))
    (14, 14, (0, 1), (0, 1))
    >>> win.axis_ranges(0, 28, 14)[2]   # kernel row 2: output rows 0..12 read input rows 2, 4, .., 26
    (slice(0, 13, None), slice(2, 27, 2))
"""


def four_tuple(value, name, data_format="NHWC"):
    """``strides``/``ksize``/``dilations`` as (height, width): an int, [h, w], or the 4-vector of TF1.

    Raises:
        ValueError: when the batch or channel entry of a 4-vector is not 1.
    """
    if isinstance(value, int):
        return value, value
    vals = [int(v) for v in value]
    if len(vals) == 1:
        return vals[0], vals[0]
    if len(vals) == 2:
        return vals[0], vals[1]
    if len(vals) != 4:
        raise ValueError("%s must be an int or a list of 1, 2 or 4 ints, got %r" % (name, value))
    hw = (1, 2) if data_format == "NHWC" else (2, 3)
    others = [vals[i] for i in range(4) if i not in hw]
    if others != [1, 1]:
        raise ValueError("%s %s: windows/strides in the batch and depth dimensions are not supported (they must "
                         "be 1 for data_format %s)" % (name, vals, data_format))
    return vals[hw[0]], vals[hw[1]]


def normalize_padding(padding, data_format="NHWC"):
    """"SAME", "VALID", or explicit ``[[0, 0], [top, bottom], [left, right], [0, 0]]`` -> ("EXPLICIT", pads)."""
    if isinstance(padding, bytes):
        padding = padding.decode()
    if isinstance(padding, str):
        p = padding.upper()
        if p not in ("SAME", "VALID"):
            raise ValueError("padding must be 'SAME' or 'VALID' (or explicit pairs), got %r" % (padding,))
        return p
    pairs = [tuple(int(v) for v in pair) for pair in padding]
    if len(pairs) == 2:
        return ("EXPLICIT", pairs[0], pairs[1])
    hw = (1, 2) if data_format == "NHWC" else (2, 3)
    if len(pairs) != 4 or any(pairs[i] != (0, 0) for i in range(4) if i not in hw) or \
            any(v < 0 for pair in pairs for v in pair):
        raise ValueError("explicit padding must be 4 non-negative [before, after] pairs with zeros for the batch "
                         "and depth dimensions, got %r" % (padding,))
    return ("EXPLICIT", pairs[hw[0]], pairs[hw[1]])


class Window:
    """A 2-D sliding window: kernel ``ksize`` (h, w), ``strides``, ``dilations`` and ``padding``."""

    def __init__(self, ksize, strides, padding, dilations=(1, 1)):
        self.ksize = tuple(ksize)
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.padding = padding
        if min(self.ksize) < 1 or min(self.strides) < 1 or min(self.dilations) < 1:
            raise ValueError("window sizes, strides and dilations must be >= 1, got ksize=%s strides=%s "
                             "dilations=%s" % (self.ksize, self.strides, self.dilations))

    def out_size(self, size, axis):
        """Output length along ``axis`` (0: height, 1: width) for input length ``size`` (None stays None)."""
        if size is None:
            return None
        return self._axis(size, axis)[0]

    def _axis(self, size, axis):
        k, s, d = self.ksize[axis], self.strides[axis], self.dilations[axis]
        eff = (k - 1) * d + 1
        if self.padding == "SAME":
            out = -(-size // s)
            total = max((out - 1) * s + eff - size, 0)
            return out, (total // 2, total - total // 2)
        pads = (0, 0) if self.padding == "VALID" else self.padding[1 + axis]
        span = size + pads[0] + pads[1] - eff
        return (span // s + 1 if span >= 0 else 0), pads

    def plan(self, height, width):
        """``(out_h, out_w, (pad_top, pad_bottom), (pad_left, pad_right))`` for an input of that size."""
        oh, ph = self._axis(height, 0)
        ow, pw = self._axis(width, 1)
        return oh, ow, ph, pw

    def axis_ranges(self, axis, size, out):
        """For each kernel index along ``axis``: (output slice, input slice) of the taps inside the input.

        Kernel indices whose taps all fall into the padding are left out.
        """
        k, s, d = self.ksize[axis], self.strides[axis], self.dilations[axis]
        before = self._axis(size, axis)[1][0]
        ranges = []
        for i in range(k):
            off = i * d - before  # input index read by output 0; output o reads off + o * s
            lo = -(off // s) if off < 0 else 0  # first o with off + o * s >= 0 (ceil(-off / s))
            hi = min(out, (size - 1 - off) // s + 1) if size - 1 - off >= 0 else 0
            if lo < hi:
                ranges.append((slice(lo, hi), slice(off + lo * s, off + (hi - 1) * s + 1, s)))
            else:
                ranges.append(None)
        return ranges

    def taps(self, height, width, out_h, out_w):
        """``(kernel_row, kernel_col, out_rows, in_rows, out_cols, in_cols)`` for each kernel position that
        touches the input; output rows/cols are slices of the output, in rows/cols the matching input slices."""
        rows = self.axis_ranges(0, height, out_h)
        cols = self.axis_ranges(1, width, out_w)
        return [(i, j, r[0], r[1], c[0], c[1]) for i, r in enumerate(rows) if r is not None
                for j, c in enumerate(cols) if c is not None]

    def __repr__(self):
        return "Window(ksize=%s, strides=%s, padding=%r, dilations=%s)" % (
            self.ksize, self.strides, self.padding, self.dilations)
