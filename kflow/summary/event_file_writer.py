"""``kf.summary.FileWriter``: writes summaries, graphs and session logs to a TensorBoard event file.

The file is ``<logdir>/events.out.tfevents.<10-digit time>.<hostname><suffix>``,
a TFRecord file of serialized ``Event`` messages whose first record holds
``file_version: "brain.Event:2"``. Records go into the file's buffer when
added; the buffer is pushed to the OS every ``max_queue`` events, every
``flush_secs`` seconds by a background thread, on ``flush()``/``close()`` and
at interpreter exit, so TensorBoard sees fresh data without per-step I/O.
One thread flushes every open writer (each on its own period): a thread per writer would pile up idle
threads in programs that open many (an Estimator opens two per model directory, ``FileWriterCache`` keeps them).

Example:
    >>> with kf.summary.FileWriter("logs/run1", graph=sess.graph) as writer:
    ...     for step in range(100):
    ...         summary, _ = sess.run([merged, train_op])
    ...         writer.add_summary(summary, global_step=step)
"""
import atexit
import os
import socket
import threading
import time
import warnings
import weakref

from kflow.data.tfrecord import TFRecordWriter
from kflow.engine import graph as graph_mod
from kflow.proto import wire
from kflow.summary.event_proto import FILE_VERSION, Event, SessionLog, TaggedRunMetadata, as_summary_bytes

_EVENT_GRAPH_DEF, _EVENT_SUMMARY, _EVENT_SESSION_LOG, _EVENT_RUN_METADATA = 4, 5, 7, 8
_open_writers = weakref.WeakSet()
_claim_lock = threading.Lock()


def _claim_filename(logdir, suffix):
    """Creates (exclusively) and returns a new event-file name; a same-second clash gets a ".N" before the suffix."""
    base = os.path.join(logdir, "events.out.tfevents.%010d.%s" % (int(time.time()), socket.gethostname()))
    with _claim_lock:
        for n in range(1000):
            path = base + ("" if n == 0 else ".%d" % n) + (suffix or "")
            try:
                os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))  # the umask decides, as open()
                return path
            except FileExistsError:
                continue
    raise RuntimeError("could not find a free event-file name for %s" % base)


class FileWriter:
    """Writes ``Event`` records for TensorBoard (``tf.summary.FileWriter``).

    Args:
        logdir: directory for the event file (created if missing).
        graph: optional ``kf.Graph`` written at once (TensorBoard's graph tab).
        max_queue: events buffered before they are pushed to the OS.
        flush_secs: seconds between background flushes.
        graph_def: optional GraphDef (message or bytes), instead of ``graph``.
        filename_suffix: appended to the event file's name.
    """

    def __init__(self, logdir, graph=None, max_queue=10, flush_secs=120, graph_def=None, filename_suffix=None,
                 session=None):
        if session is not None:
            raise NotImplementedError("FileWriter(session=...) (TF's session-based summary writer) is not "
                                      "supported; summaries are written from Python with add_summary")
        self._logdir = os.fspath(logdir)
        os.makedirs(self._logdir, exist_ok=True)
        self._max_queue = max(1, int(max_queue))
        self._flush_secs = float(flush_secs)
        self._suffix = filename_suffix
        self._lock = threading.RLock()
        self._closed = True
        self._warned_closed = False
        self._open()
        if graph is not None or graph_def is not None:
            self.add_graph(graph, graph_def=graph_def)

    def _open(self):
        self._path = _claim_filename(self._logdir, self._suffix)
        self._writer = TFRecordWriter(self._path)
        self._pending = 0
        self._closed = False
        self._write_event(Event(wall_time=time.time(), file_version=FILE_VERSION).SerializeToString())
        self._writer.flush()  # the header reaches the OS at once, so TensorBoard finds the run
        self._pending = 0
        _open_writers.add(self)
        _flusher.schedule(self)

    # ---- public API ---------------------------------------------------------
    def get_logdir(self):
        """The directory this writer writes to."""
        return self._logdir

    @property
    def path(self):
        """The current event file's path."""
        return self._path

    def add_summary(self, summary, global_step=None):
        """Adds a ``Summary`` (or its serialized bytes, e.g. ``sess.run(merged)``) at ``global_step``."""
        self._add(_EVENT_SUMMARY, as_summary_bytes(summary), global_step)

    def add_graph(self, graph, global_step=None, graph_def=None):
        """Adds a graph (a ``kf.Graph``, or ``graph_def``: a GraphDef or its bytes) for TensorBoard's graph tab."""
        if graph is not None and graph_def is not None:
            raise ValueError("Please pass only graph, or graph_def (deprecated), but not both.")
        data = graph_def if graph is None else graph
        if isinstance(data, graph_mod.Graph):
            data = data.as_graph_def(add_shapes=True)
        if hasattr(data, "SerializeToString"):
            data = data.SerializeToString()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("add_graph expects a kf.Graph, a GraphDef or serialized GraphDef bytes, got %s"
                            % type(data).__name__)
        self._add(_EVENT_GRAPH_DEF, bytes(data), global_step)

    def add_session_log(self, session_log, global_step=None):
        """Adds a ``kf.SessionLog`` (e.g. ``SessionLog(status=SessionLog.START)`` after a restart)."""
        if not isinstance(session_log, SessionLog):
            raise TypeError("add_session_log expects a kf.SessionLog, got %s" % type(session_log).__name__)
        self._add(_EVENT_SESSION_LOG, session_log.SerializeToString(), global_step)

    def add_run_metadata(self, run_metadata, tag, global_step=None):
        """Adds serialized run metadata under ``tag``."""
        data = run_metadata.SerializeToString() if hasattr(run_metadata, "SerializeToString") else run_metadata
        self._add(_EVENT_RUN_METADATA, TaggedRunMetadata(tag=tag, run_metadata=data).SerializeToString(),
                  global_step)

    def add_event(self, event):
        """Adds an ``Event`` message as is."""
        if not isinstance(event, Event):
            raise TypeError("add_event expects a kf.Event, got %s" % type(event).__name__)
        if self._check_open():
            self._write_event(event.SerializeToString())

    def flush(self):
        """Pushes all added events to the OS (TensorBoard can read them afterwards)."""
        with self._lock:
            if not self._closed:
                self._writer.flush()
                self._pending = 0

    def close(self):
        """Flushes and closes the file; later adds warn and do nothing until :meth:`reopen`."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._writer.close()
            _flusher.forget(self)
            _open_writers.discard(self)

    def reopen(self):
        """Opens a new event file in the same logdir after :meth:`close` (no-op when open)."""
        with self._lock:
            if self._closed:
                self._warned_closed = False
                self._open()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ---- writing -----------------------------------------------------------------
    def _check_open(self):
        if self._closed:
            if not self._warned_closed:
                self._warned_closed = True
                warnings.warn("Attempting to use a closed FileWriter (%s). The operation will be a noop unless "
                              "the FileWriter is explicitly reopened." % self._logdir, RuntimeWarning, stacklevel=3)
            return False
        return True

    def _add(self, field_number, payload, global_step):
        if not self._check_open():
            return
        head = Event(wall_time=time.time(), step=0 if global_step is None else int(global_step))
        # Fields are written in number order, so the payload field can follow the serialized head.
        self._write_event(head.SerializeToString() + wire.field_bytes(field_number, payload))

    def _write_event(self, data):
        with self._lock:
            if self._closed:
                return
            self._writer.write(data)
            self._pending += 1
            if self._pending >= self._max_queue:
                self._writer.flush()
                self._pending = 0


class _Flusher:
    """The one background thread that flushes each open writer every ``flush_secs`` of its own.

    It holds writers only weakly, so an abandoned writer can still be collected (its file closes then), and it
    runs only while some writer is open.
    """

    def __init__(self):
        self._due = weakref.WeakKeyDictionary()  # writer -> time.monotonic() of its next flush
        self._wake = threading.Condition()
        self._thread = None

    def schedule(self, writer):
        with self._wake:
            self._due[writer] = time.monotonic() + writer._flush_secs
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="kflow-FileWriter-flush", daemon=True)
                self._thread.start()
            self._wake.notify()

    def forget(self, writer):
        with self._wake:
            self._due.pop(writer, None)
            self._wake.notify()

    def _loop(self):
        while True:
            with self._wake:
                now = time.monotonic()
                due = [w for w, t in list(self._due.items()) if w._closed or t <= now]
                for w in due:
                    if w._closed:
                        del self._due[w]
                    else:
                        self._due[w] = now + w._flush_secs
                if not self._due:
                    self._thread = None  # a later writer starts a new thread
                    return
                if not due:
                    self._wake.wait(min(self._due.values()) - now)
                    continue
            for w in due:
                w.flush()  # outside the condition: a slow disk must not hold up schedule()
            del w, due


_flusher = _Flusher()


@atexit.register
def _close_all_writers():
    for writer in list(_open_writers):
        try:
            writer.close()
        except Exception:  # interpreter shutdown: keep closing the others
            pass


class FileWriterCache:
    """One shared FileWriter per logdir (``tf.summary.FileWriterCache``)."""

    _cache = {}
    _lock = threading.Lock()

    @staticmethod
    def get(logdir):
        """The cached writer for ``logdir`` (created with the default graph on first use)."""
        with FileWriterCache._lock:
            writer = FileWriterCache._cache.get(logdir)
            if writer is None:
                writer = FileWriterCache._cache[logdir] = FileWriter(logdir, graph=graph_mod.get_default_graph())
            return writer

    @staticmethod
    def clear():
        """Closes and forgets every cached writer."""
        with FileWriterCache._lock:
            for writer in FileWriterCache._cache.values():
                writer.close()
            FileWriterCache._cache.clear()
