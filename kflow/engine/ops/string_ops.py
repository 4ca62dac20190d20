"""String ops of ``tf.strings`` (TF1 names at top level too): length, lower/upper, strip, join, reduce_join,
substr, regex_full_match/regex_replace, to_number, as_string, format and the split kernel.

kflow strings are object arrays of ``bytes``; the kernels are host ops (strings never go to a GPU). Results
follow TF byte for byte (``as_string`` uses C printf formats, ``upper`` changes only ASCII unless an
encoding is given, ``substr`` counts bytes unless ``unit="UTF8_CHAR"``).

Example:
    >>> kf.strings.join([[b"a", b"b"], b"c"], separator="-")      # [b"a-c", b"b-c"]
    >>> kf.strings.reduce_join([[b"a", b"b"], [b"c", b"d"]], axis=1)   # [b"ab", b"cd"]
"""
import re

import numpy as np

from kflow import errors
from kflow.engine import dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.reduction_ops import _axes, _reduced_shape

_UNITS = ("BYTE", "UTF8_CHAR")


def strings_input(op_type, name, x):
    """``x`` as a string tensor (Python str/bytes and lists convert); a TypeError naming the op otherwise."""
    x = convert_to_tensor(x) if is_tensor_like(x) else convert_to_tensor(x, dtype=dtypes.string)
    if x.dtype is not dtypes.string:
        raise build_error(op_type, name, [x], "%s: input must be a string tensor, got %s" % (op_type, x.dtype.name),
                          TypeError)
    return x


def as_bytes(value):
    """A string element as bytes: fed Python ``str`` values are UTF-8 encoded, as TF encodes them."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def map_strings(fn, *arrays, otype=object):
    """``fn`` over the broadcast elements of ``arrays``; object (string) arrays' elements reach it as bytes."""
    args = [np.asarray(a, dtype=object) for a in arrays]
    # asarray(dtype=object): on a 0-d input frompyfunc returns a bare bytes object, which numpy would otherwise
    # turn into a fixed-width array, dropping trailing NUL bytes (a gzip member ends with them)
    args = [np.asarray(np.frompyfunc(as_bytes, 1, 1)(a), dtype=object) if np.asarray(raw).dtype.kind in "OSU" else a
            for a, raw in zip(args, arrays)]
    out = np.frompyfunc(fn, len(args), 1)(*args)
    return np.asarray(out, dtype=otype)


def _unit(op_type, unit):
    if unit not in _UNITS:
        raise ValueError("%s: unit must be one of %s, got %r" % (op_type, _UNITS, unit))
    return unit


# ---- elementwise ---------------------------------------------------------------------------------------------
def _length_kernel(x, unit):
    if unit == "BYTE":
        return map_strings(len, x, otype=np.int32)
    return map_strings(lambda v: len(bytes(v).decode("utf-8", "replace")), x, otype=np.int32)


def _case_kernel(x, upper, encoding):
    if encoding:  # Unicode-aware case mapping of the decoded text
        return map_strings(lambda v: (str.upper if upper else str.lower)(bytes(v).decode(encoding)).encode(encoding), x)
    return map_strings(bytes.upper if upper else bytes.lower, x)  # ASCII only, as TF without an encoding


def _strip_kernel(x):
    return map_strings(lambda v: bytes(v).strip(), x)


def _regex_full_match_kernel(x, pattern):
    compiled = re.compile(pattern)
    return map_strings(lambda v: compiled.fullmatch(bytes(v)) is not None, x, otype=bool)


def _regex_replace_kernel(x, pattern, rewrite, replace_global):
    compiled = re.compile(pattern)
    return map_strings(lambda v: compiled.sub(rewrite, bytes(v), count=0 if replace_global else 1), x)


STRING_LENGTH = OpDef("StringLength", _length_kernel, grad=None, host_only=True)
STRING_CASE = OpDef("StringCase", _case_kernel, grad=None, host_only=True)  # TF: StringUpper / StringLower
STRING_STRIP = OpDef("StringStrip", _strip_kernel, grad=None, host_only=True)
REGEX_FULL_MATCH = OpDef("RegexFullMatch", _regex_full_match_kernel, grad=None, host_only=True)
REGEX_REPLACE = OpDef("RegexReplace", _regex_replace_kernel, grad=None, host_only=True)


def _unary(op_def, input, name, out_dtype=dtypes.string, **params):  # noqa: A002 - TF's argument name
    x = strings_input(op_def.type, name, input)
    return make_op(op_def, [x], [(out_dtype, x.shape)], name or op_def.type, params=params).outputs[0]


def length(input, name=None, unit="BYTE"):  # noqa: A002 - TF's argument name
    """The length of each string (int32) in bytes, or in Unicode characters with ``unit="UTF8_CHAR"``."""
    return _unary(STRING_LENGTH, input, name, dtypes.int32, unit=_unit("StringLength", unit))


def upper(input, encoding="", name=None):  # noqa: A002 - TF's argument name
    """Upper case: ASCII letters only, or all letters of text in ``encoding`` (e.g. "utf-8")."""
    return _unary(STRING_CASE, input, name or "StringUpper", upper=True, encoding=encoding or "")


def lower(input, encoding="", name=None):  # noqa: A002 - TF's argument name
    """Lower case: ASCII letters only, or all letters of text in ``encoding`` (e.g. "utf-8")."""
    return _unary(STRING_CASE, input, name or "StringLower", upper=False, encoding=encoding or "")


def strip(input, name=None):  # noqa: A002 - TF's argument name
    """Each string without leading and trailing whitespace."""
    return _unary(STRING_STRIP, input, name)


def _pattern(op_type, pattern):
    if is_tensor_like(pattern):
        raise TypeError("%s: pattern must be a Python string (a tensor pattern is not supported)" % op_type)
    pattern = pattern.encode() if isinstance(pattern, str) else bytes(pattern)
    try:
        re.compile(pattern)
    except re.error as e:
        raise ValueError("%s: invalid regular expression %r: %s" % (op_type, pattern, e)) from None
    return pattern


def regex_full_match(input, pattern, name=None):  # noqa: A002 - TF's argument name
    """Whether each whole string matches the regular expression ``pattern`` (bool)."""
    return _unary(REGEX_FULL_MATCH, input, name, dtypes.bool, pattern=_pattern("RegexFullMatch", pattern))


def regex_replace(input, pattern, rewrite, replace_global=True, name=None):  # noqa: A002 - TF's argument name
    """Replaces matches of ``pattern`` by ``rewrite`` (``\\1`` names a group); only the first unless
    ``replace_global``.

    Example:
        >>> kf.strings.regex_replace([b"ab12"], r"([a-z]+)(\\d+)", r"\\2\\1")   # [b"12ab"]
    """
    rewrite = rewrite.encode() if isinstance(rewrite, str) else bytes(rewrite)
    return _unary(REGEX_REPLACE, input, name, pattern=_pattern("RegexReplace", pattern), rewrite=rewrite,
                  replace_global=bool(replace_global))


# ---- join, reduce_join, substr -------------------------------------------------------------------------------
def _join_kernel(*xs, separator):
    return map_strings(lambda *vs: separator.join(bytes(v) for v in vs), *xs)


def _reduce_join_kernel(x, axes, keepdims, separator):
    x = np.asarray(x, dtype=object)
    axes = tuple(range(x.ndim)) if axes is None else axes
    moved = np.moveaxis(x, axes, tuple(range(x.ndim - len(axes), x.ndim)))
    kept = moved.shape[:x.ndim - len(axes)]
    flat = moved.reshape(kept + (-1,))
    out = np.empty(kept, dtype=object)
    for index in np.ndindex(kept):
        out[index] = separator.join(as_bytes(v) for v in flat[index])
    if keepdims:
        out = out.reshape([1 if i in axes else d for i, d in enumerate(x.shape)])
    return out


def _substr_kernel(x, pos, lengths, unit):
    def cut(v, p, n):
        v = bytes(v)
        text = v if unit == "BYTE" else v.decode("utf-8", "replace")
        if not -len(text) <= p <= len(text):
            raise errors.InvalidArgumentError(None, None, "Substr: pos %d out of range for string %r" % (p, v))
        p = p % len(text) if p < 0 else p
        piece = text[p:p + max(int(n), 0)]
        return piece if unit == "BYTE" else piece.encode("utf-8")
    return map_strings(cut, x, pos, lengths)


JOIN = OpDef("StringJoin", _join_kernel, grad=None, host_only=True)
REDUCE_JOIN = OpDef("ReduceJoin", _reduce_join_kernel, grad=None, host_only=True)
SUBSTR = OpDef("Substr", _substr_kernel, grad=None, host_only=True)


def _separator(separator):
    return separator.encode() if isinstance(separator, str) else bytes(separator)


def join(inputs, separator="", name=None):
    """Joins the strings of ``inputs`` (broadcast against each other) elementwise with ``separator``.

    Example:
        >>> kf.strings.join([[b"a", b"b"], b"c"], separator="-")    # [b"a-c", b"b-c"]
    """
    xs = [strings_input("StringJoin", name, x) for x in inputs]
    shape = shapes.TensorShape([])
    for x in xs:
        try:
            shape = shapes.broadcast_static(shape, x.shape)
        except ValueError as e:
            raise build_error("StringJoin", name, xs, "StringJoin: inputs do not broadcast: %s" % e) from None
    return make_op(JOIN, xs, [(dtypes.string, shape)], name or "StringJoin",
                   params={"separator": _separator(separator)}).outputs[0]


def reduce_join(inputs, axis=None, keep_dims=None, separator="", name=None, reduction_indices=None,
                keepdims=None):
    """Joins the strings along ``axis`` (all axes when None), as TF1's ``reduce_join``.

    Example:
        >>> kf.strings.reduce_join([[b"a", b"b"], [b"c", b"d"]], axis=1, separator=",")   # [b"a,b", b"c,d"]
    """
    x = strings_input("ReduceJoin", name, inputs)
    axis = reduction_indices if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    axes = _axes("ReduceJoin", x, axis, name)
    return make_op(REDUCE_JOIN, [x], [(dtypes.string, _reduced_shape(x, axes, keep))], name or "ReduceJoin",
                   params={"axes": axes, "keepdims": keep, "separator": _separator(separator)}).outputs[0]


def substr(input, pos, len, name=None, unit="BYTE"):  # noqa: A002 - TF's argument names
    """The substring of ``len`` bytes (or characters) from ``pos`` (negative: from the end) of each string;
    ``pos``/``len`` are scalars or broadcast against ``input``. A ``pos`` past the end is an
    InvalidArgumentError at run time, as in TF.

    Example:
        >>> kf.strings.substr([b"hello", b"world"], 1, 3)   # [b"ell", b"orl"]
    """
    x = strings_input("Substr", name, input)
    pos_t, len_t = convert_to_tensor(pos), convert_to_tensor(len)
    for t, what in ((pos_t, "pos"), (len_t, "len")):
        if not t.dtype.is_integer:
            raise build_error("Substr", name, [x, pos_t, len_t], "Substr: %s must be int32 or int64, got %s"
                              % (what, t.dtype.name), TypeError)
    shape = shapes.broadcast_static(shapes.broadcast_static(x.shape, pos_t.shape), len_t.shape)
    return make_op(SUBSTR, [x, pos_t, len_t], [(dtypes.string, shape)], name or "Substr",
                   params={"unit": _unit("Substr", unit)}).outputs[0]
