import numpy as np
import pytest

import kflow as kf
from kflow.engine import graph_session


def test_one_session_per_graph_made_on_first_use():
    sess = graph_session.get_session()
    assert sess is graph_session.get_session(kf.get_default_graph()) and sess.graph is kf.get_default_graph()
    g = kf.Graph()
    assert graph_session.get_session(g) is not sess and graph_session.get_session(g).graph is g
    sess.close()
    assert graph_session.get_session() is not sess  # a closed session is replaced


def test_set_session_and_close_sessions():
    mine = kf.Session()
    graph_session.set_session(mine)
    assert graph_session.get_session() is mine
    graph_session.close_sessions()
    assert mine._closed and graph_session.get_session() is not mine


def test_batch_get_and_set_value_use_the_graphs_session():
    a, b = kf.Variable([1.0, 2.0], name="a"), kf.Variable(3, name="b")
    sess = graph_session.get_session()
    sess.run(kf.global_variables_initializer())
    n_ops = len(kf.get_default_graph().get_operations())
    graph_session.batch_set_value([(a, np.array([5.0, 6.0])), (b, 7)])
    values = graph_session.batch_get_value([a, b])
    assert np.array_equal(values[0], [5.0, 6.0]) and values[1] == 7 and graph_session.batch_get_value([]) == []
    assert len(kf.get_default_graph().get_operations()) == n_ops  # no ops added
    with pytest.raises(ValueError, match="shape"):
        graph_session.batch_set_value([(a, np.zeros(3))])


def test_handing_out_the_session_initializes_only_new_variables():
    a = kf.Variable(1.0, name="a")
    sess = graph_session.get_session()
    assert sess.run(a) == 1.0  # initialized when the session was handed out
    a.load(5.0, sess)
    b = kf.Variable(2.0, name="b")
    assert graph_session.get_session() is sess
    assert sess.run(b) == 2.0 and sess.run(a) == 5.0  # b initialized, a kept its value
