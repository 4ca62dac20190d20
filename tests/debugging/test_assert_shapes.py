"""kf.debugging.assert_shapes: named dimensions agree across tensors; build-time ValueError for known shapes,
run-time InvalidArgumentError (gated on the rank check) for shapes known only when fed."""
import numpy as np
import pytest

import kflow as kf


def _fails(sess, op, feed):
    try:
        sess.run(op, feed)
        return None
    except kf.errors.InvalidArgumentError as e:
        return str(e)


def _reference_ok(shapes, specs):
    """An independent check: ranks match and every symbol / int agrees."""
    sizes = {}
    for shape, spec in zip(shapes, specs):
        if len(shape) != len(spec):
            return False
        for size, want in zip(shape, spec):
            if isinstance(want, int) and size != want:
                return False
            if isinstance(want, str) and sizes.setdefault(want, size) != size:
                return False
    return True


def test_run_time_checks_agree_with_a_reference():
    specs = [("N", "D"), ("N",), ("D", 2)]
    x, y, w = kf.placeholder(kf.float32), kf.placeholder(kf.float32), kf.placeholder(kf.float32)
    check = kf.debugging.assert_shapes([(x, specs[0]), (y, specs[1]), (w, specs[2])], message="shapes")
    rng = np.random.RandomState(0)
    with kf.Session() as sess:
        for _ in range(40):
            shapes = [tuple(rng.randint(1, 4, size=rng.choice([1, 2, 2, 2]) if i != 1 else rng.choice([1, 1, 2])))
                      for i in range(3)]
            error = _fails(sess, check, {t: np.zeros(s) for t, s in zip((x, y, w), shapes)})
            assert (error is None) == _reference_ok(shapes, specs), (shapes, error)
            if error is not None:
                assert error.startswith("assertion failed: [shapes. ")
        good = {x: np.zeros([4, 3]), y: np.zeros(4), w: np.zeros([3, 2])}
        assert _fails(sess, check, good) is None
        assert "Tensor %s must have rank 2" % w.name in _fails(sess, check, {**good, w: np.zeros(3)})
        message = _fails(sess, check, {**good, y: np.zeros(5)})
        assert "Specified by tensor %s dimension 0. Tensor %s dimension 0 must have size ] [4]" % (x.name, y.name) \
            in message


def test_build_time_errors_and_ellipsis():
    with pytest.raises(ValueError, match=r"Specified by tensor zeros:0 dimension 0. Tensor zeros_1:0 dimension 0 "
                                         r"must have size 2. Received size 3"):
        kf.debugging.assert_shapes({kf.zeros([2, 3]): ("N", "D"), kf.zeros([3]): ("N",)})
    with pytest.raises(ValueError, match="must have rank 3"):
        kf.debugging.assert_shapes([(kf.zeros([2, 3]), ("A", "B", "C"))])
    with pytest.raises(ValueError, match="dimension -1 must have size 4"):
        kf.debugging.assert_shapes([(kf.zeros([2, 3]), ("...", 4))])
    assert kf.debugging.assert_shapes([(kf.zeros([5, 2, 3]), ("...", "D")), (kf.zeros([3]), ("D",)),
                                       (kf.zeros([]), ())]).type == "NoOp"


def test_a_symbol_first_seen_at_run_time_is_checked_against_a_later_static_size():
    p = kf.placeholder(kf.float32, [None])
    check = kf.debugging.assert_shapes([(p, ("N",)), (kf.zeros([3, 2]), ("N", 2))])
    with kf.Session() as sess:
        assert _fails(sess, check, {p: np.zeros(3)}) is None
        assert "must have size ] [3]" in _fails(sess, check, {p: np.zeros(2)})
