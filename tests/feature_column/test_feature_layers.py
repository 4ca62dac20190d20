"""embedding_column (combiners, names, gradient), input_layer and linear_model against numpy references."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.feature_column.dense_columns import combine

fc = kf.feature_column
TOKENS = [["a", "c", "c"], ["b", "", ""], ["", "", ""]]
TOKEN_IDS = [[0, 2, 2], [1, -1, -1], [-1, -1, -1]]


@pytest.fixture(autouse=True)
def graph():
    with kf.Graph().as_default() as g:
        yield g


def _reference_combine(table, ids, weights, combiner):
    out = np.zeros((len(ids), table.shape[1]))
    for r, (row_ids, row_w) in enumerate(zip(ids, weights)):
        pairs = [(i, w) for i, w in zip(row_ids, row_w) if i >= 0]
        if not pairs:
            continue
        total = sum(w * table[i] for i, w in pairs)
        norm = {"sum": 1.0, "mean": sum(w for _, w in pairs),
                "sqrtn": np.sqrt(sum(w * w for _, w in pairs))}[combiner]
        out[r] = total / norm
    return out


@pytest.mark.parametrize("combiner", ["mean", "sqrtn", "sum"])
def test_embedding_column_combiners(combiner):
    table = np.arange(12, dtype=np.float32).reshape(3, 4) / 10.0
    col = fc.embedding_column(fc.categorical_column_with_vocabulary_list("t", ["a", "b", "c"]), 4,
                              combiner=combiner, initializer=kf.constant_initializer(table))
    out = fc.input_layer({"t": kf.constant(TOKENS)}, [col])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got = sess.run(out)
    np.testing.assert_allclose(got, _reference_combine(table, TOKEN_IDS, np.ones((3, 3)), combiner), rtol=1e-6)


def test_embedding_variable_name_default_init_and_gradient():
    col = fc.embedding_column(fc.categorical_column_with_vocabulary_list("t", ["a", "b", "c"]), 5)
    cols_to_vars = {}
    out = fc.input_layer({"t": kf.constant(TOKENS)}, [col], cols_to_vars=cols_to_vars)
    (table,) = cols_to_vars[col]
    assert table.name == "input_layer/t_embedding/embedding_weights:0"
    assert table.shape.as_list() == [3, 5]
    upstream = np.random.RandomState(0).randn(3, 5).astype(np.float32)
    grad = kf.gradients(kf.reduce_sum(out * upstream), [table])[0]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        values, g = sess.run([table, kf.convert_to_tensor(grad)])
    # truncated normal with stddev 1/sqrt(5): every value within two standard deviations
    assert np.abs(values).max() <= 2.0 / np.sqrt(5) + 1e-6
    expected = np.zeros((3, 5))
    expected[0] += upstream[0] / 3       # mean over a, c, c
    expected[2] += 2 * upstream[0] / 3
    expected[1] += upstream[1]           # row 2 has no ids: no gradient
    np.testing.assert_allclose(g, expected, rtol=1e-5, atol=1e-6)


def test_combine_gradient_numerically():
    ids_weights = np.array([[1.0, 0.5, 0.0], [0.0, 2.0, 1.0]])
    for combiner in ("mean", "sqrtn", "sum"):
        check_gradients(lambda rows, w: combine(rows, w, combiner),
                        [np.random.RandomState(1).randn(2, 3, 4), ids_weights], wrt=[0, 1])


def test_input_layer_order_and_errors():
    features = {"b": kf.constant([[1.0], [2.0]]), "a": kf.constant([[3.0, 4.0], [5.0, 6.0]])}
    out = fc.input_layer(features, [fc.numeric_column("b"), fc.numeric_column("a", shape=2)])
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(out), [[3, 4, 1], [5, 6, 2]])  # sorted by column name
    with pytest.raises(ValueError, match="embedding_column or indicator_column"):
        fc.input_layer(features, [fc.categorical_column_with_identity("a", 3)])
    with pytest.raises(ValueError, match="duplicate"):
        fc.input_layer(features, [fc.numeric_column("a"), fc.numeric_column("a")])


def test_linear_model_values_and_names():
    features = {"x": kf.constant([[1.0, 2.0], [3.0, -1.0]]), "t": kf.constant(TOKENS[:2])}
    num = fc.numeric_column("x", shape=2)
    cat = fc.categorical_column_with_vocabulary_list("t", ["a", "b", "c"])
    cols_to_vars = {}
    out = fc.linear_model(features, [num, cat], units=2, cols_to_vars=cols_to_vars)
    names = sorted(v.name for v in kf.global_variables())
    assert names == ["linear_model/bias_weights:0", "linear_model/t/weights:0", "linear_model/x/weights:0"]
    wx = np.array([[0.5, -1.0], [2.0, 0.25]], np.float32)
    wt = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], np.float32)
    bias = np.array([0.1, -0.2], np.float32)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert not sess.run(out).any()  # weights start at zero
        cols_to_vars[num][0].load(wx, sess)
        cols_to_vars[cat][0].load(wt, sess)
        cols_to_vars["bias"][0].load(bias, sess)
        got = sess.run(out)
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    sparse_sum = np.array([wt[0] + 2 * wt[2], wt[1]])  # "sum" combiner over each example's ids
    np.testing.assert_allclose(got, x @ wx + sparse_sum + bias, rtol=1e-6)


def test_linear_model_bad_combiner():
    with pytest.raises(ValueError, match="sparse_combiner"):
        fc.linear_model({"x": kf.constant([[1.0]])}, [fc.numeric_column("x")], sparse_combiner="max")


def test_shared_embedding_columns_share_one_table():
    a = fc.categorical_column_with_vocabulary_list("a", ["x", "y", "z"])
    b = fc.categorical_column_with_identity("b", 3)
    table = np.arange(6, dtype=np.float32).reshape(3, 2)
    ea, eb = fc.shared_embedding_columns([a, b], 2, combiner="sum", initializer=kf.constant_initializer(table))
    assert ea.name == "a_shared_embedding" and eb.name == "b_shared_embedding"
    out = fc.input_layer({"a": kf.constant(["z", "x"]), "b": kf.constant([[0, 1], [2, -1]], kf.int64)}, [ea, eb])
    variables = kf.global_variables()
    assert [v.name for v in variables] == ["input_layer/a_b_shared_embedding/embedding_weights:0"]
    grad = kf.convert_to_tensor(kf.gradients(kf.reduce_sum(out), variables)[0])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got, g = sess.run([out, grad])
    np.testing.assert_allclose(got, [[4, 5, 0 + 2, 1 + 3], [0, 1, 4, 5]])
    np.testing.assert_allclose(g, [[2, 2], [1, 1], [2, 2]])  # rows used: a: z, x; b: 0, 1, 2
    with pytest.raises(ValueError, match="one num_buckets"):
        fc.shared_embedding_columns([a, fc.categorical_column_with_identity("c", 5)], 2)
