"""``kf.decode_csv``: splits CSV lines (a TextLineReader's values) into typed columns.

Each column's dtype and default come from ``record_defaults``: ``[[0.0], [0], [""], []]`` gives float32, int32
and string columns with those defaults for empty fields, and a required float32 column (an empty default has
no value: a record leaving that field empty is an error; ``kf.constant([], kf.int64)`` makes it int64).

Example:
    >>> _, line = kf.TextLineReader(skip_header_lines=1).read(filename_queue)
    >>> sepal_length, sepal_width, label = kf.decode_csv(line, [[0.0], [0.0], [0]])
"""
import csv

import numpy as np

from kflow import errors
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like

_KINDS = (dtypes.float32, dtypes.float64, dtypes.int32, dtypes.int64, dtypes.string)


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _parse(field, dtype, default, column, row):
    if field == "" or (default is not None and default[1] != "" and field == default[1]):
        if default is None:
            raise errors.InvalidArgumentError(None, None, "decode_csv: field %d of record %d is empty and the "
                                              "column has no default" % (column, row))
        return default[0]
    if dtype is dtypes.string:
        return field.encode("utf-8")
    try:
        return int(field) if dtype.is_integer else float(field)
    except ValueError:
        raise errors.InvalidArgumentError(None, None, "decode_csv: field %d of record %d is not a valid %s: %r"
                                          % (column, row, dtype.name, field)) from None


def _decode_csv_kernel(records, *defaults, dtypes_, has_default, field_delim, use_quote_delim, na_value,
                       select_cols):
    flat = np.asarray(records, dtype=object).reshape(-1)
    # (value for an empty field, the text that also counts as empty) per column; None: the field is required
    fills = [(np.asarray(d).reshape(-1)[0], na_value) if has else None for d, has in zip(defaults, has_default)]
    columns = [[] for _ in dtypes_]
    lines = [_text(r) for r in flat]
    reader = csv.reader(lines, delimiter=field_delim, quoting=csv.QUOTE_MINIMAL if use_quote_delim
                        else csv.QUOTE_NONE)
    for row, fields in enumerate(reader):
        if not fields and lines[row] == "":
            fields = [""]
        if select_cols is not None:
            if max(select_cols) >= len(fields):
                raise errors.InvalidArgumentError(None, None, "decode_csv: record %d has %d fields, select_cols "
                                                  "asks for column %d" % (row, len(fields), max(select_cols)))
            fields = [fields[c] for c in select_cols]
        if len(fields) != len(dtypes_):
            raise errors.InvalidArgumentError(None, None, "decode_csv: expect %d fields but have %d in record %d: %r"
                                              % (len(dtypes_), len(fields), row, lines[row]))
        for c, (field, dtype, fill) in enumerate(zip(fields, dtypes_, fills)):
            columns[c].append(_parse(field, dtype, fill, c, row))
    shape = np.shape(records)
    out = []
    for values, dtype in zip(columns, dtypes_):
        arr = np.empty(len(values), dtype=object) if dtype is dtypes.string else None
        if arr is not None:
            arr[:] = values
        else:
            arr = np.array(values, dtype=dtype.as_numpy_dtype)
        out.append(arr.reshape(shape))
    return out[0] if len(out) == 1 else tuple(out)


DECODE_CSV = OpDef("DecodeCSV", _decode_csv_kernel, grad=None, host_only=True)


def _default_tensor(default, column):
    """``(dtype, default scalar tensor or None when the column is required)``."""
    if is_tensor_like(default):
        t = convert_to_tensor(default)
    elif isinstance(default, (list, tuple)) and len(default) == 0:
        return dtypes.float32, None
    else:
        t = convert_to_tensor(default[0] if isinstance(default, (list, tuple)) else default)
    if t.dtype not in _KINDS:
        raise TypeError("decode_csv: record_defaults[%d] has dtype %s; use float32, float64, int32, int64 or string"
                        % (column, t.dtype.name))
    if t.shape.num_elements() == 0:
        return t.dtype, None
    return t.dtype, t


def decode_csv(records, record_defaults, field_delim=",", use_quote_delim=True, name=None, na_value="",
               select_cols=None):
    """Parses CSV ``records`` (a string tensor of any shape) into one tensor per column, each of that shape.

    Args:
        record_defaults: one entry per column: ``[value]`` (its dtype and the value of an empty field), ``[]``
            (a required float32 column) or an empty tensor (a required column of its dtype).
        field_delim: the one-character field separator.
        use_quote_delim: double quotes may enclose fields (holding delimiters, newlines, "" for a quote).
        na_value: a field equal to this counts as empty.
        select_cols: sorted indices of the columns to keep (``record_defaults`` then describes those).

    Raises:
        InvalidArgumentError: (when run) a record with the wrong number of fields, a field that does not parse,
            or an empty field in a column without a default.
    """
    records = convert_to_tensor(records, dtype=dtypes.string)
    typed = [_default_tensor(d, i) for i, d in enumerate(record_defaults)]
    column_dtypes = tuple(dt for dt, _ in typed)
    defaults = [d for _, d in typed]
    inputs = [d if d is not None else convert_to_tensor(0.0) for d in defaults]
    op = make_op(DECODE_CSV, [records] + inputs, [(dt, records.shape) for dt in column_dtypes], name or "DecodeCSV",
                 params={"dtypes_": column_dtypes, "has_default": tuple(d is not None for d in defaults),
                         "field_delim": field_delim, "use_quote_delim": use_quote_delim, "na_value": na_value,
                         "select_cols": tuple(select_cols) if select_cols is not None else None})
    return list(op.outputs)
