import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.nn.sequence_ops import reverse_sequence


def _eval(fetches):
    with kf.Session() as sess:
        return sess.run(fetches)


def test_reverse_sequence_values_and_gradient():
    x = np.arange(8).reshape(2, 4)
    r = _eval(reverse_sequence(x, [2, 3], seq_axis=1, batch_axis=0))
    assert r.tolist() == [[1, 0, 2, 3], [6, 5, 4, 7]]
    t = _eval(reverse_sequence(x.T, [2, 3], seq_axis=0, batch_axis=1))
    assert t.T.tolist() == r.tolist()
    rng = np.random.RandomState(3)
    check_gradients(lambda v: reverse_sequence(v, [3, 1, 0], seq_axis=1, batch_axis=0) * v,
                    [rng.randn(3, 4, 2)])
    with pytest.raises(kf.errors.InvalidArgumentError, match="seq_lengths must be in"):
        _eval(reverse_sequence(x, [5, 1], seq_axis=1))


def test_public_names():
    assert kf.reverse_sequence is kf.nn.reverse_sequence is reverse_sequence
