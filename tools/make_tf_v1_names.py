"""Writes tools/tf_v1_names.json: the public names of TensorFlow's tf.compat.v1 and its namespaces.

Run once with a TensorFlow venv (kflow never imports TensorFlow):
    /work/venv-tf-fr18/bin/python tools/make_tf_v1_names.py
A namespace's names are its public attributes (no leading underscore) that are not modules; the modules
become namespaces of their own ("nn", "nn.rnn_cell", ...). Left out: keras (TF 2.21 ships Keras 3 there, not
tf.keras 1.x), compat (versions of the whole API) and raw_ops (TF's C++ op names, not a Python API), and the
namespaces whose lazy import needs the tf_keras package that TF 2.21 no longer bundles (the script prints them:
layers and nn.rnn_cell), so those two are not measured.
"""
import json
import os
import types

import tensorflow as tf

SKIPPED = ("keras", "compat", "raw_ops")
NESTED = ("nn.rnn_cell", "data.experimental", "train.experimental", "io.gfile")


def _names(module):
    out = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        try:
            value = getattr(module, name)
        except Exception:  # a lazily loaded submodule that fails to import is a module, not a name
            continue
        if not isinstance(value, types.ModuleType):
            out.append(name)
    return sorted(out)


def _modules(module):
    out = []
    for name in dir(module):
        if name.startswith("_") or name in SKIPPED:
            continue
        try:
            value = getattr(module, name)
        except Exception:
            continue
        if isinstance(value, types.ModuleType):
            out.append(name)
    return sorted(out)


def main():
    v1 = tf.compat.v1
    namespaces = {"": _names(v1)}
    for name in _modules(v1):
        try:
            namespaces[name] = _names(getattr(v1, name))
        except Exception as e:  # a lazy module whose own imports fail in this TF install
            print("skipped %s: %s" % (name, e))
    for path in NESTED:
        module = v1
        for part in path.split("."):
            module = getattr(module, part, None)
        try:
            namespaces[path] = _names(module)
        except Exception as e:
            print("skipped %s: %s" % (path, e))
    doc = {"made_by": "tools/make_tf_v1_names.py with tensorflow %s (tf.compat.v1)" % tf.__version__,
           "namespaces": namespaces}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tf_v1_names.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=0, sort_keys=True)
        f.write("\n")
    print("wrote %s: %d namespaces, %d names" % (path, len(namespaces), sum(map(len, namespaces.values()))))


if __name__ == "__main__":
    main()
