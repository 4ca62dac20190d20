"""TFRecord compression: ``TFRecordOptions`` and streaming GZIP / ZLIB wrappers.

TF compresses a whole TFRecord file as one zlib stream (``ZLIB``: zlib
header, ``GZIP``: gzip header, window bits + 16) with zlib's defaults
(level -1, memLevel 9), which is what :class:`DeflateWriter` does, so files
come out as TF writes them. :class:`InflateReader` streams them back in
bounded pieces (no whole-file loads, no zip bombs) and also reads
concatenated gzip members.

Example:
    >>> opts = TFRecordOptions(TFRecordCompressionType.GZIP)
    >>> TFRecordOptions.get_compression_type_string(opts)
    'GZIP'
"""

import zlib

from kflow.errors import DataLossError, InvalidArgumentError


class TFRecordCompressionType:
    """The compression kinds of ``tf.python_io.TFRecordCompressionType``."""

    NONE = 0
    ZLIB = 1
    GZIP = 2


_NAMES = {TFRecordCompressionType.NONE: "", TFRecordCompressionType.ZLIB: "ZLIB",
          TFRecordCompressionType.GZIP: "GZIP"}


class TFRecordOptions:
    """Options for TFRecord files (``tf.io.TFRecordOptions``).

    Args:
        compression_type: ``''`` / ``None``, ``'ZLIB'``, ``'GZIP'`` or a
            :class:`TFRecordCompressionType` value.
        compression_level: zlib level 0-9 (``-1``/``None``: zlib's default).
        window_bits: zlib window bits 8-15 (``None``: 15).
        mem_level: zlib memory level 1-9 (``None``: 9, TF's default).
        Other TF arguments (``flush_mode``, buffer sizes, method, strategy)
        are accepted for compatibility.
    """

    def __init__(self, compression_type=None, flush_mode=None, input_buffer_size=None, output_buffer_size=None,
                 window_bits=None, compression_level=None, compression_method=None, mem_level=None,
                 compression_strategy=None):
        self.compression_type = compression_name(compression_type)
        self.flush_mode = flush_mode
        self.input_buffer_size = input_buffer_size
        self.output_buffer_size = output_buffer_size
        self.window_bits = window_bits
        self.compression_level = compression_level
        self.compression_method = compression_method
        self.mem_level = mem_level
        self.compression_strategy = compression_strategy

    @classmethod
    def get_compression_type_string(cls, options):
        """``''``, ``'ZLIB'`` or ``'GZIP'`` for options, a string, a type value or ``None``."""
        return compression_name(options)

    def __repr__(self):
        return "TFRecordOptions(compression_type=%r)" % self.compression_type


def compression_name(options):
    """Normalizes ``None`` / str / :class:`TFRecordCompressionType` / options to ``''``, ``'ZLIB'``, ``'GZIP'``."""
    if isinstance(options, TFRecordOptions):
        return options.compression_type
    if options is None:
        return ""
    if isinstance(options, int) and options in _NAMES:
        return _NAMES[options]
    if isinstance(options, str) and options.upper() in ("", "NONE", "ZLIB", "GZIP"):
        return "" if options.upper() == "NONE" else options.upper()
    raise InvalidArgumentError(None, None, "Unsupported compression type %r: expected '', 'ZLIB' or 'GZIP'"
                               % (options,))


def _window_bits(compression, options):
    bits = getattr(options, "window_bits", None) or zlib.MAX_WBITS
    return bits + 16 if compression == "GZIP" else bits


class DeflateWriter:
    """A write-only binary stream that zlib/gzip-compresses into ``raw``."""

    def __init__(self, raw, compression, options=None):
        level = getattr(options, "compression_level", None)
        mem_level = getattr(options, "mem_level", None) or 9
        self._raw = raw
        self._deflate = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION if level is None else level, zlib.DEFLATED,
                                         _window_bits(compression, options), mem_level)

    def write(self, data):
        self._raw.write(self._deflate.compress(data))

    def flush(self):
        # A sync flush makes everything written so far decodable by a concurrent reader.
        self._raw.write(self._deflate.flush(zlib.Z_SYNC_FLUSH))
        self._raw.flush()

    def close(self):
        if self._deflate is not None:
            self._raw.write(self._deflate.flush(zlib.Z_FINISH))
            self._deflate = None
        self._raw.close()


class InflateReader:
    """A read-only binary stream that decompresses ``raw`` (a zlib or gzip stream) piece by piece.

    Raises:
        DataLossError: the compressed stream is corrupt or ends early.
    """

    def __init__(self, raw, compression, name, options=None, chunk_size=1 << 20):
        self._raw = raw
        self._name = name
        self._bits = _window_bits(compression, options)
        self._kind = compression
        self._chunk = chunk_size
        self._inflate = zlib.decompressobj(self._bits)
        self._pending = b""
        self._in_member = False
        self._failure = None

    def read(self, n):
        """Returns up to ``n`` decompressed bytes; ``b''`` only at the end of the stream.

        Data decoded before a failure is returned first; the failure is raised by the next call.
        """
        if self._failure is not None:
            raise self._failure
        parts = []
        want = n
        while want > 0:
            if self._inflate.unconsumed_tail:
                data = self._inflate.unconsumed_tail
            elif self._pending:
                data, self._pending = self._pending, b""
            else:
                data = self._raw.read(self._chunk)
                if not data:
                    if self._in_member:
                        self._fail("truncated %s stream: the compressed data ends before its end-of-stream marker"
                                   % self._kind, parts)
                    break
            try:
                out = self._inflate.decompress(data, want)
            except zlib.error as e:
                self._fail("corrupt %s stream: %s" % (self._kind, e), parts)
                break
            self._in_member = True
            parts.append(out)
            want -= len(out)
            if self._inflate.eof:  # end of one member; gzip files may hold several
                self._pending = self._inflate.unused_data
                self._inflate = zlib.decompressobj(self._bits)
                self._in_member = False
        return b"".join(parts)

    def _fail(self, reason, parts):
        self._failure = DataLossError(None, None, "%s: %s" % (self._name, reason))
        if not any(parts):
            raise self._failure

    def close(self):
        self._raw.close()
