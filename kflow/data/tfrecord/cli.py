"""``kflow-tfrecord``: look inside TFRecord files of ``tf.train.Example`` records.

Usage::

    kflow-tfrecord inspect FILE [FILE ...] [-n 3] [--compression auto|none|GZIP|ZLIB]
    python -m kflow.data.tfrecord.cli inspect FILE

``inspect`` prints the record count, every feature key with its kind, how
many records have it and the value counts seen, the first ``-n`` records in
short form, and a feature spec to paste into a parsing function.

Example:
    >>> main(["inspect", "train.tfrecord", "-n", "0"])  # doctest: +SKIP
    0
"""

import argparse
import os
import sys

from kflow.data.example.feature_spec import KIND_NAMES
from kflow.data.example.wire_format import DECODERS, index_example
from kflow.data.tfrecord.compression import compression_name
from kflow.data.tfrecord.crc import crc32c, mask
from kflow.data.tfrecord.reader import TFRecordFileReader
from kflow.errors import DataLossError, InvalidArgumentError, NotFoundError

_SPEC_DTYPES = {1: "kf.string", 2: "kf.float32", 3: "kf.int64"}


def detect_compression(path):
    """Guesses ``''``, ``'GZIP'`` or ``'ZLIB'`` from a file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(12)
    if len(head) == 12 and mask(crc32c(head[:8])) == int.from_bytes(head[8:], "little"):
        return ""
    if head[:2] == b"\x1f\x8b":
        return "GZIP"
    if len(head) >= 2 and head[0] & 0x0F == 8 and (head[0] * 256 + head[1]) % 31 == 0:
        return "ZLIB"
    return ""


class _KeyStats:
    __slots__ = ("kinds", "lengths", "records")

    def __init__(self):
        self.kinds, self.lengths, self.records = set(), set(), 0


def _short(kind, values, limit=4):
    if kind == 1:
        shown = ["%r%s" % (v[:16], "... (%d bytes)" % len(v) if len(v) > 16 else "") for v in values[:limit]]
    else:
        shown = [repr(v) for v in values[:limit].tolist()]
    more = ", ... (%d values)" % len(values) if len(values) > limit else ""
    return "[%s%s]" % (", ".join(shown), more)


def _lengths_text(lengths):
    lengths = sorted(lengths)
    if len(lengths) <= 6:
        return ", ".join(str(n) for n in lengths)
    return "%d..%d (%d distinct)" % (lengths[0], lengths[-1], len(lengths))


def _suggest(key, st, total):
    if len(st.kinds) != 1:
        return "    # %r: mixed kinds %s, no single spec fits" % (key, sorted(KIND_NAMES[k] for k in st.kinds))
    kind = next(iter(st.kinds))
    dtype = _SPEC_DTYPES[kind]
    if st.records == total and len(st.lengths) == 1:
        n = next(iter(st.lengths))
        return "    %r: kf.io.FixedLenFeature(%s, %s)," % (key, "[]" if n == 1 else "[%d]" % n, dtype)
    note = "" if st.records == total else "  # missing in %d record(s)" % (total - st.records)
    return "    %r: kf.io.VarLenFeature(%s),%s" % (key, dtype, note)


def inspect(path, num_show=3, compression="auto", out=None):
    """Prints a summary of one TFRecord file; returns 0, or 1 if the file is damaged."""
    out = out or sys.stdout
    if compression in (None, "auto"):
        compression = detect_compression(path)
    compression = compression_name(compression)
    stats, total, not_examples, status = {}, 0, 0, 0
    print("file: %s (compression: %s)" % (path, compression or "none"), file=out)
    reader = TFRecordFileReader(path, compression_type=compression)
    try:
        for record in reader:
            try:
                features = index_example(record)
                decoded = {k.decode("utf-8", "replace"): (kind, DECODERS[kind](d, s, e) if kind else [])
                           for k, (kind, d, s, e) in features.items()}
            except InvalidArgumentError:
                not_examples += 1
                continue
            finally:
                total += 1
            if total <= num_show:
                parts = ["%s: %s %s" % (k, KIND_NAMES.get(kind, "empty"), _short(kind, v))
                         for k, (kind, v) in sorted(decoded.items())]
                print("record %d (%d bytes): %s" % (total - 1, len(record), "; ".join(parts) or "no features"),
                      file=out)
            for key, (kind, values) in decoded.items():
                st = stats.setdefault(key, _KeyStats())
                st.records += 1
                if kind:
                    st.kinds.add(kind)
                st.lengths.add(len(values))
    except DataLossError as e:
        print("error after %d records: %s" % (total, e.message), file=out)
        status = 1
    finally:
        reader.close()
    print("records: %d" % total, file=out)
    if not_examples:
        print("records that are not tf.train.Example protos: %d" % not_examples, file=out)
    if not stats:
        return status
    print("features (key, kind, records with it, value counts seen):", file=out)
    width = max(len(k) for k in stats)
    for key in sorted(stats):
        st = stats[key]
        kinds = "/".join(sorted(KIND_NAMES[k] for k in st.kinds)) or "empty"
        print("  %-*s  %-10s  %d/%d  lengths: %s" % (width, key, kinds, st.records, total, _lengths_text(st.lengths)),
              file=out)
    print("suggested feature spec:", file=out)
    print("features = {", file=out)
    for key in sorted(stats):
        print(_suggest(key, stats[key], total - not_examples), file=out)
    print("}", file=out)
    return status


def main(argv=None):
    """Entry point of ``kflow-tfrecord``; returns the exit status."""
    parser = argparse.ArgumentParser(prog="kflow-tfrecord", description="Inspect TFRecord files of tf.train.Example.")
    commands = parser.add_subparsers(dest="command", required=True)
    sub = commands.add_parser("inspect", help="summarize records, features and a suggested feature spec")
    sub.add_argument("files", nargs="+", metavar="FILE")
    sub.add_argument("-n", "--num-records", type=int, default=3, help="records to print in short form (default 3)")
    sub.add_argument("--compression", default="auto", help="auto (default), none, GZIP or ZLIB")
    args = parser.parse_args(argv)
    status = 0
    for i, path in enumerate(args.files):
        if i:
            print()
        try:
            status |= inspect(path, args.num_records, args.compression)
        except BrokenPipeError:  # `kflow-tfrecord inspect f | head`: stop quietly
            sys.stdout = open(os.devnull, "w")
            return status
        except (NotFoundError, FileNotFoundError, IsADirectoryError, InvalidArgumentError) as e:
            print("%s: %s" % (path, getattr(e, "message", None) or e), file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
