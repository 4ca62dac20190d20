"""Real TensorBoard reads kflow's event files: scalars, histograms, images, text and the graph.

Skipped when the optional ``tensorboard`` package (in the ``test`` extra) is not installed.
"""
import numpy as np
import pytest

import kflow as kf
from kflow.summary.png import decode_png

event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")


@pytest.fixture
def logdir(tmp_path):
    x = kf.placeholder(kf.float32, [], name="x")
    with kf.name_scope("layer"):
        w = kf.Variable(np.linspace(-1, 1, 12, dtype=np.float32).reshape(3, 4), name="w")
    kf.summary.scalar("loss", x)
    kf.summary.histogram("weights", w)
    kf.summary.image("input", kf.constant(np.arange(2 * 4 * 5 * 3, dtype=np.uint8).reshape(2, 4, 5, 3)))
    kf.summary.text("note", kf.constant("**bold** text"))
    merged = kf.summary.merge_all()
    with kf.Session() as sess, kf.summary.FileWriter(str(tmp_path), sess.graph) as writer:
        sess.run(kf.global_variables_initializer())
        for step in range(3):
            writer.add_summary(sess.run(merged, {x: 1.0 / (step + 1)}), global_step=step)
    return str(tmp_path)


def _accumulator(logdir):
    acc = event_accumulator.EventAccumulator(logdir, size_guidance={k: 0 for k in (
        event_accumulator.SCALARS, event_accumulator.HISTOGRAMS, event_accumulator.IMAGES,
        event_accumulator.TENSORS, event_accumulator.COMPRESSED_HISTOGRAMS)})
    return acc.Reload()


def test_tags_and_file_version(logdir):
    acc = _accumulator(logdir)
    tags = acc.Tags()
    assert tags["scalars"] == ["loss"] and tags["histograms"] == ["weights"] and tags["tensors"] == ["note"]
    assert sorted(tags["images"]) == ["input/image/0", "input/image/1"] and tags["graph"] is True
    assert acc.file_version == 2.0


def test_scalars(logdir):
    events = _accumulator(logdir).Scalars("loss")
    assert [e.step for e in events] == [0, 1, 2]
    np.testing.assert_allclose([e.value for e in events], [1.0, 0.5, 1.0 / 3], rtol=1e-6)


def test_histograms(logdir):
    h = _accumulator(logdir).Histograms("weights")[-1].histogram_value
    assert (h.min, h.max, h.num) == (-1.0, 1.0, 12.0)
    assert sum(h.bucket) == 12 and len(h.bucket) == len(h.bucket_limit)
    np.testing.assert_allclose(h.sum, 0.0, atol=1e-6)


def test_images(logdir):
    img = _accumulator(logdir).Images("input/image/1")[0]
    assert (img.width, img.height) == (5, 4)
    expected = np.arange(2 * 4 * 5 * 3, dtype=np.uint8).reshape(2, 4, 5, 3)[1]
    np.testing.assert_array_equal(decode_png(img.encoded_image_string), expected)


def test_text(logdir):
    acc = _accumulator(logdir)
    proto = acc.Tensors("note")[0].tensor_proto
    assert list(proto.string_val) == [b"**bold** text"]
    assert "note" in acc.PluginTagToContent("text")


def test_graph(logdir):
    graph = _accumulator(logdir).Graph()
    nodes = {n.name: n for n in graph.node}
    assert nodes["layer/w"].op == "VariableV2" and list(nodes["layer/w/read"].input) == ["layer/w"]
    assert nodes["x"].attr["dtype"].type == 1  # DT_FLOAT
    assert [d.size for d in nodes["layer/w"].attr["shape"].shape.dim] == [3, 4]
    assert "_output_shapes" in nodes["layer/w/read"].attr  # shapes label the edges
