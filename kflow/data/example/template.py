"""Template-matching batch parser: many same-layout ``Example`` records at numpy speed.

Records written by one program usually share a layout: same keys, kinds and
counts, with only the value bytes differing (MNIST: a 784-byte image and a
one-byte label varint). For records of one length, the first record is
parsed normally and every byte the parser's *decisions* depend on (tags,
lengths, keys, varint continuation bits) is recorded; bytes that are pure
payload (packed floats, bytes-list contents, list bodies of features nobody
asked for) are free. A record whose decision bytes all equal the template's
walks the parser down exactly the same path, so its values sit at the same
offsets and can be cut out of a ``[records, length]`` uint8 matrix for the
whole group at once. Records that differ fall back to the per-record parser.

Example:
    >>> slow_rows = parse_groups(records, fields, outputs, errors, record_values)
"""

import numpy as np

from kflow.data.example.wire_format import index_example, packed_payload, span
from kflow.errors import InvalidArgumentError

MIN_GROUP = 16  # below this, per-record parsing is cheaper than numpy set-up
MAX_TEMPLATES_PER_LENGTH = 3


class Template:
    """Decision bytes of one sample record plus how to cut out each field's values."""

    def __init__(self, sample, check, msb, extractors, needs_records):
        raw = np.frombuffer(sample, np.uint8)
        self.check_cols = np.flatnonzero(check)
        self.check_vals = raw[self.check_cols]
        self.msb_cols = np.flatnonzero(msb)
        self.msb_vals = raw[self.msb_cols] & 0x80
        self.extractors = extractors
        self.needs_records = needs_records

    def match(self, matrix):
        """Boolean mask of the rows of ``matrix`` (records x bytes) that share the layout."""
        ok = (matrix[:, self.check_cols] == self.check_vals).all(axis=1)
        if self.msb_cols.size:
            ok &= ((matrix[:, self.msb_cols] & 0x80) == self.msb_vals).all(axis=1)
        return ok

    def extract(self, matrix, records):
        """Each field's values as a ``[rows, count]`` array for the matched rows."""
        return [fn(matrix, records) for fn in self.extractors]


def _const(values, dtype):
    row = np.empty(len(values), dtype)
    row[:] = values
    return lambda matrix, records: np.broadcast_to(row, (matrix.shape[0], row.size))


def _floats(a, b, dtype):
    return lambda matrix, records: np.ascontiguousarray(matrix[:, a:b]).view("<f4").astype(dtype, copy=False)


def _int64s(a, b, sample_payload, dtype):
    raw = np.frombuffer(sample_payload, np.uint8)
    if (raw < 0x80).all():  # one byte per value: the bytes are the values
        return lambda matrix, records: matrix[:, a:b].astype(dtype)
    stops = np.flatnonzero(raw < 0x80)
    starts = np.concatenate([[0], stops[:-1] + 1])
    shifts = (7 * (np.arange(raw.size) - np.repeat(starts, stops - starts + 1))).astype(np.uint64)

    def extract(matrix, records):
        parts = (matrix[:, a:b] & 0x7F).astype(np.uint64) << shifts
        return np.add.reduceat(parts, starts, axis=1).view(np.int64).astype(dtype, copy=False)
    return extract


def _bytes(ranges):
    def extract(matrix, records):
        out = np.empty((len(records), len(ranges)), object)
        for j, (a, b) in enumerate(ranges):
            out[:, j] = [r[a:b] for r in records]
        return out
    return extract


def _bytes_ranges(data, start, end):
    """Content ranges if the BytesList is plain ``(0x0a, len, content)*``, else ``None``."""
    ranges = []
    pos = start
    while pos < end:
        if data[pos] != 0x0A:
            return None
        s, pos = span(data, pos + 1, end)
        ranges.append((s, pos))
    return ranges


def build_template(sample, fields, sample_values):
    """A :class:`Template` from one record already parsed into ``sample_values``, or ``None``."""
    index = index_example(sample)
    wanted = {f.key: (f, v) for f, v in zip(fields, sample_values)}
    check = np.ones(len(sample), bool)
    msb = np.zeros(len(sample), bool)
    extractors = {}
    needs_records = False
    for key, (kind, data, start, end) in index.items():
        if data is not sample:
            return None  # protobuf merging built new bytes: offsets do not map back
        if key not in wanted:
            check[start:end] = False  # never looked at
            continue
        field, values = wanted[key]
        if kind != field.kind:
            continue  # a missing-kind feature: constant, like the sample
        if kind == 2:
            payload = packed_payload(data, start, end)
            if payload is not None:
                check[payload[0]:payload[1]] = False
                extractors[key] = _floats(payload[0], payload[1], field.dtype)
        elif kind == 3:
            payload = packed_payload(data, start, end)
            if payload is not None:
                check[payload[0]:payload[1]] = False
                msb[payload[0]:payload[1]] = True
                extractors[key] = _int64s(payload[0], payload[1], sample[payload[0]:payload[1]], field.dtype)
        else:
            ranges = _bytes_ranges(data, start, end)
            if ranges is not None:
                for a, b in ranges:
                    check[a:b] = False
                extractors[key] = _bytes(ranges)
                needs_records = True
    # Fields missing from the sample, or laid out unusually, are fully checked bytes: same as the sample.
    ordered = [extractors.get(f.key) or _const(v, f.dtype) for f, v in zip(fields, sample_values)]
    return Template(sample, check, msb, ordered, needs_records)


def _parse_group(records, rows, fields, outputs, errors, record_values):
    """Parses one same-length group by templates; returns the rows left for the slow path."""
    group = records if len(rows) == len(records) else [records[i] for i in rows]
    matrix = np.frombuffer(b"".join(group), np.uint8).reshape(len(group), -1)
    remaining = np.arange(len(group))
    for _ in range(MAX_TEMPLATES_PER_LENGTH):
        if remaining.size < MIN_GROUP:
            break
        first = int(remaining[0])
        try:
            sample_values = record_values(group[first], fields, int(rows[first]))
        except InvalidArgumentError as e:
            errors.append((int(rows[first]), e))
            return rows[remaining[remaining < first]]
        template = build_template(group[first], fields, sample_values)
        if template is None:
            break
        sub = matrix if remaining.size == len(group) else matrix[remaining]
        ok = template.match(sub)
        matched = remaining[ok]
        if matched.size < MIN_GROUP // 2:
            break
        if matched.size != sub.shape[0]:
            sub = sub[ok]
        chunk_records = [group[i] for i in matched] if template.needs_records else None
        if chunk_records is not None and matched.size == len(group):
            chunk_records = group
        outputs.put_chunk(rows[matched], template.extract(sub, chunk_records or [None] * matched.size))
        remaining = remaining[~ok]
    return rows[remaining]


def parse_groups(records, fields, outputs, errors, record_values):
    """Parses every large same-length group of ``records`` into ``outputs``.

    Errors found go to ``errors`` as ``(record_index, exception)``. Returns the
    sorted record indices still to be parsed one by one.
    """
    n = len(records)
    if n < MIN_GROUP:
        return range(n)
    lengths = np.fromiter(map(len, records), np.int64, n)
    order = np.argsort(lengths, kind="stable")
    bounds = np.flatnonzero(np.diff(lengths[order])) + 1
    slow = []
    for rows in np.split(order, bounds):
        if rows.size < MIN_GROUP or lengths[rows[0]] == 0:
            slow.append(rows)
        else:
            slow.append(_parse_group(records, rows, fields, outputs, errors, record_values))
    return np.sort(np.concatenate(slow)).tolist() if slow else []
