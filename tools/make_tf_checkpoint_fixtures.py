"""Writes the TensorFlow-format checkpoint fixtures under tests/train/fixtures/ with real TensorFlow.

Run once, in a separate virtual environment that has TensorFlow (never kflow's):

    python -m venv /tmp/venv-tf && /tmp/venv-tf/bin/pip install tensorflow_cpu numpy
    /tmp/venv-tf/bin/python tools/make_tf_checkpoint_fixtures.py

It saves the values of tests/train/tf_checkpoint_values.py with ``tf.compat.v1.train.Saver`` (the TF1
V2 format: ``NAME.index`` + ``NAME.data-00000-of-00001``) and writes the ``checkpoint`` state files, then
reads every value back with ``tf.train.load_checkpoint`` to check what it wrote. The fixtures were made
with tensorflow_cpu 2.21.0; the version is recorded in fixtures/README.txt.
"""
import os
import sys

import numpy as np
import tensorflow as tf

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "train"))
from tf_checkpoint_values import many_values, small_values  # noqa: E402

FIXTURES = os.path.join(ROOT, "tests", "train", "fixtures")


def save(name, values, step):
    directory = os.path.join(FIXTURES, name)
    os.makedirs(directory, exist_ok=True)
    graph = tf.Graph()
    with graph.as_default():
        variables = [tf.compat.v1.Variable(value, name=key) for key, value in values.items()]
        saver = tf.compat.v1.train.Saver(variables, save_relative_paths=True)
        with tf.compat.v1.Session(graph=graph) as sess:
            sess.run(tf.compat.v1.global_variables_initializer())
            path = saver.save(sess, os.path.join(directory, "model.ckpt"), global_step=step,
                              write_meta_graph=False)
    reader = tf.train.load_checkpoint(path)
    for key, value in values.items():
        got = reader.get_tensor(key)
        assert got.shape == np.shape(value) and np.array_equal(got, value), key
    print("wrote", path, "(%d variables)" % len(values))


if __name__ == "__main__":
    save("small", small_values(), 10)
    save("many", many_values(), 20)
    with open(os.path.join(FIXTURES, "README.txt"), "w") as f:
        f.write("TensorFlow checkpoints written by tools/make_tf_checkpoint_fixtures.py with tensorflow %s.\n"
                % tf.__version__)
