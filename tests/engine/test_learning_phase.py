import numpy as np

import kflow as kf
from kflow.engine.learning_phase import forget_learning_phases, learning_phase


def test_one_flag_per_graph_outside_the_callers_scopes():
    with kf.name_scope("outer"), kf.control_dependencies([kf.no_op()]):
        phase = learning_phase()
    assert phase is learning_phase() and phase.name == "keras_learning_phase:0"
    assert phase.dtype == kf.bool and phase.shape.as_list() == [] and not phase.op.control_inputs
    g = kf.Graph()
    assert learning_phase(g) is not phase and learning_phase(g).graph is g
    with g.as_default():
        assert learning_phase() is learning_phase(g)
    forget_learning_phases()
    assert learning_phase() is not phase


def test_layers_with_training_none_follow_the_flag():
    x = kf.placeholder(kf.float32, [None, 100])
    y = kf.keras.layers.Dropout(0.5)(x)  # training=None: the graph's learning phase decides
    ones = np.ones((4, 100), np.float32)
    with kf.Session() as sess:
        assert np.array_equal(sess.run(y, {x: ones}), ones)
        trained = sess.run(y, {x: ones, learning_phase(): True})
    assert set(np.unique(trained)) == {0.0, 2.0}
