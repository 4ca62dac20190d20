"""The model of TF1's mnist.py tutorial module (inference/loss/training/evaluation), written for these tests the
way the tutorial's code uses the API: name scopes, Variables from truncated_normal, summaries, global_step."""
import math

import numpy as np

import kflow as tf  # the tutorials' spelling: only the import differs
from kflow.datasets import mnist

NUM_CLASSES = 10
IMAGE_PIXELS = 28 * 28


def small_mnist(count):
    """``(images float32 [count, 784] in [0, 1], labels int)`` from the MNIST subset shipped with kflow."""
    images, labels = mnist.load_split("test", embedded=True)
    return images[:count].reshape(count, IMAGE_PIXELS).astype(np.float32) / 255.0, labels[:count].astype(np.int64)


def inference(images, hidden1_units, hidden2_units):
    with tf.name_scope("hidden1"):
        weights = tf.Variable(tf.truncated_normal([IMAGE_PIXELS, hidden1_units],
                                                  stddev=1.0 / math.sqrt(float(IMAGE_PIXELS))), name="weights")
        biases = tf.Variable(tf.zeros([hidden1_units]), name="biases")
        hidden1 = tf.nn.relu(tf.matmul(images, weights) + biases)
    with tf.name_scope("hidden2"):
        weights = tf.Variable(tf.truncated_normal([hidden1_units, hidden2_units],
                                                  stddev=1.0 / math.sqrt(float(hidden1_units))), name="weights")
        biases = tf.Variable(tf.zeros([hidden2_units]), name="biases")
        hidden2 = tf.nn.relu(tf.matmul(hidden1, weights) + biases)
    with tf.name_scope("softmax_linear"):
        weights = tf.Variable(tf.truncated_normal([hidden2_units, NUM_CLASSES],
                                                  stddev=1.0 / math.sqrt(float(hidden2_units))), name="weights")
        biases = tf.Variable(tf.zeros([NUM_CLASSES]), name="biases")
        logits = tf.matmul(hidden2, weights) + biases
    return logits


def loss(logits, labels):
    labels = tf.to_int64(labels)
    return tf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)


def training(loss_op, learning_rate):
    tf.summary.scalar("loss", loss_op)
    optimizer = tf.train.GradientDescentOptimizer(learning_rate)
    global_step = tf.Variable(0, name="global_step", trainable=False)
    return optimizer.minimize(loss_op, global_step=global_step)


def evaluation(logits, labels):
    correct = tf.nn.in_top_k(logits, labels, 1)
    return tf.reduce_sum(tf.cast(correct, tf.int32))
