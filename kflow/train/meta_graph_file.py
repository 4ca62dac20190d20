"""The ``.meta`` file: kflow's own meta graph container (NOT TensorFlow's MetaGraphDef protobuf).

A meta graph file is one header line followed by a UTF-8 JSON document::

    kflow-meta-graph <version> crc32c=<8 hex digits> length=<bytes of the JSON>\\n
    {"format": "kflow-meta-graph", "version": 1, "graph": {...}, "collections": {...}, "saver": {...}}

The CRC-32C covers the JSON bytes, so a damaged or truncated file is reported as such (``DataLossError``
naming the file) instead of as a confusing JSON error. Reading never executes code: the JSON holds only
numbers, strings, base64 arrays and *names* (of ops, of declared op types, of kflow's own module-level
functions), see :mod:`kflow.engine.graph_json`. Files are written atomically and honour the umask.
``as_text=True`` indents the JSON (the file stays a valid meta graph file).

Example:
    >>> write_meta_graph_file("run/model.meta", {"graph": {...}, "collections": {}, "saver": None})
    >>> read_meta_graph_file("run/model.meta")["graph"]
"""
import json
import os

from crc32c import crc32c

from kflow import errors
from kflow.atomic_file import atomic_write

FORMAT = "kflow-meta-graph"
VERSION = 1
_MAX_HEADER = 200


def write_meta_graph_file(path, document, as_text=False):
    """Writes ``document`` (a JSON-safe dict) as a meta graph file at ``path``, atomically."""
    document = dict(document, format=FORMAT, version=VERSION)
    body = json.dumps(document, indent=1 if as_text else None, separators=None if as_text else (",", ":"),
                      allow_nan=True).encode("utf-8")
    header = ("%s %d crc32c=%08x length=%d\n" % (FORMAT, VERSION, crc32c(body), len(body))).encode("ascii")
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(header)
            f.write(body)


def read_meta_graph_file(path):
    """The document of the meta graph file ``path``.

    Raises:
        NotFoundError: no such file.
        DataLossError: not a kflow meta graph file, a newer format version, truncated, or damaged (CRC).
    """
    path = os.fspath(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, "Meta graph file %s does not exist" % path) from None
    newline = data.find(b"\n", 0, _MAX_HEADER)
    fields = data[:newline].decode("ascii", "replace").split() if newline > 0 else []
    if len(fields) != 4 or fields[0] != FORMAT or not fields[2].startswith("crc32c=") \
            or not fields[3].startswith("length="):
        hint = " (a TensorFlow MetaGraphDef protobuf? kflow reads only its own .meta files)" \
            if data[:1] == b"\n" or b"meta_info_def" in data[:200] else ""
        raise errors.DataLossError(None, None, "%s is not a kflow meta graph file: its first line is not a "
                                   "'%s' header%s" % (path, FORMAT, hint))
    try:
        version, crc, length = int(fields[1]), int(fields[2][7:], 16), int(fields[3][7:])
    except ValueError:
        raise errors.DataLossError(None, None, "Meta graph file %s has a damaged header: %r"
                                   % (path, data[:newline])) from None
    if version > VERSION:
        raise errors.DataLossError(None, None, "Meta graph file %s has format version %d; this kflow reads "
                                   "versions up to %d (written by a newer kflow)" % (path, version, VERSION))
    body = data[newline + 1:]
    if len(body) != length:
        raise errors.DataLossError(None, None, "Meta graph file %s is truncated or damaged: %d bytes of graph "
                                   "data, the header says %d" % (path, len(body), length))
    if crc32c(body) != crc:
        raise errors.DataLossError(None, None, "Meta graph file %s is damaged: CRC-32C mismatch (stored %08x, "
                                   "computed %08x)" % (path, crc, crc32c(body)))
    document = json.loads(body.decode("utf-8"))
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise errors.DataLossError(None, None, "Meta graph file %s holds no kflow meta graph" % path)
    return document
