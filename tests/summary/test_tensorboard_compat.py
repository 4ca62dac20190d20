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


def _write_images(logdir):
    rng = np.random.RandomState(7)
    batches = {}
    for channels in (1, 3, 4):
        batches["u8_%d" % channels] = rng.randint(0, 256, (3, 4, 6, channels)).astype(np.uint8)
        batches["f32_%d" % channels] = rng.rand(3, 4, 6, channels).astype(np.float32)  # in [0, 1): x * 255 / max
    for name, batch in batches.items():
        kf.summary.image(name, kf.constant(batch), max_outputs=2)
    with kf.Session() as sess, kf.summary.FileWriter(logdir) as writer:
        writer.add_summary(sess.run(kf.summary.merge_all()), global_step=4)
    return batches


def test_images_of_every_channel_count_decode_with_pil(tmp_path):
    """An independent PNG decoder (Pillow) reads what TensorBoard loads: 1/3/4 channels, uint8 and float."""
    pil_image = pytest.importorskip("PIL.Image")
    import io
    batches = _write_images(str(tmp_path))
    acc = _accumulator(str(tmp_path))
    for name, batch in batches.items():
        assert sorted(t for t in acc.Tags()["images"] if t.startswith(name + "/")) == [
            name + "/image/0", name + "/image/1"]  # max_outputs=2 of 3 images
        for i in range(2):
            (event,) = acc.Images("%s/image/%d" % (name, i))
            assert (event.step, event.height, event.width) == (4, 4, 6)
            decoded = pil_image.open(io.BytesIO(event.encoded_image_string))
            assert decoded.mode == {1: "L", 3: "RGB", 4: "RGBA"}[batch.shape[-1]]
            pixels = np.asarray(decoded).reshape(batch.shape[1:])
            if batch.dtype == np.uint8:
                expected = batch[i]
            else:  # TF's rule for non-negative floats: scale so the image's maximum becomes 255, truncate
                expected = (batch[i] * np.float32(255.0 / batch[i].max())).astype(np.uint8)
            np.testing.assert_array_equal(pixels, expected, err_msg="%s/%d" % (name, i))


def test_graph_through_tensorboard_graph_plugin(tmp_path):
    """The graph tab's own path: multiplexer -> data provider -> GraphsPlugin.graph_impl -> GraphDef pbtxt."""
    pytest.importorskip("tensorboard.plugins.graph.graphs_plugin")
    from google.protobuf import text_format
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    from tensorboard.compat.proto import graph_pb2
    from tensorboard.plugins import base_plugin
    from tensorboard.plugins.graph import graphs_plugin
    from tensorboard.util import tensor_util

    x = kf.placeholder(kf.float32, [None, 3], name="x")
    with kf.name_scope("dense"):
        w = kf.Variable(np.ones((3, 2), np.float32), name="kernel")
        y = kf.matmul(x, w)
    update = w.assign_add(np.full((3, 2), 0.5, np.float32))
    with kf.control_dependencies([update]), kf.device("/cpu:0"):
        kf.identity(y, name="out")
    kf.constant(np.zeros((40, 40), np.float32), name="big")
    logdir = str(tmp_path)
    kf.summary.FileWriter(str(tmp_path / "run1"), graph=kf.get_default_graph()).close()

    multiplexer = plugin_event_multiplexer.EventMultiplexer({"run1": str(tmp_path / "run1")})
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    plugin = graphs_plugin.GraphsPlugin(base_plugin.TBContext(logdir=logdir, data_provider=provider,
                                                              multiplexer=multiplexer))
    ctx = context.RequestContext()
    assert plugin.info_impl(ctx, experiment="")["run1"]["run_graph"] is True
    body, mime = plugin.graph_impl(ctx, "run1", None, False, experiment="", limit_attr_size=1024,
                                   large_attrs_key="_too_large_attrs")
    assert mime == "text/x-protobuf"
    nodes = {n.name: n for n in text_format.Parse(body, graph_pb2.GraphDef()).node}
    assert (nodes["dense/MatMul"].op, list(nodes["dense/MatMul"].input)) == ("MatMul", ["x", "dense/kernel/read"])
    assert list(nodes["out"].input) == ["dense/MatMul", "^AssignAdd"] and nodes["out"].device == "/cpu:0"
    assert list(nodes["AssignAdd"].input)[0] == "dense/kernel"
    value = nodes[nodes["AssignAdd"].input[1]]
    assert value.op == "Const" and value.attr["dtype"].type == 1  # DT_FLOAT
    np.testing.assert_array_equal(tensor_util.make_ndarray(value.attr["value"].tensor), np.full((3, 2), 0.5))
    big = nodes["big"].attr["value"].tensor  # too big to embed: dtype and shape only
    assert [d.size for d in big.tensor_shape.dim] == [40, 40] and not big.tensor_content


def test_tensorboard_server_data_path(logdir):
    """What ``tensorboard --logdir`` serves: plugin multiplexer -> data provider, per plugin."""
    from tensorboard import context
    from tensorboard.backend.event_processing import data_provider, plugin_event_multiplexer
    multiplexer = plugin_event_multiplexer.EventMultiplexer({"run": logdir})
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    ctx = context.RequestContext()
    assert {"scalars", "histograms", "images", "text", "graphs"} <= set(provider.list_plugins(ctx, experiment_id=""))
    scalars = provider.read_scalars(ctx, experiment_id="", plugin_name="scalars", downsample=100)["run"]["loss"]
    assert [d.step for d in scalars] == [0, 1, 2]
    np.testing.assert_allclose([d.value for d in scalars], [1.0, 0.5, 1.0 / 3], rtol=1e-6)
    # histograms are migrated to [buckets, 3] tensors of (left edge, right edge, count)
    histo = provider.read_tensors(ctx, experiment_id="", plugin_name="histograms", downsample=100)
    buckets = histo["run"]["weights"][-1].numpy
    assert buckets.shape[1] == 3 and buckets[:, 2].sum() == 12
    assert buckets[0, 0] == -1.0 and buckets[-1, 1] == 1.0
    # images are blob sequences [width, height, PNG]
    images = provider.read_blob_sequences(ctx, experiment_id="", plugin_name="images", downsample=100)["run"]
    width, height, png = (provider.read_blob(ctx, blob_key=b.blob_key) for b in images["input/image/1"][0].values)
    assert (width, height) == (b"5", b"4")
    np.testing.assert_array_equal(decode_png(png), np.arange(120, dtype=np.uint8).reshape(2, 4, 5, 3)[1])
    text = provider.read_tensors(ctx, experiment_id="", plugin_name="text", downsample=100)["run"]["note"]
    assert [d.step for d in text] == [0, 1, 2] and text[0].numpy.item() == b"**bold** text"
