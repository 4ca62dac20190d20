"""TF1's mnist_deep.py (the TF 1.0 version with kf.app.flags), as its code uses the API: flags defined at module
level, kf.app.run calling main, a small convnet with dropout through a keep_prob placeholder, one-hot float64
labels fed to a float32 placeholder, softmax_cross_entropy_with_logits, Adam, accuracy by argmax."""
import sys

import numpy as np
import pytest

import kflow as tf
from mnist_model import small_mnist

flags = tf.app.flags
FLAGS = flags.FLAGS
FLAG_NAMES = ("deep_data_dir", "deep_steps", "deep_batch_size", "deep_learning_rate", "deep_verbose")


@pytest.fixture
def defined_flags():
    flags.DEFINE_string("deep_data_dir", "/tmp/tensorflow/mnist/input_data", "Directory for storing input data")
    flags.DEFINE_integer("deep_steps", 20000, "Training steps.")
    flags.DEFINE_integer("deep_batch_size", 50, "Batch size.")
    flags.DEFINE_float("deep_learning_rate", 1e-4, "Adam's learning rate.")
    flags.DEFINE_boolean("deep_verbose", False, "Log the accuracy while training.")
    yield
    for name in FLAG_NAMES:
        delattr(FLAGS, name)


def weight_variable(shape):
    return tf.Variable(tf.truncated_normal(shape, stddev=0.1))


def bias_variable(shape):
    return tf.Variable(tf.constant(0.1, shape=shape))


def conv2d(x, W):  # noqa: N803 - the tutorial's names
    return tf.nn.conv2d(x, W, strides=[1, 1, 1, 1], padding="SAME")


def max_pool_2x2(x):
    return tf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")


def deepnn(x):
    with tf.name_scope("reshape"):
        x_image = tf.reshape(x, [-1, 28, 28, 1])
    with tf.name_scope("conv1"):
        h_pool1 = max_pool_2x2(tf.nn.relu(conv2d(x_image, weight_variable([5, 5, 1, 8])) + bias_variable([8])))
    with tf.name_scope("conv2"):
        h_pool2 = max_pool_2x2(tf.nn.relu(conv2d(h_pool1, weight_variable([5, 5, 8, 16])) + bias_variable([16])))
    with tf.name_scope("fc1"):
        h_pool2_flat = tf.reshape(h_pool2, [-1, 7 * 7 * 16])
        h_fc1 = tf.nn.relu(tf.matmul(h_pool2_flat, weight_variable([7 * 7 * 16, 64])) + bias_variable([64]))
    with tf.name_scope("dropout"):
        keep_prob = tf.placeholder(tf.float32)
        h_fc1_drop = tf.nn.dropout(h_fc1, keep_prob)
    with tf.name_scope("fc2"):
        y_conv = tf.matmul(h_fc1_drop, weight_variable([64, 10])) + bias_variable([10])
    return y_conv, keep_prob


def main(_):
    images, labels = small_mnist(400)
    one_hot = np.eye(10)[labels]  # float64, as the tutorial's input_data gives
    x = tf.placeholder(tf.float32, [None, 784])
    y_ = tf.placeholder(tf.float32, [None, 10])
    y_conv, keep_prob = deepnn(x)
    cross_entropy = tf.reduce_mean(tf.nn.softmax_cross_entropy_with_logits(labels=y_, logits=y_conv))
    train_step = tf.train.AdamOptimizer(FLAGS.deep_learning_rate).minimize(cross_entropy)
    correct_prediction = tf.equal(tf.argmax(y_conv, 1), tf.argmax(y_, 1))
    accuracy = tf.reduce_mean(tf.cast(correct_prediction, tf.float32))
    history = main.history
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        history.append(accuracy.eval(feed_dict={x: images, y_: one_hot, keep_prob: 1.0}))
        for i in range(FLAGS.deep_steps):
            start = (i * FLAGS.deep_batch_size) % len(images)
            batch = (images[start:start + FLAGS.deep_batch_size], one_hot[start:start + FLAGS.deep_batch_size])
            if FLAGS.deep_verbose and i % 10 == 0:
                tf.logging.info("step %d, training accuracy %g", i,
                                accuracy.eval(feed_dict={x: batch[0], y_: batch[1], keep_prob: 1.0}))
            train_step.run(feed_dict={x: batch[0], y_: batch[1], keep_prob: 0.5})
        history.append(accuracy.eval(feed_dict={x: images, y_: one_hot, keep_prob: 1.0}))
    return 0


def test_mnist_deep_with_flags_and_app_run(defined_flags, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["mnist_deep.py", "--deep_steps=40", "--deep_learning_rate", "0.003",
                                      "--deep_data_dir=/tmp/unused", "--nodeep_verbose"])
    main.history = []
    with pytest.raises(SystemExit) as exit_info:
        tf.app.run(main=main)
    assert exit_info.value.code == 0
    assert FLAGS.deep_steps == 40 and FLAGS.deep_learning_rate == 0.003 and FLAGS.deep_batch_size == 50
    before, after = main.history
    assert after > 0.5 and after > before + 0.3, main.history
