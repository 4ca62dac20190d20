"""Parsing serialized ``tf.train.Example`` records into numpy arrays (engine independent).

These are the kernels behind ``kf.io.parse_single_example`` and
``kf.io.parse_example``. :func:`parse_example_batch` parses most records of a
batch together: records of one length that share a layout are matched
against a template and their values are cut out with numpy in one go
(:mod:`kflow.data.example.template`); the rest are parsed one by one.

Example:
    >>> spec = {"image_raw": FixedLenFeature([], "string"), "label": FixedLenFeature([], "int64")}
    >>> out = parse_example_batch(records, spec)
    >>> out["label"].shape, out["image_raw"].dtype
    ((60000,), dtype('O'))
"""

import numpy as np

from kflow.data.example import template as example_template
from kflow.data.example.feature_spec import (KIND_DTYPES, KIND_NAMES, FixedLenFeature, FixedLenSequenceFeature,
                                             SparseValue, VarLenFeature, resolve_dtype, resolve_shape)
from kflow.data.example.wire_format import DECODERS, index_example
from kflow.errors import InvalidArgumentError
from kflow.proto.wire import DecodeError

FIXED, VAR, SEQ = "fixed", "var", "seq"


class CompiledField:
    """One output of a parse: the spec resolved to kind, numpy dtype and sizes."""

    __slots__ = ("name", "key", "type", "kind", "dtype", "shape", "size", "default")

    def __init__(self, name, spec):
        self.name = name
        self.key = name.encode("utf-8")
        if isinstance(spec, VarLenFeature):
            self.type, self.shape = VAR, ()
        elif isinstance(spec, FixedLenSequenceFeature):
            if not spec.allow_missing:
                raise ValueError("Unsupported: FixedLenSequenceFeature requires allow_missing to be True.")
            self.type, self.shape = SEQ, resolve_shape(spec.shape, name)
        elif isinstance(spec, FixedLenFeature):
            self.type, self.shape = FIXED, resolve_shape(spec.shape, name)
        else:
            raise ValueError("Unsupported feature spec for %r: %r" % (name, spec))
        self.kind, self.dtype = _resolve_dtype_cached(spec.dtype)
        self.size = 1
        for dim in self.shape:
            self.size *= dim
        self.default = None
        default = getattr(spec, "default_value", None)
        if self.type == FIXED and default is not None:
            self.default = self._array(default).ravel()
            if self.default.size == 1 and self.size != 1:  # a scalar default fills the shape
                self.default = np.repeat(self.default, self.size)
            if self.default.size != self.size:
                raise ValueError("Feature %r: default_value has %d values but shape %s needs %d"
                                 % (name, self.default.size, list(self.shape), self.size))
        elif self.type == SEQ:
            pad = default if default is not None else (b"" if self.kind == 1 else 0)
            self.default = self._array(pad).ravel()[0]

    def _array(self, value):
        if self.dtype == object:
            out = np.empty(np.shape(value), object)
            out[...] = value
            return out
        return np.asarray(value, dtype=self.dtype)

    def describe(self):
        return "%s, shape %s" % (KIND_DTYPES[self.kind], list(self.shape))


_DTYPE_CACHE = {}


def _resolve_dtype_cached(dtype):
    # Per-example parsing compiles the spec on every call; np.dtype() lookups dominate otherwise.
    try:
        return _DTYPE_CACHE[dtype]
    except (KeyError, TypeError):
        resolved = resolve_dtype(dtype)
        try:
            if len(_DTYPE_CACHE) < 256:
                _DTYPE_CACHE[dtype] = resolved
        except TypeError:
            pass
        return resolved


def compile_features(features):
    """Resolves a ``{name: spec}`` dict once; every parse function also accepts the result."""
    if isinstance(features, tuple) and all(isinstance(f, CompiledField) for f in features):
        return features
    if not isinstance(features, dict):
        raise TypeError("features must be a dict of feature specs, got %s" % type(features).__name__)
    return tuple(CompiledField(name, spec) for name, spec in sorted(features.items()))


def _error(field, index, text):
    return InvalidArgumentError(None, None, "Key: %s, Index: %d.  %s" % (field.name, index, text))


def field_values(field, entry, index):
    """One record's values of one field (flat ndarray, or list of bytes), validated.

    Raises:
        InvalidArgumentError: missing required feature, wrong kind, wrong count, malformed value list.
    """
    if entry is None or entry[0] == 0:
        if field.type != FIXED:
            return []
        if field.default is None:
            raise _error(field, index, "Feature is required but could not be found (expected %s)."
                         % field.describe())
        return field.default
    kind, data, start, end = entry
    if kind != field.kind:
        raise _error(field, index, "Data types don't match. Data type: %s but expected type: %s "
                     "(the record has a %s, the spec wants a %s)." % (KIND_DTYPES[kind], KIND_DTYPES[field.kind],
                                                                     KIND_NAMES[kind], KIND_NAMES[field.kind]))
    try:
        values = DECODERS[kind](data, start, end)
    except DecodeError as e:  # a malformed value list: say which feature of which record
        raise _error(field, index, "Could not parse its %s (%d bytes): %s"
                     % (KIND_NAMES[kind], end - start, e.message)) from None
    if field.type == FIXED and len(values) != field.size:
        raise _error(field, index, "Number of %s values != expected.  Values size: %d but output shape: %s "
                     "(expected %d)." % (KIND_DTYPES[kind], len(values), list(field.shape), field.size))
    if field.type == SEQ and field.size and len(values) % field.size:
        raise _error(field, index, "Number of %s values is not a multiple of the step size.  Values size: %d "
                     "but step shape: %s." % (KIND_DTYPES[kind], len(values), list(field.shape)))
    return values


def record_values(serialized, fields, index):
    """All fields' values for one serialized record (the per-record path)."""
    try:
        features = index_example(serialized)
    except DecodeError as e:
        raise InvalidArgumentError(None, None, "Index: %d.  Could not parse serialized Example (%d bytes): %s"
                                   % (index, len(serialized), e.message))
    return [field_values(f, features.get(f.key), index) for f in fields]


def _to_bytes(serialized):
    if isinstance(serialized, (bytes, bytearray, memoryview)):
        return bytes(serialized)
    if isinstance(serialized, np.ndarray) and serialized.ndim == 0:
        serialized = serialized.item()
    if isinstance(serialized, str):
        return serialized.encode("utf-8")
    if isinstance(serialized, bytes):
        return serialized
    raise TypeError("serialized must be bytes, got %s" % type(serialized).__name__)


def _array(field, values, shape):
    if field.dtype == object:
        out = np.empty(len(values), object)
        out[:] = values
        return out.reshape(shape)
    return np.array(values, dtype=field.dtype).reshape(shape)


def parse_single_example(serialized, features):
    """Parses one serialized ``Example`` into ``{name: ndarray or SparseValue}``.

    ``FixedLenFeature`` gives an array of the spec's shape, ``VarLenFeature`` a
    :class:`SparseValue` of rank 1, ``FixedLenSequenceFeature`` an array of
    shape ``[steps] + shape``. Strings are ``object`` arrays of ``bytes``.

    Raises:
        InvalidArgumentError: malformed bytes, or a record that does not fit the spec.
    """
    fields = compile_features(features)
    values = record_values(_to_bytes(serialized), fields, 0)
    out = {}
    for field, vals in zip(fields, values):
        if field.type == FIXED:
            out[field.name] = _array(field, vals, field.shape)
        elif field.type == VAR:
            n = len(vals)
            out[field.name] = SparseValue(np.arange(n, dtype=np.int64).reshape(n, 1), _array(field, vals, (n,)),
                                          np.array([n], np.int64))
        else:
            out[field.name] = _array(field, vals, (-1,) + field.shape if field.size else (0,) + field.shape)
    return out


def _as_record_list(serialized):
    if isinstance(serialized, np.ndarray):
        serialized = serialized.ravel().tolist()
    return [s if type(s) is bytes else _to_bytes(s) for s in serialized]


class _BatchOutputs:
    """Collects per-record and per-template-chunk values, then builds the arrays."""

    def __init__(self, fields, n):
        self.fields, self.n = fields, n
        self.dense = {}
        self.ragged = {}
        for f in fields:
            if f.type == FIXED:
                self.dense[f.name] = np.empty((n, f.size), f.dtype)
            else:
                self.ragged[f.name] = []

    def put_record(self, row, values):
        for f, vals in zip(self.fields, values):
            if f.type == FIXED:
                self.dense[f.name][row] = vals
            else:
                self.ragged[f.name].append((row, vals))

    def put_chunk(self, rows, values):
        for f, vals in zip(self.fields, values):
            if f.type == FIXED:
                self.dense[f.name][rows] = vals
            else:
                self.ragged[f.name].append((rows, vals))

    def finish(self):
        out = {}
        for f in self.fields:
            if f.type == FIXED:
                out[f.name] = self.dense[f.name].reshape((self.n,) + f.shape)
            else:
                out[f.name] = self._ragged(f, self.ragged[f.name])
        return out

    def _ragged(self, f, parts):
        n = self.n
        counts = np.zeros(n, np.int64)
        for rows, vals in parts:
            counts[rows] = len(vals) if np.ndim(rows) == 0 else np.shape(vals)[1]
        offsets = np.zeros(n, np.int64)
        np.cumsum(counts[:-1], out=offsets[1:])
        total = int(counts.sum())
        values = np.empty(total, f.dtype)
        for rows, vals in parts:
            if np.ndim(rows) == 0:
                values[offsets[rows]:offsets[rows] + len(vals)] = vals
            elif np.shape(vals)[1]:
                values[offsets[rows][:, None] + np.arange(np.shape(vals)[1])] = vals
        within = np.arange(total, dtype=np.int64) - np.repeat(offsets, counts)
        if f.type == VAR:
            indices = np.stack([np.repeat(np.arange(n, dtype=np.int64), counts), within], axis=1)
            return SparseValue(indices, values, np.array([n, counts.max(initial=0)], np.int64))
        steps = counts // max(f.size, 1)
        width = int(steps.max(initial=0)) * f.size
        dense = np.full((n, width), f.default, f.dtype)
        dense.ravel()[np.repeat(np.arange(n, dtype=np.int64) * width, counts) + within] = values
        return dense.reshape((n, int(steps.max(initial=0))) + f.shape)


def parse_example_batch(serialized, features):
    """Parses a batch of serialized ``Example`` records into batched numpy values.

    Args:
        serialized: a list (or 1-D object array) of ``bytes``.
        features: ``{name: FixedLenFeature | VarLenFeature | FixedLenSequenceFeature}``
            (or the result of :func:`compile_features`).

    Returns:
        ``{name: value}``: ``[batch] + shape`` arrays for ``FixedLenFeature``,
        :class:`SparseValue` with ``[batch, max_len]`` dense shape for
        ``VarLenFeature``, ``[batch, max_steps] + shape`` arrays (padded with
        ``default_value``) for ``FixedLenSequenceFeature``.

    Raises:
        InvalidArgumentError: names the feature key, expected and actual kind
            or count, and the record index (the lowest failing one).
    """
    fields = compile_features(features)
    records = _as_record_list(serialized)
    outputs = _BatchOutputs(fields, len(records))
    errors = []
    slow_rows = example_template.parse_groups(records, fields, outputs, errors, record_values)
    first_error = min(row for row, _ in errors) if errors else None
    for row in slow_rows:
        if first_error is not None and row > first_error:
            break
        try:
            outputs.put_record(row, record_values(records[row], fields, row))
        except InvalidArgumentError as e:
            errors.append((row, e))
            break
    if errors:
        raise min(errors, key=lambda item: item[0])[1]
    return outputs.finish()
