"""File datasets: ``TFRecordDataset``, ``TextLineDataset``, ``FixedLengthRecordDataset``, ``list_files``.

Each yields scalar ``bytes`` records. ``filenames`` may be a path, a list of
paths, a string Tensor (scalar or vector; e.g. a placeholder fed by the
initializer) or a Dataset of file names. Files are read in large pieces
and handed on as lists of records, which ``batch`` consumes directly. With
``num_parallel_reads`` > 1, files are read in background threads and their
records interleaved one by one, in TF's deterministic order.

Example:
    >>> ds = kf.data.TFRecordDataset(["a.tfrecord", "b.tfrecord"], compression_type="GZIP")
    >>> ds = kf.data.FixedLengthRecordDataset("train-images-idx3-ubyte.gz", 784, header_bytes=16,
    ...                                       compression_type="GZIP")
"""
import glob
import itertools
import os
import sys

import numpy as np

from kflow import errors
from kflow.data.pipeline.context import scalar_int
from kflow.data.pipeline.dataset import Dataset
from kflow.data.pipeline.item_ops import ShuffleDataset
from kflow.data.pipeline.map_ops import interleave, parallelism
from kflow.data.pipeline.structure import ElementSpec, LeafSpec
from kflow.data.tfrecord.chunks import tfrecord_chunks
from kflow.data.tfrecord.compression import InflateReader, compression_name
from kflow.data.tfrecord.reader import TFRecordFileReader
from kflow.engine import dtypes
from kflow.engine.ops.constant_op import is_tensor_like

_READ_BYTES = 1 << 20
_STRING_SCALAR = ElementSpec(LeafSpec(dtypes.string, []))


def _as_path(name):
    if isinstance(name, np.ndarray):
        name = name.item()
    return os.fsdecode(name) if isinstance(name, (bytes, str, os.PathLike)) else str(name)


class FileNamesDataset(Dataset):
    """The file names given to a file dataset (path, list of paths or string tensor)."""

    def __init__(self, filenames):
        if is_tensor_like(filenames):
            t = filenames._as_tensor() if hasattr(filenames, "_as_tensor") else filenames
            if t.dtype is not dtypes.string or (t.shape.ndims or 0) > 1:
                raise TypeError("`filenames` must be a scalar or vector tf.string tensor, got %s" % t)
            names = filenames
        else:
            items = [filenames] if isinstance(filenames, (str, bytes, os.PathLike)) else list(filenames)
            for f in items:
                if not isinstance(f, (str, bytes, os.PathLike)):
                    raise TypeError("`filenames` must hold strings, got %r" % (f,))
            names = [os.fsencode(f) for f in items]
        super().__init__(params=[names])
        self._names = names
        self._spec = _STRING_SCALAR

    def _make_iterator(self, ctx):
        names = ctx.resolve(self._names)
        flat = np.asarray(names, object).reshape(-1) if not isinstance(names, list) else names
        return ((os.fsencode(_as_path(n)),) for n in flat)


def filenames_dataset(filenames):
    """A Dataset of scalar string file names for the ``filenames`` argument of a file dataset."""
    if isinstance(filenames, Dataset):
        flat = filenames.element_spec.flat
        if len(flat) != 1 or flat[0].dtype is not dtypes.string or not flat[0].shape.is_compatible_with([]):
            raise TypeError("`filenames` must be a Dataset of scalar tf.string elements, got %s"
                            % filenames.element_spec.describe())
        return filenames
    return FileNamesDataset(filenames)


class FileRecordDataset(Dataset):
    """Records of a sequence of files; subclasses read one file as lists of records."""

    def __init__(self, filenames, num_parallel_reads=None, params=()):
        super().__init__([filenames_dataset(filenames)], params=list(params) + [num_parallel_reads])
        self._parallel_reads = num_parallel_reads
        self._spec = _STRING_SCALAR

    def _read_chunks(self, path, ctx):
        """Lists of records (``bytes``) of the file ``path``."""
        raise NotImplementedError

    def _paths(self, ctx):
        for (name,) in self._inputs[0]._make_iterator(ctx):
            yield _as_path(name)

    def _threads(self, ctx):
        return parallelism(ctx.resolve(self._parallel_reads), "num_parallel_reads")

    def _record_chunks(self, ctx):
        if self._threads(ctx) > 1:
            return None
        return (chunk for path in self._paths(ctx) for chunk in self._read_chunks(path, ctx))

    def _make_iterator(self, ctx):
        n = self._threads(ctx)
        if n > 1:
            def open_file(path):
                return ((r,) for chunk in self._read_chunks(path, ctx) for r in chunk)
            return interleave(self._paths(ctx), open_file, n, 1, read_ahead=1024, group=256)
        return ((r,) for chunk in self._record_chunks(ctx) for r in chunk)


def _open(path, compression):
    try:
        raw = open(path, "rb", buffering=0)
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, "%s; No such file or directory" % path) from None
    except IsADirectoryError:
        raise errors.InvalidArgumentError(None, None, "%s is a directory, not a file" % path) from None
    return InflateReader(raw, compression, path) if compression else raw


def _compression(ctx, value):
    value = ctx.resolve(value)
    if isinstance(value, np.ndarray):
        value = value.item()
    if isinstance(value, bytes):
        value = value.decode("utf-8")
    return compression_name(value)


class TFRecordDataset(FileRecordDataset):
    """The records of TFRecord files (``tf.data.TFRecordDataset``); CRCs are verified.

    Args:
        filenames: file name(s), a string tensor, or a Dataset of file names.
        compression_type: ``''``, ``'ZLIB'`` or ``'GZIP'``.
        buffer_size: bytes read at a time (default 1 MiB).
        num_parallel_reads: files read at once (records interleaved); None reads them in order.
        skip_corrupt: (kflow extension, opt-in) skip records with a bad CRC or a
            truncated tail instead of raising DataLossError; each damaged file
            issues one ``CorruptRecordWarning`` giving how many records were
            skipped and where the first one was.

    Example:
        >>> ds = TFRecordDataset(["a.tfrecord", "b.tfrecord"], num_parallel_reads=2)
        >>> salvage = TFRecordDataset("damaged.tfrecord", skip_corrupt=True)
    """

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None,
                 skip_corrupt=False):
        super().__init__(filenames, num_parallel_reads, params=[compression_type, buffer_size])
        self._compression, self._buffer_size = compression_type, buffer_size
        self._skip_corrupt = bool(skip_corrupt)

    def _read_chunks(self, path, ctx):
        size = ctx.resolve(self._buffer_size)
        size = _READ_BYTES if size is None or int(size) <= 0 else int(size)
        if self._skip_corrupt:  # the reference reader re-synchronizes after damage; the block reader cannot
            return _skipping_chunks(path, _compression(ctx, self._compression), size)
        return tfrecord_chunks(path, _compression(ctx, self._compression), size)


def _skipping_chunks(path, compression, buffer_size, group=1024):
    """Lists of the intact records of one TFRecord file; damaged ones are counted, warned about and skipped."""
    reader = TFRecordFileReader(path, compression_type=compression, skip_corrupt=True, buffer_size=buffer_size)
    try:
        while True:
            records = list(itertools.islice(reader, group))
            if not records:
                return
            yield records
    finally:
        reader.close()


class TextLineDataset(FileRecordDataset):
    """The lines of text files, without their line endings (``\\n`` or ``\\r\\n``)."""

    def __init__(self, filenames, compression_type=None, buffer_size=None, num_parallel_reads=None):
        super().__init__(filenames, num_parallel_reads, params=[compression_type])
        self._compression = compression_type

    def _read_chunks(self, path, ctx):
        stream = _open(path, _compression(ctx, self._compression))
        try:
            rest = b""
            while True:
                data = stream.read(_READ_BYTES)
                if not data:
                    break
                buf = rest + data if rest else data
                lines = buf.split(b"\n")
                rest = lines.pop()
                if lines:
                    yield _strip_cr(lines) if b"\r" in buf else lines
            if rest:
                yield _strip_cr([rest])
        finally:
            stream.close()


def _strip_cr(lines):
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


class FixedLengthRecordDataset(FileRecordDataset):
    """Records of ``record_bytes`` bytes between a header and a footer (``tf.data.FixedLengthRecordDataset``)."""

    def __init__(self, filenames, record_bytes, header_bytes=None, footer_bytes=None, buffer_size=None,
                 compression_type=None, num_parallel_reads=None):
        if isinstance(record_bytes, int) and record_bytes <= 0:
            raise ValueError("record_bytes must be positive, got %d" % record_bytes)
        super().__init__(filenames, num_parallel_reads,
                         params=[record_bytes, header_bytes, footer_bytes, compression_type])
        self._sizes = (record_bytes, header_bytes, footer_bytes)
        self._compression = compression_type

    def _read_chunks(self, path, ctx):
        record, header, footer = (0 if v is None else scalar_int(ctx.resolve(v), "record size")
                                  for v in self._sizes)
        stream = _open(path, _compression(ctx, self._compression))
        try:
            head = _read_exactly(stream, header)
            if len(head) < header:
                raise errors.InvalidArgumentError(None, None, "%s is shorter (%d bytes) than its header (%d bytes)"
                                                  % (path, len(head), header))
            rest, body = b"", 0
            step = max(record, (_READ_BYTES // record) * record)
            while True:
                data = stream.read(step)
                buf = rest + data if rest else data
                usable = len(buf) - footer  # the last `footer` bytes may be the footer: keep them back
                if data:
                    usable = max(usable - usable % record, 0)
                elif usable < 0:
                    raise errors.InvalidArgumentError(None, None, "%s is too short for its header (%d bytes) and "
                                                      "footer (%d bytes)" % (path, header, footer))
                elif usable % record:
                    raise errors.InvalidArgumentError(
                        None, None, "Excluding the header (%d bytes) and footer (%d bytes), input file \"%s\" has "
                        "body length %d bytes, which is not an exact multiple of the record length (%d bytes)."
                        % (header, footer, path, body + usable, record))
                if usable:
                    yield [buf[i:i + record] for i in range(0, usable, record)]
                    body += usable
                if not data:
                    return
                rest = buf[usable:]
        finally:
            stream.close()


def _read_exactly(stream, n):
    parts, got = [], 0
    while got < n:
        piece = stream.read(n - got)
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


class MatchingFilesDataset(Dataset):
    """The sorted file names matching glob pattern(s); an error when none match."""

    def __init__(self, file_pattern):
        super().__init__(params=[file_pattern])
        self._pattern = file_pattern
        self._spec = _STRING_SCALAR

    def _make_iterator(self, ctx):
        value = ctx.resolve(self._pattern)
        patterns = [value] if isinstance(value, (str, bytes, os.PathLike)) else np.asarray(value, object).ravel()
        matches = set()
        for p in patterns:
            matches.update(glob.glob(_as_path(p)))
        if not matches:
            raise errors.InvalidArgumentError(None, None, "No files matched pattern: %s"
                                              % ", ".join(_as_path(p) for p in patterns))
        return ((os.fsencode(m),) for m in sorted(matches))


def list_files(file_pattern, shuffle=None, seed=None):
    """``Dataset.list_files``: matching file names, shuffled (reproducibly with ``seed``) unless shuffle=False."""
    files = MatchingFilesDataset(file_pattern)
    if shuffle is None or shuffle:
        return ShuffleDataset(files, sys.maxsize, seed)
    return files
