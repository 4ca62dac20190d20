"""plot_model / model_to_dot: the DOT text (nodes, shapes, edges of a functional model), the .dot file that is
always written, rendering through Graphviz's `dot` (a stand-in program here; the real one when installed), and
the warning when Graphviz is missing."""
import os
import shutil
import stat

import pytest

import kflow as kf

L = kf.keras.layers


def _model():
    inputs = kf.keras.Input((8,), name="features")
    left = L.Dense(4, name="left")(inputs)
    right = L.Dense(4, name="right")(inputs)
    outputs = L.Dense(1, name="score")(L.Concatenate(name="merge")([left, right]))
    return kf.keras.Model(inputs, outputs)


def test_dot_text_names_layers_shapes_and_edges():
    model = _model()
    dot = kf.keras.utils.model_to_dot(model, show_shapes=True, rankdir="LR")
    assert dot.startswith("digraph G {") and "rankdir=LR;" in dot and dot.to_string() == dot
    ids = {layer.name: "layer_%d" % i for i, layer in enumerate(model.layers)}
    for source, target in [("features", "left"), ("features", "right"), ("left", "merge"), ("right", "merge"),
                           ("merge", "score")]:
        assert "%s -> %s;" % (ids[source], ids[target]) in dot
    assert dot.count("->") == 5
    assert "score: Dense|{input:|output:}|{(None, 8)|(None, 1)}" in dot
    plain = kf.keras.utils.model_to_dot(kf.keras.Sequential([L.Dense(2, input_shape=(3,)), L.Dense(1)]),
                                        show_layer_names=False)
    assert '[label="Dense"]' in plain and plain.count("->") == 1
    with pytest.raises(ValueError, match="rankdir"):
        kf.keras.utils.model_to_dot(model, rankdir="BT")


def test_plot_model_without_graphviz_writes_the_dot_file_and_warns(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    target = str(tmp_path / "model.png")
    with pytest.warns(UserWarning, match=r"wrote .*model\.dot but not .*model\.png.*apt install graphviz"):
        written = kf.keras.utils.plot_model(_model(), to_file=target, show_shapes=True)
    assert written == str(tmp_path / "model.dot") and not os.path.exists(target)
    assert open(written).read().startswith("digraph G {")
    assert kf.keras.utils.plot_model(_model(), to_file=str(tmp_path / "only.dot")) == str(tmp_path / "only.dot")


def test_plot_model_renders_through_dot(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "dot"
    fake.parent.mkdir()
    # a stand-in for Graphviz: prints its format argument and the DOT text it read
    fake.write_text("#!/bin/sh\necho \"$1\"\n%s\n" % shutil.which("cat"))
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", str(fake.parent))
    target = str(tmp_path / "model.svg")
    assert kf.keras.utils.plot_model(_model(), to_file=target) == target
    rendered = open(target).read()
    assert rendered.startswith("-Tsvg\ndigraph G {")
    assert os.path.exists(str(tmp_path / "model.dot"))


def test_real_graphviz_renders_png(tmp_path):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz is not installed")
    png = kf.keras.utils.model_to_dot(_model()).create(format="png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
