"""Argument normalization and output-size arithmetic shared by the convolution and pooling layers.

Example:
    >>> normalize_tuple(3, 2, "kernel_size")
    (3, 3)
    >>> conv_output_length(28, 5, "valid", 1), deconv_output_length(7, 3, "same", 2)
    (24, 14)
"""


def normalize_tuple(value, n, name):
    """``value`` (an int or a sequence of ``n`` ints) as a tuple of ``n`` ints."""
    if isinstance(value, int):
        return (value,) * n
    try:
        out = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise ValueError("The `%s` argument must be a tuple of %d integers, got %r" % (name, n, value)) from None
    if len(out) != n:
        raise ValueError("The `%s` argument must be a tuple of %d integers, got %r" % (name, n, value))
    return out


def positive_tuple(value, n, name, layer):
    """``normalize_tuple`` for sizes that must be positive (kernel, pool, strides, dilation); errors name ``layer``."""
    try:
        out = normalize_tuple(value, n, name)
    except ValueError as e:
        raise ValueError("%s: %s" % (layer, e)) from None
    if any(v < 1 for v in out) or isinstance(value, bool):
        raise ValueError("%s: The `%s` argument must be positive, got %r" % (layer, name, value))
    return out


def layer_padding_mode(value, layer=None):
    """A Keras layer's ``padding=`` argument as "valid" or "same" (any case accepted; ``layer`` names the caller).

    Not ``engine.ops.window_geometry.normalize_padding``, which maps an op's "SAME"/"VALID"/explicit pairs.

    Example:
        >>> layer_padding_mode("SAME", "Conv2D")
        'same'
    """
    padding = value.lower() if isinstance(value, str) else value
    if padding not in ("valid", "same"):
        raise ValueError("%sThe `padding` argument must be 'valid' or 'same', got %r"
                         % (layer + ": " if layer else "", value))
    return padding


def normalize_data_format(value):
    fmt = (value or "channels_last").lower()
    if fmt not in ("channels_last", "channels_first"):
        raise ValueError("The `data_format` argument must be 'channels_last' or 'channels_first', got %r" % (value,))
    return fmt


def conv_output_length(length, filter_size, padding, stride, dilation=1):
    """Output size of a convolution/pooling along one axis (None stays None)."""
    if length is None:
        return None
    span = filter_size + (filter_size - 1) * (dilation - 1)
    if padding == "same":
        return (length + stride - 1) // stride
    return (length - span + stride) // stride


def deconv_output_length(length, filter_size, padding, stride, dilation=1, output_padding=None):
    """Output size of a transposed convolution along one axis (None stays None)."""
    if length is None:
        return None
    span = filter_size + (filter_size - 1) * (dilation - 1)
    if output_padding is None:
        if padding == "valid":
            return length * stride + max(span - stride, 0)
        return length * stride
    pad = span // 2 if padding == "same" else 0
    return (length - 1) * stride + span - 2 * pad + output_padding
