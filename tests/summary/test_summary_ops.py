"""Summary ops: tags, collections, kernels' Summary bytes, image scaling, merge, and build/run errors."""
import warnings

import numpy as np
import pytest

import kflow as kf
from kflow.summary.png import decode_png


def _values(sess, op, feed=None):
    data = sess.run(op, feed)
    assert isinstance(data, bytes)
    return list(kf.Summary.FromString(data).value)


def test_scalar_tag_scope_family_and_collection():
    x = kf.placeholder(kf.float32, [])
    s1 = kf.summary.scalar("loss", x)
    with kf.name_scope("train"):
        s2 = kf.summary.scalar("loss", x, family="losses")
    s3 = kf.summary.scalar("loss", x * 2.0)
    assert s1.dtype is kf.string and s1.shape.as_list() == [] and s1.op.type == "ScalarSummary"
    assert kf.get_collection(kf.GraphKeys.SUMMARIES) == [s1, s2, s3]
    with kf.Session() as sess:
        tags = [_values(sess, s, {x: 1.5})[0].tag for s in (s1, s2, s3)]
        assert tags == ["loss", "losses/train/losses/loss", "loss_1"]
        assert _values(sess, s3, {x: 1.5})[0].simple_value == 3.0
        int_summary = kf.summary.scalar("steps", kf.constant(7, kf.int64), collections=[])
        assert _values(sess, int_summary)[0].simple_value == 7.0
    assert int_summary not in kf.get_collection(kf.GraphKeys.SUMMARIES)


def test_bad_tag_characters_are_cleaned_with_warning():
    with pytest.warns(UserWarning, match="illegal"):
        s = kf.summary.scalar("a b", kf.constant(1.0))
    with kf.Session() as sess:
        assert _values(sess, s)[0].tag == "a_b"


def test_scalar_errors_name_the_tensor():
    with pytest.raises(ValueError, match=r"scalar \(shape \[\]\).*\n.*op: 'v'"):
        kf.summary.scalar("v", kf.zeros([3]))
    with pytest.raises(ValueError, match="real number"):
        kf.summary.scalar("s", kf.constant("x"))
    x = kf.placeholder(kf.float32)
    s = kf.summary.scalar("unknown", x)
    with kf.Session() as sess, pytest.raises(kf.errors.InvalidArgumentError, match="expected a scalar"):
        sess.run(s, {x: [1.0, 2.0]})


def test_histogram_summary_and_nan_error():
    x = kf.placeholder(kf.float32, [None])
    h = kf.summary.histogram("weights", x)
    with kf.Session() as sess:
        (value,) = _values(sess, h, {x: [1.0, 2.0, 2.0]})
        assert value.tag == "weights" and value.histo.num == 3 and value.histo.sum == 5.0
        with pytest.raises(kf.errors.InvalidArgumentError, match="NaN.*'weights'"):
            sess.run(h, {x: [1.0, np.nan]})


def test_image_uint8_passthrough_tags_and_max_outputs():
    imgs = np.random.RandomState(0).randint(0, 256, (4, 3, 5, 3)).astype(np.uint8)
    s = kf.summary.image("pics", kf.constant(imgs), max_outputs=2)
    one = kf.summary.image("one", kf.constant(imgs[:, :, :, :1]), max_outputs=1)
    with kf.Session() as sess:
        values = _values(sess, s)
        assert [v.tag for v in values] == ["pics/image/0", "pics/image/1"]
        img = values[1].image
        assert (img.height, img.width, img.colorspace) == (3, 5, 3)
        np.testing.assert_array_equal(decode_png(img.encoded_image_string), imgs[1])
        (grey,) = _values(sess, one)
        assert grey.tag == "one/image" and grey.image.colorspace == 1


def test_float_images_are_scaled_like_tf():
    positive = np.array([[[[0.0], [0.5]], [[1.0], [2.0]]]], np.float32)  # max 2 -> 255
    mixed = np.array([[[[-2.0], [0.0]], [[1.0], [np.nan]]]], np.float32)  # |max| 2 -> 0 at 128, +-127
    rgb = np.zeros((1, 1, 2, 3), np.float32)
    rgb[0, 0, 1] = [np.inf, 0, 0]
    with kf.Session() as sess:
        out = [decode_png(_values(sess, kf.summary.image(n, kf.constant(a)))[0].image.encoded_image_string)
               for n, a in (("p", positive), ("m", mixed), ("rgb", rgb))]
    np.testing.assert_array_equal(out[0][:, :, 0], [[0, 63], [127, 255]])  # x * 255 / 2, truncated
    np.testing.assert_array_equal(out[1][:, :, 0], [[1, 128], [191, 255]])  # NaN pixel drawn red (255 in grey)
    np.testing.assert_array_equal(out[2][0], [[0, 0, 0], [255, 0, 0]])


def test_image_shape_and_dtype_errors():
    with pytest.raises(ValueError, match="1, 3 or 4 channels"):
        kf.summary.image("bad", kf.zeros([1, 2, 2, 2]))
    with pytest.raises(ValueError, match="numeric images, got dtype bool"):
        kf.summary.image("bad", kf.zeros([1, 2, 2, 1], kf.bool))


def test_text_summary_is_a_string_tensor_for_the_text_plugin():
    t = kf.summary.text("notes", kf.constant(["**a**", "b"]))
    with kf.Session() as sess:
        (value,) = _values(sess, t)
    assert value.tag == "notes" and value.metadata.plugin_data.plugin_name == "text"
    assert value.tensor.dtype == 7 and list(value.tensor.string_val) == [b"**a**", b"b"]
    assert [d.size for d in value.tensor.tensor_shape.dim] == [2]
    with pytest.raises(ValueError, match="kf.string"):
        kf.summary.text("n", kf.constant(1.0))


def test_tensor_summary_holds_the_value():
    t = kf.summary.tensor_summary("w", kf.constant([[1, 2]], kf.int32), summary_description="desc")
    with kf.Session() as sess:
        (value,) = _values(sess, t)
    assert value.metadata.summary_description == "desc"
    np.testing.assert_array_equal(kf.summary.make_ndarray(value.tensor), [[1, 2]])


def test_merge_all_and_merge():
    assert kf.summary.merge_all() is None
    x = kf.placeholder(kf.float32, [])
    kf.summary.scalar("a", x)
    kf.summary.histogram("h", kf.ones([2]) * x)
    merged = kf.summary.merge_all()
    assert merged.name == "Merge/MergeSummary:0" and merged.op.type == "MergeSummary"
    extra = kf.summary.scalar("b", x, collections=["mine"])
    both = kf.summary.merge([merged, extra], collections=["merged"])
    assert kf.get_collection("merged") == [both]
    assert kf.summary.merge_all("mine").op.inputs == [extra]
    with kf.Session() as sess:
        assert [v.tag for v in _values(sess, both, {x: 2.0})] == ["a", "h", "b"]
        dup = kf.summary.merge([extra, extra])
        with pytest.raises(kf.errors.InvalidArgumentError, match="Duplicate tag b"):
            sess.run(dup, {x: 1.0})
    with pytest.raises(TypeError, match="summary"):
        kf.summary.merge([x])


def test_summaries_run_repeatedly_without_graph_growth():
    x = kf.placeholder(kf.float32, [])
    merged = (kf.summary.scalar("a", x), kf.summary.merge_all())[1]
    g = kf.get_default_graph()
    with kf.Session() as sess, warnings.catch_warnings():
        warnings.simplefilter("error")
        n = g.version
        for i in range(10):
            sess.run(merged, {x: float(i)})
        assert g.version == n
