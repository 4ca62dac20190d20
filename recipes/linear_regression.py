"""Linear regression the TF1 way: placeholders X and y, variables W and b, Adam, 500 steps.

The "seed slide" example: kflow runs TensorFlow 1.x graph code with ``import kflow as kf``.
It fits y = 3x + 2 (plus noise) and prints the learned W and b.

    python recipes/linear_regression.py --steps 500
"""
import argparse

import numpy as np

import kflow as kf


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--learning-rate", type=float, default=0.1)
    args = parser.parse_args(argv)

    rng = np.random.RandomState(0)
    x_data = rng.uniform(-1, 1, size=(200, 1)).astype(np.float32)
    y_data = 3.0 * x_data + 2.0 + rng.normal(scale=0.1, size=(200, 1)).astype(np.float32)

    X = kf.placeholder(kf.float32, [None, 1], name="X")
    y = kf.placeholder(kf.float32, [None, 1], name="y")
    W = kf.Variable(kf.random_normal([1, 1], seed=1), name="W")
    b = kf.Variable(kf.zeros([1]), name="b")
    prediction = kf.matmul(X, W) + b
    loss = kf.reduce_mean(kf.square(prediction - y))
    train_op = kf.train.AdamOptimizer(args.learning_rate).minimize(loss)

    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        for step in range(args.steps):
            _, loss_value = sess.run([train_op, loss], feed_dict={X: x_data, y: y_data})
            if step % 100 == 0 or step == args.steps - 1:
                print("step %3d: loss %.5f" % (step, loss_value))
        w_value, b_value = sess.run([W, b])
    print("W = %.3f (true 3), b = %.3f (true 2)" % (w_value[0, 0], b_value[0]))
    return float(w_value[0, 0]), float(b_value[0])


if __name__ == "__main__":
    main()
