import collections
import warnings

import numpy as np
import pytest

import kflow as kf


def test_run_nested_fetch_structures():
    a = kf.constant(1.0)
    b = kf.constant([1, 2])
    noop = kf.no_op()
    with kf.Session() as sess:
        assert sess.run(a) == 1.0 and isinstance(sess.run(a), np.float32)
        out = sess.run({"a": a, "pair": (a, b), "list": [b, noop]})
        assert out["a"] == 1.0
        assert isinstance(out["pair"], tuple) and out["pair"][0] == 1.0
        np.testing.assert_array_equal(out["list"][0], [1, 2])
        assert out["list"][1] is None
        Pt = collections.namedtuple("Pt", "x y")
        p = sess.run(Pt(a, b))
        assert isinstance(p, Pt) and p.x == 1.0
        assert sess.run(noop) is None


def test_fetch_and_feed_by_name():
    x = kf.placeholder(kf.float32, [None], name="x")
    y = kf.identity(x * 3.0, name="y")
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run("y:0", feed_dict={"x:0": [1.0, 2.0]}), [3.0, 6.0])
        assert sess.run("y", feed_dict={x: [1.0]}) is None  # an op name fetches the op


def test_only_needed_subgraph_runs():
    x = kf.placeholder(kf.float32, [], name="x")
    y = kf.constant(2.0) * 3.0
    _ = x + 1.0  # would need x
    with kf.Session() as sess:
        assert sess.run(y) == 6.0  # x is not needed and need not be fed


def test_feed_overrides_any_tensor():
    a = kf.constant(2.0)
    b = a * 10.0
    with kf.Session() as sess:
        assert sess.run(b, {a: 5.0}) == 50.0


def test_unfed_placeholder_error_names_it():
    x = kf.placeholder(kf.float32, [None, 784], name="images")
    y = kf.reduce_sum(x)
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError) as e:
            sess.run(y)
    assert "images:0" in str(e.value) and "float32" in str(e.value) and "[?,784]" in str(e.value)


def test_wrong_feed_shape_and_dtype():
    x = kf.placeholder(kf.float32, [None, 2], name="x")
    i = kf.placeholder(kf.int32, [2], name="i")
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError, match=r"Cannot feed value of shape \(3,\) for Tensor 'x:0'"):
            sess.run(x, {x: np.zeros(3)})
        with pytest.raises(kf.errors.InvalidArgumentError,
                           match="dtype float64 for Tensor 'i:0', which has dtype int32"):
            sess.run(i, {i: np.array([1.5, 2.5])})
        with pytest.raises(kf.errors.InvalidArgumentError, match="dtype"):
            sess.run(x, {x: np.array([["a", "b"]])})
        # safe conversions are accepted
        assert sess.run(x, {x: [[1, 2]]}).dtype == np.float32
        assert sess.run(x, {x: np.ones((1, 2))}).dtype == np.float32


def test_feed_errors_are_also_the_value_errors_tf_raises():
    # TF 1.x's Session.run raises ValueError for a feed of the wrong shape; kflow's InvalidArgumentError is one too
    x = kf.placeholder(kf.float32, [2], name="x")
    c = kf.constant([1.0, 2.0], name="c")
    with kf.Session() as sess:
        with pytest.raises(ValueError, match="Cannot feed value of shape \\(3,\\) for Tensor 'x:0'"):
            sess.run(x, {x: [1.0, 2.0, 3.0]})
        with pytest.raises(kf.errors.InvalidArgumentError, match="Tensor 'c:0', which has shape '\\(2,\\)'"):
            sess.run(c * 2.0, {c: [1.0]})  # any fed tensor is checked against its static shape
        with pytest.raises(ValueError, match="dtype"):
            sess.run(x, {x: ["a", "b"]})


def test_runtime_error_names_op_and_inputs():
    x = kf.placeholder(kf.float32, [None, None], name="x")
    w = kf.placeholder(kf.float32, [None, None], name="w")
    y = kf.matmul(x, w, name="proj")
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError) as e:
            sess.run(y, {x: np.ones((2, 3)), w: np.ones((4, 5))})
    msg = str(e.value)
    assert "proj" in msg and "MatMul" in msg and "(2, 3)" in msg and "(4, 5)" in msg and "test_session.py" in msg


def test_plan_is_cached_and_not_rebuilt():
    x = kf.placeholder(kf.float32, [None])
    y = x * 2.0
    with kf.Session() as sess:
        for _ in range(3):
            sess.run(y, {x: [1.0]})
        assert len(sess._plans) == 1
        sess.run([y], {x: [1.0]})  # same elements, other structure: the plan is shared
        assert len(sess._plans) == 1
        sess.run([y, x], {x: [1.0]})
        assert len(sess._plans) == 2


def test_fetches_are_copies_of_variable_state():
    v = kf.Variable([1.0, 2.0])
    inc = v.assign_add([1.0, 1.0])
    with kf.Session() as sess:
        sess.run(v.initializer)
        before = sess.run(v)
        sess.run(inc)
        np.testing.assert_array_equal(before, [1.0, 2.0])
        c = sess.run(kf.constant([1.0]))
        c[0] = 5.0  # fetched constants are writable copies
        assert sess.run(kf.get_default_graph().get_tensor_by_name("Const:0")) is not c


def test_graph_growth_warns_once():
    x = kf.placeholder(kf.float32, [])
    with kf.Session() as sess:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for _ in range(8):
                y = x * 2.0  # the classic bug: new ops in the loop
                sess.run(y, {x: 1.0})
        growth = [w for w in caught if "graph gained new ops" in str(w.message)]
        assert len(growth) == 1


def test_no_warning_for_a_fixed_graph():
    x = kf.placeholder(kf.float32, [])
    y = x * 2.0
    with kf.Session() as sess, warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(10):
            sess.run(y, {x: 1.0})


def test_eval_and_run_sugar_with_default_session():
    x = kf.placeholder(kf.float32, [])
    y = x + 1.0
    v = kf.Variable(3.0)
    with kf.Session() as sess:
        v.initializer.run()
        assert y.eval({x: 1.0}) == 2.0
        assert v.eval() == 3.0
        assert kf.get_default_session() is sess
    with pytest.raises(ValueError, match="no default session"):
        y.eval({x: 1.0})


def test_interactive_session():
    sess = kf.InteractiveSession()
    try:
        assert kf.constant(4.0).eval() == 4.0
    finally:
        sess.close()
    assert kf.get_default_session() is None


def test_closed_session_raises():
    sess = kf.Session()
    sess.close()
    with pytest.raises(RuntimeError, match="closed"):
        sess.run(kf.constant(1))


def test_session_for_other_graph():
    g = kf.Graph()
    with g.as_default():
        c = kf.constant(1.0)
    with kf.Session() as sess:
        with pytest.raises(ValueError, match="graph"):
            sess.run(c)
    with kf.Session(graph=g) as sess:
        assert sess.run(c) == 1.0


def test_log_device_placement(capsys):
    with kf.device("/cpu:0"):
        a = kf.constant(1.0, name="a")
    with kf.Session(config=kf.ConfigProto(log_device_placement=True)) as sess:
        sess.run(a)
    assert "a: (Const): /job:localhost/replica:0/task:0/device:CPU:0" in capsys.readouterr().out


def test_config_proto_default_gpu_options_can_be_set():
    """The TF1 idiom ``config = ConfigProto(); config.gpu_options.allow_growth = True``."""
    config = kf.ConfigProto()
    config.gpu_options.allow_growth = True
    config.gpu_options.per_process_gpu_memory_fraction = 0.5
    assert kf.ConfigProto().gpu_options.allow_growth is False  # each config has its own options
    with kf.Session(config=config) as sess:
        assert sess.run(kf.constant(2.0) * 3.0) == 6.0


def test_string_constants_fetch_as_bytes_like_tf():
    text, words, raw = kf.constant("ab"), kf.constant(["a", "δ"]), kf.constant([b"x\x00"])
    with kf.Session() as sess:
        got_text, got_words, got_raw = sess.run([text, words, raw])
    assert got_text == b"ab"
    assert got_words.tolist() == [b"a", "δ".encode("utf-8")]
    assert got_raw.tolist() == [b"x\x00"]  # trailing NUL bytes survive


def test_feed_keyed_by_a_nested_tuple_of_tensors():
    """TF1 feeds an RNN state by its structure: ``{model.initial_state: state}``."""
    import collections
    Pair = collections.namedtuple("Pair", ["c", "h"])
    a, b, c = kf.placeholder(kf.float32, [2]), kf.placeholder(kf.float32, [2]), kf.placeholder(kf.float32, [])
    state = (Pair(a, b), c)
    total = kf.reduce_sum(a) + 10.0 * kf.reduce_sum(b) + 100.0 * c
    with kf.Session() as sess:
        assert sess.run(total, {state: (Pair([1.0, 2.0], [3.0, 4.0]), 5.0)}) == 3.0 + 70.0 + 500.0
        with pytest.raises(ValueError, match="structure"):
            sess.run(total, {state: np.zeros(2)})
