"""Strings to and from numbers and text layouts: ``to_number`` (TF1 ``string_to_number``), ``as_string``,
``format`` (``tf.strings.format``) and the kernels of TF1's ``strings.split`` / ``string_split``.

``as_string`` builds the same C printf format TF does (``%[fill][width][.precision](f|e|g|d)``), so numbers
print as TF prints them (``3.5`` -> ``b"3.500000"``). The split ops return the three parts of a SparseTensor
(``kflow.strings`` wraps them).

Example:
    >>> kf.strings.to_number([b"1.5", b"2"])                  # [1.5, 2.0] float32
    >>> kf.strings.as_string([3, -42], width=5, fill="0")     # [b"00003", b"-0042"]
"""
import re

import numpy as np

from kflow import errors
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.logging_ops import format_tensor
from kflow.engine.ops.string_ops import as_bytes, strings_input

_NUMBER_TYPES = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64)


# ---- to_number -----------------------------------------------------------------------------------------------
def _to_number_kernel(x, out_type):
    np_type = np.dtype(out_type)
    flat = np.asarray(x, dtype=object).reshape(-1)
    out = np.empty(flat.shape, dtype=np_type)
    for i, v in enumerate(flat):
        text = as_bytes(v)
        try:
            if b"_" in text:  # Python accepts digit separators; C's strtod does not
                raise ValueError(text)
            value = float(text) if np_type.kind == "f" else int(text)
            if np_type.kind == "i" and not np.iinfo(np_type).min <= value <= np.iinfo(np_type).max:
                raise ValueError(text)
        except ValueError:
            raise errors.InvalidArgumentError(None, None, "StringToNumberOp could not correctly convert string: %s"
                                              % text.decode("utf-8", "replace")) from None
        out[i] = value
    return out.reshape(np.shape(x))


STRING_TO_NUMBER = OpDef("StringToNumber", _to_number_kernel, grad=None, host_only=True)


def to_number(input, out_type=dtypes.float32, name=None):  # noqa: A002 - TF's argument name
    """Parses each string as a number of ``out_type`` (float32, float64, int32, int64); a string that is not
    one is an InvalidArgumentError at run time, as in TF.

    Example:
        >>> kf.strings.to_number([b"12", b"-3"], out_type=kf.int32)   # [12, -3]
    """
    x = strings_input("StringToNumber", name, input)
    out_type = dtypes.as_dtype(out_type)
    if out_type not in _NUMBER_TYPES:
        raise build_error("StringToNumber", name, [x], "StringToNumber: out_type must be one of %s, got %s"
                          % ([t.name for t in _NUMBER_TYPES], out_type.name), TypeError)
    return make_op(STRING_TO_NUMBER, [x], [(out_type, x.shape)], name or "StringToNumber",
                   params={"out_type": out_type.as_numpy_dtype}).outputs[0]


def string_to_number(string_tensor, out_type=dtypes.float32, name=None):
    """TF1's top-level ``string_to_number`` (see :func:`to_number`)."""
    return to_number(string_tensor, out_type, name)


# ---- as_string -----------------------------------------------------------------------------------------------
def _as_string_kernel(x, template, kind):
    if kind == "b":
        return np.vectorize(lambda v: b"true" if v else b"false", otypes=[object])(x)
    convert = float if kind == "f" else int
    return np.vectorize(lambda v: (template % convert(v)).encode(), otypes=[object])(x)


AS_STRING = OpDef("AsString", _as_string_kernel, grad=None, host_only=True)


def as_string(input, precision=-1, scientific=False, shortest=False, width=-1, fill="", name=None):  # noqa: A002
    """Each number (or bool) as text, formatted as TF formats it (C printf: ``%f`` by default, ``%e`` with
    ``scientific``, ``%g`` with ``shortest``; ``width`` padded with spaces, or zeros with ``fill="0"``).

    Example:
        >>> kf.strings.as_string([3.14159], precision=2)   # [b"3.14"]
    """
    x = convert_to_tensor(input)
    dt = x.dtype
    kind = "b" if dt.is_bool else "f" if dt.is_floating else "d" if dt.is_integer else None

    def bad(message):
        return build_error("AsString", name, [x], "AsString: " + message)
    if kind is None:
        raise build_error("AsString", name, [x], "AsString: input must be numeric or bool, got %s" % dt.name,
                          TypeError)
    if scientific and shortest:
        raise bad("cannot select both scientific and shortest notation")
    if fill not in ("", " ", "0", "-", "+", "#"):
        raise bad("fill must be a printf flag (' ', '0', '-', '+', '#'), got %r" % (fill,))
    if kind in "db" and (precision > -1 or scientific or shortest):
        raise bad("precision/scientific/shortest apply to floats only, input is %s" % dt.name)
    template = "%" + fill + ("%d" % width if width > -1 else "") + (".%d" % precision if precision > -1 else "")
    template += ("e" if scientific else "g" if shortest else "f") if kind == "f" else "d"
    return make_op(AS_STRING, [x], [(dtypes.string, x.shape)], name or "AsString",
                   params={"template": template, "kind": kind}).outputs[0]


# ---- format --------------------------------------------------------------------------------------------------
def _text_of(arr, summarize):
    arr = np.asarray(arr)
    if arr.dtype == object:  # strings print quoted, as TF's format/print do inside tensors
        arr = np.array(['"%s"' % as_bytes(v).decode("utf-8", "replace") for v in arr.reshape(-1)],
                       dtype=str).reshape(arr.shape)
    return format_tensor(arr, summarize)


def _format_kernel(*arrays, pieces, summarize):
    out = [pieces[0]]
    for arr, piece in zip(arrays, pieces[1:]):
        out.append(_text_of(arr, summarize))
        out.append(piece)
    return np.array("".join(out).encode("utf-8"), dtype=object)


STRING_FORMAT = OpDef("StringFormat", _format_kernel, grad=None, host_only=True)


def format(template, inputs, placeholder="{}", summarize=3, name=None):  # noqa: A001 - TF's name
    """A scalar string: ``template`` with each ``placeholder`` replaced by the text of the next input tensor
    (numpy-style, ``summarize`` items at each end of every dimension).

    Example:
        >>> kf.strings.format("x={} y={}", [kf.constant([1, 2, 3]), 2.5])   # b"x=[1 2 3] y=2.5"
    """
    inputs = [convert_to_tensor(t) for t in (inputs if isinstance(inputs, (list, tuple)) else [inputs])]
    pieces = template.split(placeholder)
    if len(pieces) - 1 != len(inputs):
        raise build_error("StringFormat", name, inputs, "StringFormat: template %r has %d placeholder(s) %r but %d "
                          "input(s) were given" % (template, len(pieces) - 1, placeholder, len(inputs)))
    return make_op(STRING_FORMAT, inputs, [(dtypes.string, [])], name or "StringFormat",
                   params={"pieces": tuple(pieces), "summarize": int(summarize)}).outputs[0]


# ---- split ---------------------------------------------------------------------------------------------------
def _split_kernel(x, sep, maxsplit, delimiter, skip_empty):
    indices, values = [], []
    for row, v in enumerate(np.asarray(x, dtype=object).reshape(-1)):
        v = as_bytes(v)
        if delimiter is not None:  # TF1's legacy StringSplit: every byte of ``delimiter`` splits
            tokens = list(v) if delimiter == b"" else re.split(b"[" + re.escape(delimiter) + b"]", v)
            tokens = [bytes([t]) for t in tokens] if delimiter == b"" else tokens
            tokens = [t for t in tokens if t] if skip_empty else tokens
        elif sep is None:
            tokens = v.split(None, maxsplit)
        else:
            tokens = v.split(sep, maxsplit)  # as TF: b"" gives one empty token
        indices.extend((row, col) for col in range(len(tokens)))
        values.extend(tokens)
    width = max([c for _, c in indices], default=-1) + 1
    out_values = np.empty(len(values), dtype=object)
    out_values[:] = values
    return (np.array(indices, dtype=np.int64).reshape(-1, 2), out_values,
            np.array([np.shape(x)[0], width], dtype=np.int64))


STRING_SPLIT = OpDef("StringSplitV2", _split_kernel, grad=None, host_only=True)


def split_parts(source, sep=None, maxsplit=-1, delimiter=None, skip_empty=True, name=None):
    """(indices, values, dense_shape) of splitting each string of the 1-D ``source`` (see ``kf.strings.split``).

    ``sep`` None splits on runs of whitespace; a ``sep`` splits on that exact string (empty tokens kept);
    ``delimiter`` (TF1's legacy mode) splits on each of its bytes, dropping empty tokens when ``skip_empty``.
    """
    x = strings_input("StringSplitV2", name, source)
    if x.shape.ndims is not None and x.shape.ndims != 1:
        raise build_error("StringSplitV2", name, [x], "StringSplit: input must be a 1-D string tensor (a vector), "
                          "got shape %s" % x.shape, ValueError)
    sep, delimiter = (None if s is None else as_bytes(s) for s in (sep, delimiter))
    if sep == b"":
        raise build_error("StringSplitV2", name, [x], "StringSplit: sep must not be empty (use None to split on "
                          "whitespace)")
    op = make_op(STRING_SPLIT, [x], [(dtypes.int64, [None, 2]), (dtypes.string, [None]), (dtypes.int64, [2])],
                 name or "StringSplit", params={"sep": sep, "maxsplit": int(maxsplit), "delimiter": delimiter,
                                                "skip_empty": bool(skip_empty)})
    return op.outputs
