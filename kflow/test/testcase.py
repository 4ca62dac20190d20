"""``kf.test.TestCase``: TF1's ``tf.test.TestCase`` for users' unit tests (a ``unittest.TestCase``).

Each test starts on a fresh default graph with TF's default graph seed; ``self.session()`` /
``self.cached_session()`` give a Session on it (installed as the default session), ``self.evaluate`` runs
tensors, and the ``assertAll*`` helpers accept tensors, numpy arrays and nested lists/tuples/dicts of them.

Example:
    >>> class SquareTest(kf.test.TestCase):
    ...     def test_square(self):
    ...         with self.cached_session():
    ...             self.assertAllClose(kf.square([2.0, 3.0]).eval(), [4.0, 9.0])
    >>> if __name__ == "__main__":
    ...     kf.test.main()
"""
import contextlib
import re
import shutil
import tempfile
import unittest

import numpy as np

from kflow import errors
from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.default_session import get_default_session
from kflow.engine.execution_mode import executing_eagerly
from kflow.engine.ops.constant_op import is_tensor_like
from kflow.engine.session import Session

DEFAULT_GRAPH_SEED = 87654321  # TF's random_seed.DEFAULT_GRAPH_SEED, which tf.test.TestCase.setUp installs


def _is_runnable(value):
    return is_tensor_like(value) or hasattr(value, "run") and hasattr(value, "outputs")


def _nested(a, b, compare, path):
    """Applies ``compare(a, b, path)`` to matching leaves of two nested dict/list/tuple structures."""
    if isinstance(a, dict) or isinstance(b, dict):
        if not (isinstance(a, dict) and isinstance(b, dict)) or set(a) != set(b):
            raise AssertionError("%s: structures differ: %r vs %r" % (path or "value", a, b))
        for k in a:
            _nested(a[k], b[k], compare, "%s[%r]" % (path, k))
        return
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)) and (
            any(isinstance(v, (dict, list, tuple, np.ndarray)) or _is_runnable(v) for v in list(a) + list(b))):
        if len(a) != len(b):
            raise AssertionError("%s: lengths differ: %d vs %d" % (path or "value", len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            _nested(x, y, compare, "%s[%d]" % (path, i))
        return
    compare(a, b, path)


class _InstanceOnly:
    """A method reachable from instances only: test loaders look names up on the class and collect every callable
    ``test*`` attribute, so TF1's helper ``test_session`` would run as a test (TF skips it as "Not a test.")."""

    def __init__(self, function):
        self.function = function

    def __get__(self, instance, owner):
        return self if instance is None else self.function.__get__(instance, owner)


class TestCase(unittest.TestCase):
    """TF1's ``tf.test.TestCase``: a fresh default graph per test, sessions on it, array assertions."""

    def setUp(self):
        super().setUp()
        self._cached = None
        self._temp_dir = None
        np.random.seed(DEFAULT_GRAPH_SEED % (2 ** 32))
        if not executing_eagerly():
            graph_mod.reset_default_graph()
            graph_mod.set_random_seed(DEFAULT_GRAPH_SEED)

    def tearDown(self):
        if self._cached is not None:
            self._cached.close()
            self._cached = None
        if self._temp_dir is not None:
            shutil.rmtree(self._temp_dir, ignore_errors=True)
        super().tearDown()

    # ---- sessions ----------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """A new Session on ``graph`` (default: the test's graph), installed as the default session and
        closed at the end of the ``with`` block."""
        sess = Session(graph=graph or graph_mod.get_default_graph(), config=config)
        with sess.graph.as_default(), sess.as_default():
            yield sess
        sess.close()

    @contextlib.contextmanager
    def cached_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """One Session per test, reused by every ``cached_session()`` call (variables keep their values);
        closed in ``tearDown``."""
        graph = graph or graph_mod.get_default_graph()
        if self._cached is None:
            self._cached = Session(graph=graph, config=config)
        elif self._cached.graph is not graph:
            raise ValueError("cached_session: the test's cached session runs graph %r, not %r; use "
                             "self.session(graph=...) for another graph" % (self._cached.graph, graph))
        with graph.as_default(), self._cached.as_default():
            yield self._cached

    def _test_session(self, graph=None, config=None, use_gpu=True, force_gpu=False):
        """TF1's deprecated name of :meth:`cached_session`."""
        return self.cached_session(graph, config, use_gpu, force_gpu)
    test_session = _InstanceOnly(_test_session)

    def evaluate(self, tensors):
        """The numpy values of ``tensors`` (a nest of tensors/ops), run in the default session, else the test's
        cached session (eager tensors give their values)."""
        if executing_eagerly():
            return _eager_values(tensors)
        sess = get_default_session()
        if sess is None:
            with self.cached_session() as sess:
                return sess.run(tensors)
        return sess.run(tensors)

    def get_temp_dir(self):
        """A temporary directory for this test (removed after it)."""
        if self._temp_dir is None:
            self._temp_dir = tempfile.mkdtemp(prefix="kflow_test_")
        return self._temp_dir

    # ---- array assertions --------------------------------------------------------------------------------
    def _value(self, x):
        return self.evaluate(x) if _is_runnable(x) else x

    def assertAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802 - TF's names
        """Every pair of leaves of ``a`` and ``b`` (nested) satisfies ``|a - b| <= atol + rtol * |b|``."""
        def close(x, y, path):
            x, y = np.asarray(self._value(x)), np.asarray(self._value(y))
            self.assertEqual(x.shape, y.shape, "%s%s: shapes differ %s vs %s" % (_prefix(msg), path, x.shape, y.shape))
            np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True,
                                       err_msg="%s%s" % (_prefix(msg), path or "value"))
        _nested(self._value(a), self._value(b), close, "")

    def assertNotAllClose(self, a, b, rtol=1e-6, atol=1e-6, msg=None):  # noqa: N802
        """``a`` and ``b`` differ somewhere by more than the tolerance."""
        try:
            self.assertAllClose(a, b, rtol=rtol, atol=atol)
        except AssertionError:
            return
        raise AssertionError("%sthe two values are close (rtol=%g, atol=%g)" % (_prefix(msg), rtol, atol))

    def assertAllEqual(self, a, b, msg=None):  # noqa: N802
        """``a`` and ``b`` (nested) have equal shapes and values."""
        def equal(x, y, path):
            x, y = np.asarray(self._value(x)), np.asarray(self._value(y))
            self.assertEqual(x.shape, y.shape, "%s%s: shapes differ %s vs %s" % (_prefix(msg), path, x.shape, y.shape))
            np.testing.assert_array_equal(x, y, err_msg="%s%s" % (_prefix(msg), path or "value"))
        _nested(self._value(a), self._value(b), equal, "")

    def _all_compare(self, a, compare, symbol, target, msg):
        a = np.asarray(self._value(a))
        bad = ~compare(a, target)
        if np.any(bad):
            raise AssertionError("%snot all values %s %s: %s at %s" % (
                _prefix(msg), symbol, target, a[bad][:10], np.argwhere(bad)[:10].tolist()))

    def assertAllGreater(self, a, comparison_target):  # noqa: N802
        self._all_compare(a, np.greater, ">", comparison_target, None)

    def assertAllGreaterEqual(self, a, comparison_target):  # noqa: N802
        self._all_compare(a, np.greater_equal, ">=", comparison_target, None)

    def assertAllLess(self, a, comparison_target):  # noqa: N802
        self._all_compare(a, np.less, "<", comparison_target, None)

    def assertAllLessEqual(self, a, comparison_target):  # noqa: N802
        self._all_compare(a, np.less_equal, "<=", comparison_target, None)

    def assertAllInRange(self, target, lower_bound, upper_bound, open_lower_bound=False,  # noqa: N802
                         open_upper_bound=False):
        """Every value of ``target`` lies in [lower_bound, upper_bound] (open ends as asked); no NaN."""
        target = np.asarray(self._value(target))
        if np.any(np.isnan(target.astype(np.float64))):
            raise AssertionError("assertAllInRange: target holds NaN values")
        self._all_compare(target, np.greater if open_lower_bound else np.greater_equal,
                          ">" if open_lower_bound else ">=", lower_bound, None)
        self._all_compare(target, np.less if open_upper_bound else np.less_equal,
                          "<" if open_upper_bound else "<=", upper_bound, None)

    def assertArrayNear(self, farray1, farray2, err, msg=None):  # noqa: N802
        """Two float lists of one length whose elements differ by at most ``err``."""
        self.assertEqual(len(farray1), len(farray2), msg)
        for f1, f2 in zip(farray1, farray2):
            self.assertNear(float(f1), float(f2), err, msg)

    def assertNear(self, f1, f2, err, msg=None):  # noqa: N802
        """``|f1 - f2| <= err``."""
        if not (f1 == f2 or abs(f1 - f2) <= err):
            raise AssertionError("%s%f != %f +/- %f" % (_prefix(msg), f1, f2, err))

    def assertShapeEqual(self, np_array, tf_tensor, msg=None):  # noqa: N802
        """The numpy array's shape equals the tensor's static shape."""
        self.assertEqual(list(np.shape(np_array)), tf_tensor.get_shape().as_list(), msg)

    def assertDTypeEqual(self, target, expected_dtype):  # noqa: N802
        """Every leaf of ``target`` has the numpy dtype of ``expected_dtype`` (a kflow or numpy dtype)."""
        expected = np.dtype(dtypes.as_dtype(expected_dtype).as_numpy_dtype)
        leaves = target if isinstance(target, (list, tuple)) else [target]
        for leaf in leaves:
            self.assertEqual(np.asarray(leaf).dtype, expected)

    # ---- error assertions --------------------------------------------------------------------------------
    @contextlib.contextmanager
    def assertRaisesWithPredicateMatch(self, exception_type, expected_err_re_or_predicate):  # noqa: N802
        """A ``with`` block that must raise ``exception_type`` whose message matches the regular expression
        (searched) or satisfies the predicate."""
        if callable(expected_err_re_or_predicate):
            predicate, what = expected_err_re_or_predicate, "the predicate"
        else:
            pattern = expected_err_re_or_predicate
            predicate, what = (lambda e: re.search(pattern, str(e)) is not None), "/%s/" % pattern
        try:
            yield
        except exception_type as e:
            if not predicate(e):
                raise AssertionError("%s raised, but its message does not match %s: %s"
                                     % (type(e).__name__, what, e)) from e
        else:
            raise AssertionError("expected %s matching %s, nothing was raised" % (exception_type.__name__, what))

    def assertRaisesOpError(self, expected_err_re_or_predicate):  # noqa: N802
        """A ``with`` block that must raise a ``kf.errors.OpError`` matching the expression or predicate."""
        return self.assertRaisesWithPredicateMatch(errors.OpError, expected_err_re_or_predicate)

    assertItemsEqual = unittest.TestCase.assertCountEqual  # noqa: N815 - TF's Python 2 name

    def assertStartsWith(self, actual, expected_start, msg=None):  # noqa: N802
        if not actual.startswith(expected_start):
            raise AssertionError("%s%r does not start with %r" % (_prefix(msg), actual, expected_start))


def _prefix(msg):
    return msg + ": " if msg else ""


def _eager_values(tensors):
    if isinstance(tensors, dict):
        return {k: _eager_values(v) for k, v in tensors.items()}
    if isinstance(tensors, (list, tuple)):
        return type(tensors)(_eager_values(v) for v in tensors)
    return tensors.numpy() if hasattr(tensors, "numpy") else tensors
