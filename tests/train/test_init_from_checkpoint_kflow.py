"""init_from_checkpoint with a kflow-written checkpoint (the TF-written case is in test_tf_checkpoint.py): scope
and single-variable mappings, and the error for a missing checkpoint name."""
import numpy as np
import pytest

import kflow as kf


def test_init_from_a_kflow_checkpoint(tmp_path):
    kf.reset_default_graph()
    with kf.variable_scope("enc"):
        kf.get_variable("w", [2], initializer=kf.constant_initializer(3.0))
        kf.get_variable("b", [], initializer=kf.constant_initializer(-1.0))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        kf.train.Saver().save(sess, str(tmp_path / "model"))
    kf.reset_default_graph()
    with kf.variable_scope("new"):
        w = kf.get_variable("w", [2])
        b = kf.get_variable("b", [])
    single = kf.get_variable("single", [])
    kf.train.init_from_checkpoint(str(tmp_path), {"enc/": "new/", "enc/b": single})
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(w), [3.0, 3.0])
        assert sess.run([b, single]) == [-1.0, -1.0]
    with pytest.raises(ValueError, match="enc/missing"):
        kf.train.init_from_checkpoint(str(tmp_path), {"enc/missing": single})
