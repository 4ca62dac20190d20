"""``Dataset.cache``: keep the elements of the first complete pass, in memory or in a file.

The memory cache belongs to the dataset (per session for graph iterators),
so later epochs, re-initialized iterators and new Python loops replay it.
A file cache (``cache(filename)``) is written during the first complete
pass (to a temporary file renamed at the end) and read by every later
iterator, also in other processes. Its format (:mod:`kflow.data.pipeline.cache_file`) holds
plain arrays with a CRC per element and a footer with the count, never pickles.

Example:
    >>> ds = TFRecordDataset(files).map(parse).cache().shuffle(10000).repeat()
"""
import os
import threading
import weakref

from kflow.atomic_file import temp_file
from kflow.data.pipeline.cache_file import CacheWriter, read_cache
from kflow.data.pipeline.dataset import Dataset

_SUFFIX = ".kfcache"


class CacheDataset(Dataset):
    """The input's elements, read once and then replayed."""

    def __init__(self, input_dataset, filename=""):
        super().__init__([input_dataset], params=[filename])
        self._filename = filename
        self._memory = weakref.WeakKeyDictionary()  # session (or self, for Python loops) -> elements
        self._lock = threading.Lock()

    def _compute_spec(self):
        return self._inputs[0].element_spec

    def _index_source(self):
        # the rows of an in-memory slicing source are already cached; keep the fast batching path
        return None if self._filename else self._inputs[0]._index_source()

    def _indices(self, ctx):
        return self._inputs[0]._indices(ctx)

    def _make_iterator(self, ctx):
        filename = ctx.resolve(self._filename)
        if hasattr(filename, "item"):
            filename = filename.item()
        if isinstance(filename, bytes):
            filename = filename.decode("utf-8")
        if filename:
            return self._file_iterator(os.fspath(filename) + _SUFFIX, ctx)
        key = ctx.session if ctx.session is not None else self
        cached = self._memory.get(key)
        if cached is not None:
            return iter(cached)
        return self._fill_memory(key, ctx)

    def _fill_memory(self, key, ctx):
        elements = []
        for x in self._inputs[0]._make_iterator(ctx):
            elements.append(x)
            yield x
        with self._lock:
            self._memory.setdefault(key, elements)

    def _file_iterator(self, path, ctx):
        # The file names the element spec, so a cache left by a different pipeline is refused, not replayed.
        spec_text = self.element_spec.describe()
        if os.path.exists(path):
            yield from read_cache(path, spec_text)
            return
        with temp_file(path) as tmp:  # an abandoned or failed pass leaves no file behind
            writer = CacheWriter(tmp, spec_text)
            try:
                for x in self._inputs[0]._make_iterator(ctx):
                    writer.write(x)
                    yield x
                writer.finish()
            finally:
                writer.close()
            os.replace(tmp, path)
