"""``plot_model`` and ``model_to_dot``: a model's layer graph in Graphviz's DOT language (Keras's
``keras.utils.vis_utils``).

The DOT text is written by kflow itself, so ``plot_model`` always writes a ``.dot`` file; rendering it to
PNG/SVG/PDF needs Graphviz's ``dot`` program (``apt install graphviz``; pydot is not needed). Without it,
``plot_model`` warns, says where the ``.dot`` file is and how to render it, and the program goes on (Keras
examples call ``plot_model`` between building and training).

Example:
    >>> kf.keras.utils.plot_model(model, to_file="model.png", show_shapes=True)   # model.dot (+ model.png)
    >>> SVG(kf.keras.utils.model_to_dot(model).create(prog="dot", format="svg"))  # in a notebook
"""
import os
import shutil
import subprocess
import warnings

from kflow.atomic_file import atomic_write


def write_bytes(path, data):
    with atomic_write(path) as tmp:
        with open(tmp, "wb") as f:
            f.write(data)


class GraphvizUnavailable(ImportError):
    """Graphviz's ``dot`` program is not installed (the DOT text itself needs nothing)."""


def _render(dot_text, prog="dot", format="png"):  # noqa: A002 - pydot's argument name
    binary = shutil.which(prog)
    if binary is None:
        raise GraphvizUnavailable("Rendering a model plot needs Graphviz's `%s` program, which is not installed "
                                  "(e.g. `apt install graphviz` or `conda install graphviz`)." % prog)
    done = subprocess.run([binary, "-T" + format], input=dot_text.encode("utf-8"), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, check=False)
    if done.returncode != 0:
        raise RuntimeError("`%s -T%s` failed: %s" % (prog, format, done.stderr.decode("utf-8", "replace").strip()))
    return done.stdout


class Dot(str):
    """DOT text, with pydot's ``to_string``, ``create`` and ``write`` so Keras notebook code runs."""

    def to_string(self):
        return str(self)

    def create(self, prog="dot", format="png"):  # noqa: A002
        """The graph rendered by Graphviz, as bytes (``format``: "png", "svg", "pdf", ...)."""
        return _render(str(self), prog, format)

    def write(self, path, prog="dot", format="raw"):  # noqa: A002
        write_bytes(path, str(self).encode("utf-8") if format == "raw" else self.create(prog, format))


def _quote(text):
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"')


def _shape_text(layer, attribute):
    try:
        value = getattr(layer, attribute)
    except (AttributeError, ValueError):
        return "multiple"
    return str(value).replace("{", "(").replace("}", ")")


def _flatten(x):
    return [t for item in x for t in _flatten(item)] if isinstance(x, (list, tuple)) else [x]


def model_to_dot(model, show_shapes=False, show_layer_names=True, rankdir="TB", expand_nested=False, dpi=96,
                 show_dtype=False):
    """The model's layers as DOT nodes (name: class, optionally input/output shapes) and their connections
    as edges; a ``Dot`` (a str)."""
    if rankdir not in ("TB", "LR"):
        raise ValueError("model_to_dot: rankdir must be 'TB' or 'LR', got %r" % (rankdir,))
    lines = ["digraph G {", "  rankdir=%s;" % rankdir, "  dpi=%d;" % dpi,
             '  node [shape=record, fontname="Helvetica"];']
    layers = list(model.layers)
    ids = {id(layer): "layer_%d" % i for i, layer in enumerate(layers)}
    for layer in layers:
        label = "%s: %s" % (layer.name, type(layer).__name__) if show_layer_names else type(layer).__name__
        if show_dtype:
            label += " (%s)" % (layer.dtype or "float32")
        if show_shapes:
            label = "{%s|{input:|output:}|{%s|%s}}" % (label, _shape_text(layer, "input_shape"),
                                                      _shape_text(layer, "output_shape"))
        lines.append("  %s [label=%s];" % (ids[id(layer)], _quote(label)))
    edges = []
    for layer in layers:
        for node in getattr(layer, "_inbound_nodes", []):
            for t in _flatten(node.inputs) + node.argument_tensors():
                source = getattr(t, "_keras_history", (None,))[0]
                edge = (id(source), id(layer))
                if id(source) in ids and edge not in edges:
                    edges.append(edge)
    lines += ["  %s -> %s;" % (ids[a], ids[b]) for a, b in edges]
    lines.append("}")
    return Dot("\n".join(lines) + "\n")


def plot_model(model, to_file="model.png", show_shapes=False, show_layer_names=True, rankdir="TB",
               expand_nested=False, dpi=96, show_dtype=False):
    """Writes the model graph to ``to_file``'s ``.dot`` twin and, when ``to_file`` asks for an image and Graphviz
    is installed, renders it there; returns the path of the file written last."""
    dot = model_to_dot(model, show_shapes, show_layer_names, rankdir, expand_nested, dpi, show_dtype)
    stem, extension = os.path.splitext(to_file)
    dot_path = stem + ".dot"
    dot.write(dot_path)
    image_format = extension[1:].lower() or "png"
    if image_format in ("dot", "gv"):
        return dot_path
    try:
        write_bytes(to_file, dot.create(format=image_format))
    except GraphvizUnavailable as e:
        warnings.warn("plot_model: wrote %s but not %s. %s Render it later with `dot -T%s %s -o %s`."
                      % (dot_path, to_file, e, image_format, dot_path, to_file), stacklevel=2)
        return dot_path
    return to_file
