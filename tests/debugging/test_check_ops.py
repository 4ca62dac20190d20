"""kf.debugging / TF1 top-level assertions: run-time InvalidArgumentError with the condition and data,
build-time checks when both sides are constants, static rank/dtype checks, check_numerics."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

BINARY = [  # (assertion, numpy reference, symbol)
    (kf.assert_equal, np.equal, "=="), (kf.assert_none_equal, np.not_equal, "!="),
    (kf.assert_less, np.less, "<"), (kf.assert_less_equal, np.less_equal, "<="),
    (kf.assert_greater, np.greater, ">"), (kf.assert_greater_equal, np.greater_equal, ">="),
]
SIGN = [  # (assertion, numpy reference of the condition)
    (kf.assert_positive, lambda v: v > 0), (kf.assert_negative, lambda v: v < 0),
    (kf.assert_non_negative, lambda v: v >= 0), (kf.assert_non_positive, lambda v: v <= 0),
]
CASES = [np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 3.0]), np.array([0.0, -1.0, 2.0]), np.array([-2.0, -1.0, -3.0]),
         np.array([0.0, 0.0, 0.0]), np.array([4.0, 5.0, 6.0])]


def _holds(sess, op, feed):
    try:
        sess.run(op, feed)
        return True
    except kf.errors.InvalidArgumentError:
        return False


@pytest.mark.parametrize("assertion,reference,symbol", BINARY)
def test_binary_assertions_agree_with_numpy_at_run_time(assertion, reference, symbol):
    x, y = kf.placeholder(kf.float64, [None]), kf.placeholder(kf.float64, [None])
    check = assertion(x, y, message="checking")
    with kf.Session() as sess:
        for a in CASES:
            for b in CASES:
                assert _holds(sess, check, {x: a, y: b}) == bool(np.all(reference(a, b))), (a, b)
        with pytest.raises(kf.errors.InvalidArgumentError) as info:
            offset = {"==": 1, "!=": 0, "<": 0, "<=": -1, ">": 0, ">=": 1}[symbol]  # a pair where it fails
            sess.run(check, {x: CASES[0], y: CASES[0] + offset})
    text = str(info.value)
    assert text.startswith("assertion failed: [checking] [Condition x %s y did not hold element-wise:]" % symbol)
    assert "[x (%s) = ] [1 2 3]" % x.name in text


@pytest.mark.parametrize("assertion,reference", SIGN)
def test_sign_assertions_agree_with_numpy(assertion, reference):
    x = kf.placeholder(kf.float32, [None])
    check = assertion(x)
    with kf.Session() as sess:
        for a in CASES:
            assert _holds(sess, check, {x: a}) == bool(np.all(reference(a))), a


def test_assertion_gates_a_computation_through_control_dependencies():
    x = kf.placeholder(kf.float32, [None])
    with kf.control_dependencies([kf.assert_positive(x, message="x must be positive")]):
        y = kf.log(x)
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(y, {x: [1.0, np.e]}), [0.0, 1.0], rtol=1e-6)
        with pytest.raises(kf.errors.InvalidArgumentError, match=r"\[x must be positive\]"):
            sess.run(y, {x: [1.0, -1.0]})


def test_constant_operands_are_checked_while_building():
    kf.assert_equal(kf.constant([1, 2]), [1, 2])  # holds: an op is still made
    with pytest.raises(kf.errors.InvalidArgumentError, match=r"Condition x < y did not hold.*\[2 2\]"):
        kf.assert_less(kf.constant([1, 2]), [2, 2])
    with pytest.raises(ValueError, match="do not broadcast"):
        kf.assert_equal(kf.constant([1, 2]), [1, 2, 3])


def test_assert_near_uses_atol_and_rtol():
    x = kf.placeholder(kf.float32, [2])
    check = kf.assert_near(x, kf.constant([1.0, 100.0]), rtol=0.01, atol=0.1)
    with kf.Session() as sess:
        sess.run(check, {x: [1.09, 100.9]})  # |d| <= 0.1 + 0.01 * |y|
        for bad in ([1.2, 100.0], [1.0, 101.2]):
            with pytest.raises(kf.errors.InvalidArgumentError, match="not equal to tolerance rtol = 0.01, atol = 0.1"):
                sess.run(check, {x: bad})
    with pytest.raises(TypeError, match="floats of one dtype"):
        kf.assert_near(kf.constant([1, 2]), [1, 2])


def test_Assert_with_custom_data_and_summarize():
    x = kf.placeholder(kf.int32, [None])
    check = kf.Assert(kf.reduce_all(x < 10), ["x too large:", x], summarize=2)
    with kf.Session() as sess:
        sess.run(check, {x: [1, 2, 3]})
        with pytest.raises(kf.errors.InvalidArgumentError,
                           match=r"^assertion failed: \[x too large:\] \[1 20\.\.\.\]$"):
            sess.run(check, {x: [1, 20, 3]})
    assert kf.debugging.Assert is kf.Assert
    with pytest.raises(TypeError, match="condition must be a bool tensor"):
        kf.Assert(x, [x])


def test_rank_assertions_static_and_dynamic():
    with pytest.raises(ValueError, match=r"must have rank 2. Received rank 1, shape \(2,\)"):
        kf.assert_rank(kf.constant([1, 2]), 2)
    assert kf.assert_rank(kf.zeros([2, 3]), 2).type == "NoOp"
    assert kf.assert_rank_at_least(kf.zeros([2, 3]), 1).type == "NoOp"
    assert kf.assert_rank_in(kf.zeros([2, 3]), [1, 2]).type == "NoOp"
    with pytest.raises(ValueError, match=r"rank in \[0, 1\]"):
        kf.assert_rank_in(kf.zeros([2, 3]), [0, 1])
    with pytest.raises(ValueError, match="rank at least 3"):
        kf.assert_rank_at_least(kf.zeros([2, 3]), 3)
    p = kf.placeholder(kf.float32)  # unknown rank: checked when run
    checks = [kf.assert_rank(p, 2), kf.assert_rank_at_least(p, 2), kf.assert_rank_in(p, [0, 2])]
    with kf.Session() as sess:
        for value, expected in ((np.zeros([2, 2]), [True, True, True]), (np.zeros([3]), [False, False, False]),
                                (np.zeros([1, 1, 1]), [False, True, False]), (np.float32(1), [False, False, True])):
            assert [_holds(sess, c, {p: value}) for c in checks] == expected, value.shape
        with pytest.raises(kf.errors.InvalidArgumentError, match=r"must have rank 2. Received shape: \] \[3\]"):
            sess.run(checks[0], {p: np.zeros([3])})


def test_dtype_and_scalar_checks():
    assert kf.assert_type(kf.constant([1.0]), kf.float32).type == "NoOp"
    with pytest.raises(TypeError, match="must be of type int32, got float32"):
        kf.assert_type(kf.constant([1.0]), kf.int32)
    assert kf.assert_integer(kf.constant([1])).type == "NoOp"
    with pytest.raises(TypeError, match="Expected integer type"):
        kf.assert_integer(kf.constant([1.0]))
    s = kf.constant(3.0)
    assert kf.assert_scalar(s) is s
    with pytest.raises(ValueError, match="Expected scalar shape"):
        kf.assert_scalar(kf.constant([3.0]))
    assert kf.assert_same_float_dtype([kf.constant(1.0), kf.constant([2.0])]) == kf.float32
    with pytest.raises(ValueError, match="dtypes differ"):
        kf.assert_same_float_dtype([kf.constant(1.0)], dtype=kf.float64)
    kf.assert_proper_iterable([1, 2])
    for bad in (kf.constant([1]), np.zeros(2), "ab"):
        with pytest.raises(TypeError, match="proper"):
            kf.assert_proper_iterable(bad)
    assert kf.is_numeric_tensor(kf.constant([1])) and not kf.is_numeric_tensor(kf.constant([b"a"]))
    assert not kf.is_numeric_tensor(np.zeros(2))


def test_check_numerics_passes_finite_values_and_names_nan_and_inf():
    x = kf.placeholder(kf.float32, [None])
    y = kf.check_numerics(x * 2.0, "doubled x")
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [1.0, 2.0]}), [2.0, 4.0])
        for value, kinds in (([1.0, np.nan], "NaN"), ([np.inf, 1.0], "Inf"), ([np.inf, np.nan], "Inf and NaN")):
            with pytest.raises(kf.errors.InvalidArgumentError, match="^doubled x : Tensor had %s values$" % kinds):
                sess.run(y, {x: value})
    with pytest.raises(TypeError, match="must be a float tensor"):
        kf.check_numerics(kf.constant([1]), "ints")
    check_gradients(lambda v: kf.check_numerics(v * v, "sq"), [np.random.RandomState(0).randn(3, 2)])
    z = kf.verify_tensor_all_finite(kf.constant([np.inf]), "msg")
    with kf.Session() as sess, pytest.raises(kf.errors.InvalidArgumentError, match="msg : Tensor had Inf"):
        sess.run(z)


def test_eager_assertions_raise_at_once():
    with kf.eager_mode():
        kf.assert_equal(kf.constant([1, 2]), kf.constant([1, 2]))
        with pytest.raises(kf.errors.InvalidArgumentError, match="Condition x < y"):
            kf.debugging.assert_less(kf.constant([1, 2]), kf.constant([1, 3]))
        with pytest.raises(kf.errors.InvalidArgumentError, match="Tensor had NaN"):
            kf.debugging.check_numerics(kf.constant([np.nan]), "m")


def test_debugging_namespace_reexports_predicates():
    with kf.Session() as sess:
        got = sess.run([kf.debugging.is_nan([1.0, np.nan]), kf.debugging.is_non_decreasing([1, 1, 2]),
                        kf.debugging.is_strictly_increasing([1, 1, 2])])
    assert got[0].tolist() == [False, True] and got[1] and not got[2]


def test_add_check_numerics_ops_checks_every_float_tensor_so_far():
    x = kf.placeholder(kf.float32, [None])
    y = kf.log(x)
    z = y * 2.0
    kf.shape(z)  # an int tensor: not checked
    check = kf.add_check_numerics_ops()
    after = kf.sqrt(z)  # made after the call: not checked
    with kf.Session() as sess, np.errstate(divide="ignore", invalid="ignore"):  # log(0), log(-1): checked
        np.testing.assert_allclose(sess.run([z, check], {x: [1.0, 2.0]})[0], 2 * np.log([1.0, 2.0]), rtol=1e-6)
        with pytest.raises(kf.errors.InvalidArgumentError, match="^%s : Tensor had Inf values$" % y.name):
            sess.run(check, {x: [1.0, 0.0]})
        with pytest.raises(kf.errors.InvalidArgumentError, match="^%s : Tensor had NaN values$" % y.name):
            sess.run(check, {x: [-1.0, 1.0]})
        assert np.isnan(sess.run(after, {x: [0.5]})[0])  # sqrt of a negative: not checked
    ops_types = [op.type for op in kf.get_default_graph().get_operations()]
    assert ops_types.count("CheckNumerics") == 4  # x, y, the constant 2.0, z


def test_string_tensors_in_assertions_print_as_text():
    x = kf.placeholder(kf.string, [None])
    check = kf.assert_equal(x, kf.constant([b"a", b"b"]))
    with kf.Session() as sess:
        sess.run(check, {x: [b"a", b"b"]})
        with pytest.raises(kf.errors.InvalidArgumentError, match=r"\[x \(%s\) = \] \[a c\] \[y \(.*\) = \] \[a b\]$"
                           % x.name):
            sess.run(check, {x: [b"a", b"c"]})
