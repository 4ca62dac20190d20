"""kf.train global step: creation, lookup, collections, increments."""
import pytest

import kflow as kf


def test_get_or_create_global_step():
    assert kf.train.get_global_step() is None
    with kf.name_scope("somewhere"):
        gs = kf.train.get_or_create_global_step()
    assert gs.name == "global_step:0" and gs.dtype is kf.int64 and gs.shape.as_list() == []
    assert not gs.trainable
    assert gs in kf.global_variables() and kf.get_collection(kf.GraphKeys.GLOBAL_STEP) == [gs]
    assert kf.train.get_or_create_global_step() is gs and kf.train.get_global_step() is gs
    with pytest.raises(ValueError, match="already exists"):
        kf.train.create_global_step()
    with kf.Session() as sess:
        sess.run(gs.initializer)
        assert kf.train.global_step(sess, gs) == 0


def test_global_step_found_by_name_and_per_graph():
    step = kf.Variable(0, dtype=kf.int64, name="global_step", trainable=False)
    assert kf.train.get_global_step() is step
    g = kf.Graph()
    assert kf.train.get_global_step(g) is None
    other = kf.train.create_global_step(g)
    assert other.graph is g and kf.train.get_global_step(g) is other


def test_global_step_must_be_an_integer_scalar():
    kf.Variable(0.0, name="global_step")
    with pytest.raises(TypeError, match="integer"):
        kf.train.get_global_step()
