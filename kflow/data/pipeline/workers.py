"""Background threads of input pipelines: an order-preserving parallel map and a prefetching iterator.

Both shut down cleanly: closing the consuming generator (or dropping it)
stops and joins the threads, and an exception raised in a worker reaches
the consumer at the position of the element that failed.

Example:
    >>> it = BackgroundIterator(iter(range(10)), buffer_size=4)
    >>> list(it)
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
"""
import collections
import itertools
import queue
import threading
from concurrent.futures import ThreadPoolExecutor

_END = object()
_POLL_SECONDS = 0.05


class _Failure:
    def __init__(self, exc):
        self.exc = exc


def ordered_map(fn, source, num_threads, group=8):
    """Yields ``fn(x)`` for each ``x`` of ``source`` in order, in ``num_threads`` threads.

    Elements go to the threads in lists of ``group`` (a task per element would cost more in thread
    hand-offs than a cheap ``fn``); up to 2 x ``num_threads`` lists are in flight.
    """
    executor = ThreadPoolExecutor(num_threads, thread_name_prefix="kflow-data-map")
    pending = collections.deque()
    ahead = 2 * num_threads

    def apply(items):
        out = []
        for x in items:
            try:
                out.append(fn(x))
            except Exception as e:  # raised by the consumer at this element's position
                out.append(_Failure(e))
                break
        return out

    try:
        while True:
            items = list(itertools.islice(source, group))
            if items:
                pending.append(executor.submit(apply, items))
            if len(pending) >= ahead or (not items and pending):
                for r in pending.popleft().result():
                    if r.__class__ is _Failure:
                        raise r.exc
                    yield r
            if not items and not pending:
                return
    finally:
        for f in pending:
            f.cancel()
        executor.shutdown(wait=True)


def _put(q, stop, item):
    while not stop.is_set():
        try:
            q.put(item, timeout=_POLL_SECONDS)
            return True
        except queue.Full:
            continue
    return False


def _produce(source, q, stop, group):
    """The worker loop: moves items of ``source`` into ``q`` in lists of ``group`` until done or stopped."""
    try:
        chunk = []
        for x in source:
            chunk.append(x)
            if len(chunk) == group:
                if not _put(q, stop, chunk):
                    return
                chunk = []
        if chunk and not _put(q, stop, chunk):
            return
        _put(q, stop, _END)
    except BaseException as e:  # handed to the consumer, raised there
        _put(q, stop, _Failure(e))
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                pass


class BackgroundIterator:
    """Pulls ``source`` in a daemon thread, keeping up to ``buffer_size`` items (in lists of ``group``) ahead.

    Args:
        source: the iterator to drain (closed by the worker thread when done or stopped).
        buffer_size: items held ready ahead of the consumer (at least 1).
        group: items the worker hands over at a time; >1 cuts locking costs for cheap items.
    """

    def __init__(self, source, buffer_size, group=1, name="kflow-data-prefetch"):
        self._group = max(1, int(group))
        self._queue = queue.Queue(maxsize=max(1, int(buffer_size) // self._group))
        self._stop = threading.Event()
        self._items = []
        self._pos = 0
        self._done = False
        # The worker gets no reference to self, so an abandoned iterator is collected and its __del__ stops it.
        self._thread = threading.Thread(target=_produce, args=(source, self._queue, self._stop, self._group),
                                        name=name, daemon=True)
        self._thread.start()

    def __iter__(self):
        return self

    def __next__(self):
        if self._pos < len(self._items):
            x = self._items[self._pos]
            self._pos += 1
            return x
        if self._done:
            raise StopIteration
        item = self._queue.get()
        if item is _END:
            self._done = True
            self._thread.join()
            raise StopIteration
        if isinstance(item, _Failure):
            self._done = True
            self._thread.join()
            raise item.exc
        self._items, self._pos = item, 1
        return item[0]

    def close(self):
        """Stops the worker (it closes the source) and waits for it."""
        self._done = True
        self._stop.set()
        while self._thread.is_alive():
            try:  # unblock a worker waiting on a full queue
                while True:
                    self._queue.get_nowait()
            except queue.Empty:
                pass
            self._thread.join(timeout=_POLL_SECONDS)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass
