"""kf.test: TF1's tf.test.TestCase (graph per test, sessions, evaluate, array and error assertions), main,
compute_gradient(_error) against analytic Jacobians, and the device queries."""
import os
import subprocess
import sys
import textwrap
import unittest

import numpy as np
import pytest

import kflow as kf


class GraphAndSessionTest(kf.test.TestCase):

    def test_each_test_starts_on_a_fresh_seeded_graph(self):
        assert kf.get_default_graph().get_operations() == []
        assert kf.get_default_graph().seed == 87654321
        kf.constant(1.0)

    def test_cached_session_is_reused_and_keeps_variables(self):
        v = kf.Variable(3.0)
        with self.cached_session() as first:
            first.run(v.initializer)
            assert kf.get_default_session() is first
        with self.cached_session() as second:
            assert second is first and self.evaluate(v) == 3.0
            self.assertAllClose(v.eval(), 3.0)
        with self.test_session() as third:
            assert third is first

    def test_session_is_new_and_runs_the_test_graph(self):
        x = kf.constant([1, 2])
        with self.session() as sess:
            assert sess.graph is kf.get_default_graph()
            self.assertAllEqual(x.eval(), [1, 2])
        with self.session() as other:
            assert other is not sess

    def test_evaluate_runs_nested_structures_without_an_explicit_session(self):
        x = kf.constant([1.0, 2.0])
        got = self.evaluate({"a": x * 2, "b": [x + 1, (x,)]})
        self.assertAllClose(got, {"a": [2.0, 4.0], "b": [[2.0, 3.0], ([1.0, 2.0],)]})

    def test_session_on_another_graph(self):
        g = kf.Graph()
        with g.as_default():
            y = kf.constant(5)
        with self.session(graph=g) as sess:
            assert sess.graph is g and self.evaluate(y) == 5

    def test_temp_dir_exists_and_is_per_test(self):
        d = self.get_temp_dir()
        assert os.path.isdir(d) and self.get_temp_dir() == d
        assert os.path.isdir(kf.test.get_temp_dir())


class AssertionsTest(kf.test.TestCase):

    def test_all_close_accepts_tensors_and_fails_with_the_path(self):
        self.assertAllClose(kf.constant([1.0, 2.0]), np.array([1.0, 2.0 + 1e-7]))
        self.assertAllClose([1.0, np.nan], [1.0, np.nan])
        with self.assertRaises(AssertionError):
            self.assertAllClose([1.0, 2.0], [1.0, 2.1])
        with self.assertRaisesRegex(AssertionError, "shapes differ"):
            self.assertAllClose(np.zeros([2, 1]), np.zeros([2]))
        with self.assertRaisesRegex(AssertionError, r"\['k'\]"):
            self.assertAllClose({"k": [1.0]}, {"k": [2.0]})
        self.assertAllClose([1.0], [1.05], atol=0.1)
        self.assertNotAllClose([1.0], [1.5])
        with self.assertRaises(AssertionError):
            self.assertNotAllClose([1.0], [1.0])

    def test_all_equal(self):
        self.assertAllEqual(kf.constant([[1, 2]]), [[1, 2]])
        self.assertAllEqual(kf.constant([b"a"]), [b"a"])
        with self.assertRaises(AssertionError):
            self.assertAllEqual([1, 2], [1, 3])

    def test_ordering_and_range_assertions(self):
        x = kf.constant([1.0, 2.0, 3.0])
        self.assertAllGreater(x, 0.5)
        self.assertAllGreaterEqual(x, 1.0)
        self.assertAllLess(x, 3.5)
        self.assertAllLessEqual(x, 3.0)
        self.assertAllInRange(x, 1.0, 3.0)
        for failing in (lambda: self.assertAllGreater(x, 1.0), lambda: self.assertAllLess(x, 3.0),
                        lambda: self.assertAllInRange(x, 1.0, 3.0, open_upper_bound=True),
                        lambda: self.assertAllInRange(x, 1.0, 3.0, open_lower_bound=True),
                        lambda: self.assertAllInRange([np.nan], 0.0, 1.0)):
            with self.assertRaises(AssertionError):
                failing()

    def test_near_shape_and_dtype_assertions(self):
        self.assertNear(1.0, 1.05, 0.1)
        self.assertArrayNear([1.0, 2.0], [1.01, 1.99], 0.02)
        with self.assertRaises(AssertionError):
            self.assertNear(1.0, 1.2, 0.1)
        with self.assertRaises(AssertionError):
            self.assertArrayNear([1.0], [1.0, 2.0], 0.1)
        self.assertShapeEqual(np.zeros([2, 3]), kf.zeros([2, 3]))
        with self.assertRaises(AssertionError):
            self.assertShapeEqual(np.zeros([3, 2]), kf.zeros([2, 3]))
        self.assertDTypeEqual(np.zeros(2, np.float32), kf.float32)
        with self.assertRaises(AssertionError):
            self.assertDTypeEqual(np.zeros(2, np.float64), kf.float32)

    def test_raises_op_error_matches_regex_or_predicate(self):
        x = kf.placeholder(kf.float32, [None])
        y = kf.check_numerics(x, "x is bad")
        with self.cached_session() as sess:
            with self.assertRaisesOpError("x is bad"):
                sess.run(y, {x: [np.nan]})
            with self.assertRaisesWithPredicateMatch(kf.errors.InvalidArgumentError, lambda e: "NaN" in e.message):
                sess.run(y, {x: [np.nan]})
            with self.assertRaisesRegex(AssertionError, "nothing was raised"):
                with self.assertRaisesOpError("x is bad"):
                    sess.run(y, {x: [1.0]})
            with self.assertRaisesRegex(AssertionError, "does not match"):
                with self.assertRaisesOpError("another message"):
                    sess.run(y, {x: [np.nan]})


class GradientCheckerTest(kf.test.TestCase):

    def test_jacobians_of_a_matmul_match_the_analytic_one(self):
        w = np.array([[1.0, 2.0, 0.5], [-1.0, 0.0, 3.0]])
        x = kf.placeholder(kf.float64, [1, 2])
        y = kf.tanh(kf.matmul(x, kf.constant(w)))
        x0 = np.array([[0.3, -0.2]])
        with self.cached_session():
            theoretical, numerical = kf.test.compute_gradient(x, [1, 2], y, [1, 3], x_init_value=x0, delta=1e-6)
            err = kf.test.compute_gradient_error(x, [1, 2], y, [1, 3], x_init_value=x0, delta=1e-6)
        analytic = w * (1.0 - np.tanh(x0 @ w) ** 2)  # d y_j / d x_i = w_ij (1 - tanh^2)
        assert theoretical.shape == numerical.shape == (2, 3)
        np.testing.assert_allclose(theoretical, analytic, rtol=1e-12)
        np.testing.assert_allclose(numerical, analytic, rtol=1e-7)
        assert err < 1e-8

    def test_list_of_inputs_and_a_wrong_gradient_is_caught(self):
        a, b = kf.placeholder(kf.float64, [2]), kf.placeholder(kf.float64, [2])

        @kf.RegisterGradient("KfTestWrongSquare")
        def _wrong(op, grad):
            return [grad * 3.0 * op.inputs[0]]
        with kf.get_default_graph().gradient_override_map({"Square": "KfTestWrongSquare"}):
            y = kf.square(a) * b
        with self.cached_session():
            pairs = kf.test.compute_gradient([a, b], [[2], [2]], y, [2], x_init_value=[[1.0, 2.0], [3.0, 4.0]])
            assert len(pairs) == 2
            np.testing.assert_allclose(pairs[0][0], np.diag([3.0 * 1.0 * 3.0, 3.0 * 2.0 * 4.0]))  # the wrong one
            np.testing.assert_allclose(pairs[0][1], np.diag([2.0 * 1.0 * 3.0, 2.0 * 2.0 * 4.0]), rtol=1e-6)
            np.testing.assert_allclose(pairs[1][0], np.diag([1.0, 4.0]))
            err = kf.test.compute_gradient_error([a, b], [[2], [2]], y, [2], x_init_value=[[1.0, 2.0], [3.0, 4.0]])
        assert abs(err - 8.0) < 1e-5

    def test_needs_a_default_session_and_matching_shapes(self):
        x = kf.placeholder(kf.float32, [2])
        with pytest.raises(ValueError, match="default session"):
            kf.test.compute_gradient(x, [2], x * 2.0, [2])
        with self.cached_session():
            with pytest.raises(ValueError, match="x_shape"):
                kf.test.compute_gradient(x, [3], x * 2.0, [2])
            with pytest.raises(ValueError, match="y_shape"):
                kf.test.compute_gradient(x, [2], x * 2.0, [3])


def test_device_queries_agree_with_kflow_backend():
    available = kf.test.is_gpu_available()
    assert available == (kf.engine.devices.gpu_backend() is not None)
    assert kf.test.gpu_device_name() == ("/device:GPU:0" if available else "")
    assert isinstance(kf.test.is_built_with_cuda(), bool)
    assert kf.test.is_built_with_gpu_support() == kf.test.is_built_with_cuda()
    assert kf.test.is_built_with_rocm() is False and kf.test.is_built_with_xla() is False
    assert kf.test.is_cpu_target_available(os.uname().machine)


def test_test_session_is_a_helper_that_test_loaders_do_not_collect():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(GraphAndSessionTest)
    names = sorted(t.id().rsplit(".", 1)[1] for t in suite)
    assert "test_session" not in names and "test_session_is_new_and_runs_the_test_graph" in names
    assert len(names) == 6


def test_main_runs_a_users_test_file(tmp_path):
    script = tmp_path / "my_op_test.py"
    script.write_text(textwrap.dedent("""
        import kflow as kf

        class SquareTest(kf.test.TestCase):
            def test_square(self):
                with self.cached_session():
                    self.assertAllClose(kf.square([2.0, 3.0]).eval(), [4.0, 9.0])

            def test_fails(self):
                self.assertAllEqual(kf.constant([1]), [2])

        if __name__ == "__main__":
            kf.test.main()
    """))
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(kf.__file__)))
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 1, run.stderr
    assert "Ran 2 tests" in run.stderr and "FAILED (failures=1)" in run.stderr, run.stderr


class _MatMulBenchmark(kf.test.Benchmark):
    def benchmark_matmul(self, sess, product):
        return self.run_op_benchmark(sess, product, burn_iters=1, min_iters=5, extras={"n": 64}, mbs=2)


def test_benchmark_times_an_op_and_reports_it():
    a = kf.constant(np.random.RandomState(0).randn(64, 64).astype(np.float32))
    bench = _MatMulBenchmark()
    with kf.Session() as sess:
        result = bench.benchmark_matmul(sess, kf.matmul(a, a))
    assert result["name"] == "_MatMulBenchmark.benchmark_matmul" and result["iters"] == 5
    assert 0 < result["wall_time"] < 10 and result["extras"] == {"n": 64}
    assert result["throughput"] == pytest.approx(2 / result["wall_time"])
    assert bench.reported[-1]["wall_time"] == result["wall_time"]
    entry = bench.report_benchmark(iters=3, wall_time=0.5, name="custom")
    assert entry["name"] == "custom" and len(bench.reported) == 2
    with pytest.raises(ValueError, match="min_iters"):
        bench.run_op_benchmark(None, None, min_iters=0)
