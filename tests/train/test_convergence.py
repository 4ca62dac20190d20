"""Training end to end: the seed linear regression and a Fashion-MNIST MLP reach their targets."""
import os

import numpy as np
import pytest

import kflow as kf


def test_seed_linear_regression_converges_with_adam():
    rng = np.random.RandomState(0)
    x_data = rng.uniform(-1, 1, size=(200, 1)).astype(np.float32)
    y_data = 3.0 * x_data + 2.0 + rng.normal(scale=0.1, size=(200, 1)).astype(np.float32)
    X = kf.placeholder(kf.float32, [None, 1], name="X")
    y = kf.placeholder(kf.float32, [None, 1], name="y")
    W = kf.Variable(kf.random_normal([1, 1], seed=1), name="W")
    b = kf.Variable(kf.zeros([1]), name="b")
    loss = kf.reduce_mean(kf.square(kf.matmul(X, W) + b - y))
    train_op = kf.train.AdamOptimizer(0.1).minimize(loss)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for _ in range(500):
            _, loss_value = sess.run([train_op, loss], feed_dict={X: x_data, y: y_data})
        w_value, b_value = sess.run([W, b])
    assert abs(w_value[0, 0] - 3.0) < 0.05 and abs(b_value[0] - 2.0) < 0.05
    assert loss_value < 0.02  # the noise variance is 0.01


def _fashion_mnist(data_dir):
    from kflow.datasets import fashion_mnist

    if not os.path.isdir(os.path.join(data_dir, "fashion-mnist")):
        pytest.skip("fashion-mnist not found under %s" % data_dir)
    (x, y), (xt, yt) = fashion_mnist.load_data()
    prep = lambda a: a.reshape(len(a), -1).astype(np.float32) / 255.0  # noqa: E731
    return (prep(x), y.astype(np.int64)), (prep(xt), yt.astype(np.int64))


def test_fashion_mnist_mlp_one_epoch_reaches_84_percent(real_data_dir):
    (x_train, y_train), (x_test, y_test) = _fashion_mnist(real_data_dir)
    kf.set_random_seed(0)
    x = kf.placeholder(kf.float32, [None, 784], name="x")
    y = kf.placeholder(kf.int64, [None], name="y")
    keep_prob = kf.placeholder_with_default(1.0, [], name="keep_prob")
    h = x
    for i, (n_in, n_out) in enumerate([(784, 500), (500, 100), (100, 10)]):
        limit = np.sqrt(6.0 / (n_in + n_out))  # Glorot uniform
        w = kf.Variable(kf.random_uniform([n_in, n_out], -limit, limit), name="w%d" % i)
        b = kf.Variable(kf.zeros([n_out]), name="b%d" % i)
        h = kf.matmul(h, w) + b
        if i < 2:
            h = kf.nn.dropout(kf.nn.relu(h), keep_prob=keep_prob)
    loss = kf.reduce_mean(kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=h))
    train_op = kf.train.AdamOptimizer(1e-3).minimize(loss)
    correct = kf.reduce_sum(kf.cast(kf.equal(kf.argmax(h, axis=1), y), kf.int32))
    perm = np.random.RandomState(0).permutation(len(x_train))
    x_train, y_train = x_train[perm], y_train[perm]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for i in range(0, len(x_train), 100):
            sess.run(train_op, {x: x_train[i:i + 100], y: y_train[i:i + 100], keep_prob: 0.9})
        hits = sum(sess.run(correct, {x: x_test[i:i + 2000], y: y_test[i:i + 2000]})
                   for i in range(0, len(x_test), 2000))
    accuracy = hits / len(x_test)
    assert accuracy >= 0.84, "test accuracy %.4f after one epoch" % accuracy
