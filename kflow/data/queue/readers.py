"""TF1's queue-fed readers: ``TFRecordReader``, ``TextLineReader``, ``FixedLengthRecordReader``,
``WholeFileReader``, and the ``read_file`` op.

A reader's ``read(queue)`` op returns one ``(key, value)`` pair of string scalars: the value is the next
record of the current file; when a file is done, the reader dequeues the next file name from ``queue``
(a ``string_input_producer``'s), and once that queue is closed and empty the op raises ``OutOfRangeError``.
Keys say where a record came from: ``b"file:offset"`` (TFRecord), ``b"file:line"`` (text, 1-based),
``b"file:index"`` (fixed length), the file name (whole file, identity). Each session keeps its own position.

Example:
    >>> filename_queue = kf.train.string_input_producer(["a.tfrecords"], num_epochs=1)
    >>> key, serialized = kf.TFRecordReader().read(filename_queue)
"""
import glob
import threading

import numpy as np

from kflow import errors
from kflow.data.tfrecord.reader import TFRecordFileReader
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.constant_op import convert_to_tensor


def _text(value):
    value = value.item() if isinstance(value, np.ndarray) else value
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _open(filename, op):
    try:
        return open(filename, "rb")
    except FileNotFoundError:
        raise errors.NotFoundError(None, op, "%s; No such file or directory" % filename) from None


class _ReaderState:
    """One reader's position in one session: the open file's records and the counts."""

    def __init__(self, reader):
        self.reader = reader
        self.records = None  # iterator of (key, value) over the current file
        self.produced = 0
        self.completed = 0
        self.lock = threading.Lock()

    def next_records(self, queue_state, n, op):
        """Up to ``n`` records, all from one file (the next one, dequeued, when the current one is done)."""
        with self.lock:
            out = []
            while len(out) < n:
                if self.records is None:
                    if out:
                        break  # a batch never spans files, as TF's ReadUpTo
                    filename = _text(queue_state.take(1, False, op)[0][0])
                    self.records = self.reader._records(filename, op)
                record = next(self.records, None)
                if record is None:
                    self.records = None
                    self.completed += 1
                    continue
                out.append(record)
            self.produced += len(out)
            return out

    def reset(self):
        with self.lock:
            self.records, self.produced, self.completed = None, 0, 0

    def close(self):
        self.records = None


def _reader_binder(make_kernel):
    def bind(op, session):
        reader = op.attrs["reader"]
        key = ("reader", reader)
        state = session.resources.get(key) or session.resources.setdefault(key, _ReaderState(reader))
        return make_kernel(op, state, session)
    return bind


def _strings(values):
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _read_kernel(op, state, session):
    queue_state = op.attrs["queue"].session_state(session)

    def read():
        key, value = state.next_records(queue_state, 1, op)[0]
        return np.array(key, dtype=object), np.array(value, dtype=object)
    return read


def _read_up_to_kernel(op, state, session):
    queue_state = op.attrs["queue"].session_state(session)

    def read_up_to(n):
        records = state.next_records(queue_state, int(n), op)
        return _strings([k for k, _ in records]), _strings([v for _, v in records])
    return read_up_to


def _reset_kernel(op, state, session):
    return state.reset


def _produced_kernel(op, state, session):
    return lambda: np.array(state.produced, dtype=np.int64)


def _completed_kernel(op, state, session):
    return lambda: np.array(state.completed, dtype=np.int64)


READER_READ = OpDef("ReaderReadV2", bind=_reader_binder(_read_kernel), grad=None, host_only=True)
READER_READ_UP_TO = OpDef("ReaderReadUpToV2", bind=_reader_binder(_read_up_to_kernel), grad=None, host_only=True)
READER_RESET = OpDef("ReaderResetV2", bind=_reader_binder(_reset_kernel), grad=None, host_only=True)
READER_NUM_RECORDS_PRODUCED = OpDef("ReaderNumRecordsProducedV2", bind=_reader_binder(_produced_kernel), grad=None,
                                    host_only=True)
READER_NUM_WORK_UNITS_COMPLETED = OpDef("ReaderNumWorkUnitsCompletedV2", bind=_reader_binder(_completed_kernel),
                                        grad=None, host_only=True)


class ReaderBase:
    """A reader of records from files named by a queue; subclasses say how a file splits into records."""

    _default_name = "Reader"

    def __init__(self, name=None):
        self._name = name or self._default_name

    def _records(self, filename, op):
        """Yields ``(key_bytes, value_bytes)`` for each record of ``filename``."""
        raise NotImplementedError

    def _op(self, op_def, inputs, specs, name, queue=None):
        attrs = {"reader": self}
        if queue is not None:
            if not hasattr(queue, "session_state"):
                raise TypeError("%s.read needs a queue of file names (e.g. kf.train.string_input_producer(...)), "
                                "got %r" % (type(self).__name__, queue))
            attrs["queue"] = queue
        return make_op(op_def, inputs, specs, name or "%s_%s" % (self._name, op_def.type[6:-2]), attrs=attrs)

    def read(self, queue, name=None):
        """``(key, value)``: the next record (string scalars)."""
        op = self._op(READER_READ, [], [(dtypes.string, [])] * 2, name, queue)
        return op.outputs[0], op.outputs[1]

    def read_up_to(self, queue, num_records, name=None):
        """``(keys, values)``: up to ``num_records`` records of one file (string vectors)."""
        n = convert_to_tensor(num_records, dtype=dtypes.int64)
        op = self._op(READER_READ_UP_TO, [n], [(dtypes.string, [None])] * 2, name, queue)
        return op.outputs[0], op.outputs[1]

    def reset(self, name=None):
        """An op that forgets the current file and the counts."""
        return self._op(READER_RESET, [], [], name)

    def num_records_produced(self, name=None):
        return self._op(READER_NUM_RECORDS_PRODUCED, [], [(dtypes.int64, [])], name).outputs[0]

    def num_work_units_completed(self, name=None):
        return self._op(READER_NUM_WORK_UNITS_COMPLETED, [], [(dtypes.int64, [])], name).outputs[0]

    @property
    def supports_serialize(self):
        return False


class TFRecordReader(ReaderBase):
    """Records of TFRecord files (CRC-checked; ``options``: a compression type or ``TFRecordOptions``)."""

    _default_name = "TFRecordReader"

    def __init__(self, name=None, options=None):
        super().__init__(name)
        self._options = options

    def _records(self, filename, op):
        with TFRecordFileReader(filename, compression_type=self._options) as records:
            while True:
                offset = records.offset
                record = next(records, None)
                if record is None:
                    return
                yield ("%s:%d" % (filename, offset)).encode(), record


class IdentityReader(ReaderBase):
    """Each work unit (queue entry) is one record whose key and value are both the entry itself."""

    _default_name = "IdentityReader"

    def _records(self, filename, op):
        yield filename.encode(), filename.encode()


class WholeFileReader(ReaderBase):
    """Each file is one record: key = the file name, value = its contents."""

    _default_name = "WholeFileReader"

    def _records(self, filename, op):
        with _open(filename, op) as f:
            data = f.read()
        yield filename.encode(), data


class TextLineReader(ReaderBase):
    """Each line is a record (without its line ending), after ``skip_header_lines`` lines."""

    _default_name = "TextLineReader"

    def __init__(self, skip_header_lines=None, name=None):
        super().__init__(name)
        self._skip = int(skip_header_lines or 0)

    def _records(self, filename, op):
        with _open(filename, op) as f:
            for number, line in enumerate(f, 1):
                if number > self._skip:
                    yield ("%s:%d" % (filename, number)).encode(), line.rstrip(b"\n").rstrip(b"\r")


class FixedLengthRecordReader(ReaderBase):
    """Records of ``record_bytes`` bytes, after ``header_bytes`` and before ``footer_bytes``; consecutive
    records start ``hop_bytes`` apart (default: ``record_bytes``). A short tail is ignored, as in TF."""

    _default_name = "FixedLengthRecordReader"

    def __init__(self, record_bytes, header_bytes=None, footer_bytes=None, hop_bytes=None, name=None,
                 encoding=None):
        super().__init__(name)
        if record_bytes <= 0:
            raise ValueError("FixedLengthRecordReader: record_bytes must be positive, got %r" % (record_bytes,))
        self._record = int(record_bytes)
        self._header = int(header_bytes or 0)
        self._footer = int(footer_bytes or 0)
        self._hop = int(hop_bytes or record_bytes)

    def _records(self, filename, op):
        with _open(filename, op) as f:
            data = f.read()
        end = len(data) - self._footer
        index, start = 0, self._header
        while start + self._record <= end:
            yield ("%s:%d" % (filename, index)).encode(), data[start:start + self._record]
            index += 1
            start += self._hop


def _read_file_kernel(filename):
    name = _text(filename)
    try:
        with open(name, "rb") as f:
            return np.array(f.read(), dtype=object)
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, "read_file: %s; No such file or directory" % name) from None


READ_FILE = OpDef("ReadFile", _read_file_kernel, grad=None, host_only=True)


def read_file(filename, name=None):
    """The contents of the file ``filename`` (a string scalar tensor) as a string scalar.

    Raises:
        NotFoundError: (when run) the file does not exist.
    """
    filename = convert_to_tensor(filename, dtype=dtypes.string)
    return make_op(READ_FILE, [filename], [(dtypes.string, [])], name or "ReadFile").outputs[0]


def _matching_files_kernel(pattern):
    patterns = [_text(p) for p in np.asarray(pattern, dtype=object).reshape(-1)]
    return _strings([name.encode() for p in patterns for name in sorted(glob.glob(p))])


MATCHING_FILES = OpDef("MatchingFiles", _matching_files_kernel, grad=None, host_only=True)


def matching_files(pattern, name=None):
    """The sorted file names matching the glob ``pattern`` (a string or a vector of them), when run."""
    pattern = convert_to_tensor(pattern, dtype=dtypes.string)
    return make_op(MATCHING_FILES, [pattern], [(dtypes.string, [None])], name or "MatchingFiles").outputs[0]
