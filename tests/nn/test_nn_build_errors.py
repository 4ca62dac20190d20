"""Build-time errors of kf.nn ops and kf.losses name the op, show the input shapes or dtypes, and point at the
user's source line (this file)."""
import pytest

import kflow as kf

Z = kf.zeros


# (id, build, exception, fragments that must all appear in the message)
CASES = [
    ("bias_add", lambda: kf.nn.bias_add(Z([2, 3]), Z([4])), ValueError, ["bias_add", "3", "4", "(2, 3)"]),
    ("softmax_xent", lambda: kf.nn.softmax_cross_entropy_with_logits_v2(labels=Z([2, 3]), logits=Z([2, 4])),
     ValueError, ["SoftmaxCrossEntropyWithLogits", "(2, 4)", "(2, 3)"]),
    ("sparse_xent", lambda: kf.nn.sparse_softmax_cross_entropy_with_logits(labels=Z([3], kf.int32),
                                                                            logits=Z([2, 4])),
     ValueError, ["SparseSoftmaxCrossEntropyWithLogits", "(3,)", "(2, 4)"]),
    ("sigmoid_xent", lambda: kf.nn.sigmoid_cross_entropy_with_logits(labels=Z([2, 3]), logits=Z([2, 4])),
     ValueError, ["SigmoidCrossEntropyWithLogits", "(2, 4)", "(2, 3)"]),
    ("conv2d_depth", lambda: kf.nn.conv2d(Z([1, 5, 5, 3]), Z([3, 3, 2, 4]), [1, 1, 1, 1], "SAME"), ValueError,
     ["Conv2D", "(1, 5, 5, 3)", "(3, 3, 2, 4)"]),
    ("conv2d_transpose_depth", lambda: kf.nn.conv2d_transpose(Z([1, 4, 4, 3]), Z([3, 3, 2, 4]), [1, 8, 8, 2],
                                                              [1, 2, 2, 1], "SAME"),
     ValueError, ["conv2d_transpose", "(1, 4, 4, 3)", "(3, 3, 2, 4)"]),
    ("max_pool_rank", lambda: kf.nn.max_pool(Z([5, 5, 3]), [1, 2, 2, 1], [1, 2, 2, 1], "SAME"), ValueError,
     ["MaxPool", "(5, 5, 3)"]),
    ("softmax_int", lambda: kf.nn.softmax(Z([2, 3], kf.int32)), TypeError, ["Softmax", "int32"]),
    ("l2_normalize_int", lambda: kf.nn.l2_normalize(Z([2, 3], kf.int32), 1), TypeError,
     ["L2Normalize", "int32", "(2, 3)"]),
    ("top_k_too_few", lambda: kf.nn.top_k(Z([2, 3]), 5), ValueError, ["top_k", "k=5", "(2, 3)"]),
    ("in_top_k_batch", lambda: kf.nn.in_top_k(Z([2, 3]), Z([3], kf.int32), 1), ValueError,
     ["InTopKV2", "2 and 3", "(2, 3)", "(3,)"]),
    ("embedding_float_ids", lambda: kf.nn.embedding_lookup(Z([5, 3]), Z([2])), TypeError,
     ["embedding_lookup", "float32"]),
    ("mse_shapes", lambda: kf.losses.mean_squared_error(Z([2, 3]), Z([2, 4])), ValueError,
     ["mean_squared_error", "(2, 4)", "(2, 3)"]),
]


@pytest.mark.parametrize("build,exc,fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_build_error_names_op_shapes_and_source_line(build, exc, fragments):
    with pytest.raises(exc) as info:
        build()
    msg = str(info.value)
    for fragment in fragments:
        assert fragment in msg, (fragment, msg)
    assert "test_nn_build_errors.py" in msg


def test_in_top_k_takes_the_batch_size_from_targets_when_predictions_lack_it():
    p = kf.placeholder(kf.float32, [None, 3])
    assert kf.nn.in_top_k(p, Z([4], kf.int32), 1).shape.as_list() == [4]
