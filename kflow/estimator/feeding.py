"""Feeds an ``input_fn``'s data into a model graph through placeholders.

``input_fn`` is called in its own small graph. It may return a ``kf.data.Dataset`` (or any
iterable of numpy batches, e.g. from ``numpy_input_fn``), or tensors ``(features, labels)``
/ ``features``, which are evaluated batch by batch in that graph's session until it raises
OutOfRangeError. The model graph only sees placeholders shaped like the first batch (batch
dimension left open), so a warm predict session serves any number of ``predict`` calls.

Example:
    >>> feed = InputFeed(input_fn, ModeKeys.TRAIN, params={})
    >>> features, labels = feed.placeholders(graph)
    >>> for feed_dict in feed.feed_dicts():
    ...     sess.run(train_op, feed_dict)
"""
import inspect
import itertools

import numpy as np

from kflow import errors
from kflow.engine import dtypes
from kflow.engine.graph import Graph
from kflow.engine.ops.constant_op import placeholder
from kflow.engine.session import Session
from kflow.engine.variables import global_variables_initializer, local_variables_initializer
from kflow.sparse.sparse_tensor import is_sparse_value


def call_with_supported(fn, **kwargs):
    """Calls ``fn`` with the keyword arguments its signature names (TF's input_fn/model_fn convention)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is p.VAR_KEYWORD for p in params.values()):
        return fn(**kwargs)
    return fn(**{k: v for k, v in kwargs.items() if k in params})


def _is_tensor(x):
    return hasattr(x, "op") and hasattr(x, "graph")


def _map(x, fn, whole_sparse=False):
    """``fn`` applied to each array of a nest; a sparse value (parse_example's VarLenFeature) is mapped part by
    part, or passed to ``fn`` whole when ``whole_sparse``."""
    if isinstance(x, dict):
        return {k: _map(v, fn, whole_sparse) for k, v in x.items()}
    if is_sparse_value(x):
        return fn(x) if whole_sparse else type(x)(*(_map(v, fn) for v in x))
    if isinstance(x, (list, tuple)):
        return type(x)(_map(v, fn, whole_sparse) for v in x)
    return None if x is None else fn(x)


def _leaves(x):
    if isinstance(x, dict):
        return [y for k in sorted(x) for y in _leaves(x[k])]
    if isinstance(x, (list, tuple)):
        return [y for v in x for y in _leaves(v)]
    return [] if x is None else [x]


def _split(element):
    if isinstance(element, tuple) and len(element) == 2:
        return element
    return element, None


class InputFeed:
    """The batches of one ``input_fn`` call, as numpy ``(features, labels)``, plus matching placeholders."""

    def __init__(self, input_fn, mode, params=None, config=None):
        self._input_graph = Graph()
        with self._input_graph.as_default():
            result = call_with_supported(input_fn, mode=mode, params=params, config=config)
        if _is_tensor(result) or isinstance(result, (dict, tuple)) and any(
                _is_tensor(t) for t in _leaves(result)):
            elements = self._evaluate_tensors(result)
        elif hasattr(result, "__iter__"):
            elements = iter(result)
        else:
            raise TypeError("input_fn must return a kf.data.Dataset, an iterable of (features, labels) numpy "
                            "batches, or tensors (features, labels); got %r" % type(result).__name__)
        try:
            first = next(elements)
        except (StopIteration, errors.OutOfRangeError):
            raise ValueError("input_fn produced no data.") from None
        self._elements = itertools.chain([first], elements)
        features, labels = _split(first)
        self.features_template = _map(features, np.asarray)
        self.labels_template = _map(labels, np.asarray)

    def _evaluate_tensors(self, result):
        sess = Session(graph=self._input_graph)
        with self._input_graph.as_default():
            sess.run([global_variables_initializer(), local_variables_initializer()])
        try:
            while True:
                yield sess.run(result)
        except errors.OutOfRangeError:
            return
        finally:
            sess.close()

    @property
    def signature(self):
        """Names, dtypes and per-example shapes of the features (the key of a cached predict graph)."""
        def sig(x):
            return (x.dtype.str, x.shape[1:])
        return repr(_map(self.features_template, sig)), repr(_map(self.labels_template, sig))

    def placeholders(self, graph):
        """``(features, labels)`` placeholders in ``graph`` with the structure of the data."""
        with graph.as_default():
            names = iter(itertools.count())

            def make(name_prefix):
                def ph(x):
                    if is_sparse_value(x):  # its dense shape's length (the rank) is the same in every batch
                        return type(x)(ph(x.indices), ph(x.values), placeholder(
                            dtypes.int64, list(x.dense_shape.shape), name="%s_%d" % (name_prefix, next(names))))
                    dt = dtypes.string if x.dtype.kind in "OSU" else dtypes.as_dtype(x.dtype)
                    return placeholder(dt, [None] + list(x.shape[1:]), name="%s_%d" % (name_prefix, next(names)))
                return ph

            features = _map(self.features_template, make("feature"), whole_sparse=True)
            labels = _map(self.labels_template, make("label"), whole_sparse=True)
        return features, labels

    def feed_dicts(self, features_ph, labels_ph, limit=None):
        """Yields one feed dict per batch (at most ``limit``)."""
        targets = _leaves(features_ph) + _leaves(labels_ph)
        elements = self._elements if limit is None else itertools.islice(self._elements, limit)
        for element in elements:
            features, labels = _split(element)
            values = _leaves(features) + _leaves(labels)
            if len(values) != len(targets):
                raise ValueError("input_fn changed the structure of its batches (first batch had %d arrays, this one "
                                 "%d)." % (len(targets), len(values)))
            yield dict(zip(targets, values))
