"""TF1's mnist/fully_connected_feed.py, as its code uses the API: argparse + kf.app.run, placeholders and feed
dicts, summaries to a FileWriter, Saver checkpoints, evaluation with in_top_k."""
import argparse
import os
import sys

import pytest

import kflow as tf
from mnist_model import IMAGE_PIXELS, evaluation, inference, loss, small_mnist, training

FLAGS = None


def placeholder_inputs(batch_size):
    images_placeholder = tf.placeholder(tf.float32, shape=(batch_size, IMAGE_PIXELS))
    labels_placeholder = tf.placeholder(tf.int32, shape=(batch_size))
    return images_placeholder, labels_placeholder


def fill_feed_dict(data, step, images_pl, labels_pl):
    images, labels = data
    start = (step * FLAGS.batch_size) % (len(images) - FLAGS.batch_size + 1)
    # float64 images and float labels, as numpy gives them: kflow converts such feeds as TF1 does
    return {images_pl: images[start:start + FLAGS.batch_size].astype("float64"),
            labels_pl: labels[start:start + FLAGS.batch_size].astype("float64")}


def do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data):
    true_count = 0
    steps_per_epoch = len(data[0]) // FLAGS.batch_size
    for step in range(steps_per_epoch):
        true_count += sess.run(eval_correct, feed_dict=fill_feed_dict(data, step, images_placeholder,
                                                                      labels_placeholder))
    return float(true_count) / (steps_per_epoch * FLAGS.batch_size)


def run_training(results):
    data = small_mnist(600)
    with tf.Graph().as_default():
        images_placeholder, labels_placeholder = placeholder_inputs(FLAGS.batch_size)
        logits = inference(images_placeholder, FLAGS.hidden1, FLAGS.hidden2)
        loss_op = loss(logits, labels_placeholder)
        train_op = training(loss_op, FLAGS.learning_rate)
        eval_correct = evaluation(logits, labels_placeholder)
        summary = tf.summary.merge_all()
        init = tf.global_variables_initializer()
        saver = tf.train.Saver()
        sess = tf.Session()
        summary_writer = tf.summary.FileWriter(FLAGS.log_dir, sess.graph)
        sess.run(init)
        results["before"] = do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data)
        for step in range(FLAGS.max_steps):
            feed_dict = fill_feed_dict(data, step, images_placeholder, labels_placeholder)
            _, loss_value = sess.run([train_op, loss_op], feed_dict=feed_dict)
            if step % 100 == 0:
                tf.logging.info("Step %d: loss = %.2f", step, loss_value)
                summary_str = sess.run(summary, feed_dict=feed_dict)
                summary_writer.add_summary(summary_str, step)
                summary_writer.flush()
            if (step + 1) == FLAGS.max_steps:
                checkpoint_file = os.path.join(FLAGS.log_dir, "model.ckpt")
                saver.save(sess, checkpoint_file, global_step=step)
                results["after"] = do_eval(sess, eval_correct, images_placeholder, labels_placeholder, data)
        sess.close()


def main(_):
    if tf.gfile.Exists(FLAGS.log_dir):
        tf.gfile.DeleteRecursively(FLAGS.log_dir)
    tf.gfile.MakeDirs(FLAGS.log_dir)
    run_training(main.results)


def test_fully_connected_feed(tmp_path, monkeypatch):
    global FLAGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--learning_rate", type=float, default=0.01)
    parser.add_argument("--max_steps", type=int, default=2000)
    parser.add_argument("--hidden1", type=int, default=128)
    parser.add_argument("--hidden2", type=int, default=32)
    parser.add_argument("--batch_size", type=int, default=100)
    parser.add_argument("--log_dir", type=str, default="/tmp/logs")
    log_dir = str(tmp_path / "logs")
    monkeypatch.setattr(sys, "argv", ["fully_connected_feed.py", "--max_steps=300", "--learning_rate=0.3",
                                      "--batch_size=50", "--log_dir", log_dir])
    FLAGS, unparsed = parser.parse_known_args()
    main.results = {}
    with pytest.raises(SystemExit) as exit_info:
        tf.app.run(main=main, argv=[sys.argv[0]] + unparsed)
    assert exit_info.value.code is None  # main returned None
    results = main.results
    assert results["after"] > 0.85 and results["after"] > results["before"] + 0.3, results
    assert tf.train.latest_checkpoint(log_dir).endswith("model.ckpt-299")
    assert any(name.startswith("events.out.tfevents") for name in tf.gfile.ListDirectory(log_dir))
