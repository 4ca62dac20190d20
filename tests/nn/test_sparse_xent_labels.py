"""sparse_softmax_cross_entropy_with_logits checks its labels in one reduction (issue 22, small-batch overhead):
negative and too-large labels of every integer dtype are still refused, naming the value."""
import numpy as np
import pytest

import kflow as kf


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.int8])
def test_labels_out_of_range_are_refused(dtype):
    logits = np.random.RandomState(0).standard_normal((4, 3)).astype(np.float32)
    with kf.Graph().as_default():
        x = kf.placeholder(kf.float32, [None, 3])
        y = kf.placeholder(kf.as_dtype(dtype), [None])
        loss = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=x)
        with kf.Session() as sess:
            good = sess.run(loss, {x: logits, y: np.array([0, 2, 1, 2], dtype)})
            p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            np.testing.assert_allclose(good, -np.log(p[np.arange(4), [0, 2, 1, 2]]), rtol=1e-5)
            bad = [np.array([0, 3, 1, 2], dtype)]
            if np.dtype(dtype).kind == "i":
                bad.append(np.array([0, 1, -1, 2], dtype))
            for labels in bad:
                value = int(labels[(labels < 0) | (labels >= 3)][0])
                with pytest.raises(kf.errors.InvalidArgumentError, match="label value of %d which is outside the "
                                   r"valid range of \[0, 3\)" % value):
                    sess.run(loss, {x: logits, y: labels})
