"""TF1's how_tos/reading_data: convert_to_records.py writes MNIST as TFRecords of Examples, and
fully_connected_reader.py trains from them through the queue pipeline (string_input_producer with num_epochs,
TFRecordReader, parse_single_example, shuffle_batch, Coordinator, start_queue_runners) until OutOfRangeError."""
import os
import sys

import numpy as np
import pytest

import kflow as tf
from mnist_model import evaluation, inference, loss, small_mnist, training

TRAIN_FILE = "train.tfrecords"


# ---- convert_to_records.py ---------------------------------------------------------------------------------
def _int64_feature(value):
    return tf.train.Feature(int64_list=tf.train.Int64List(value=[value]))


def _bytes_feature(value):
    return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))


def convert_to(images, labels, name, directory):
    num_examples = images.shape[0]
    rows, cols, depth = 28, 28, 1
    filename = os.path.join(directory, name + ".tfrecords")
    with tf.python_io.TFRecordWriter(filename) as writer:
        for index in range(num_examples):
            image_raw = images[index].tobytes()
            example = tf.train.Example(features=tf.train.Features(feature={
                "height": _int64_feature(rows), "width": _int64_feature(cols), "depth": _int64_feature(depth),
                "label": _int64_feature(int(labels[index])), "image_raw": _bytes_feature(image_raw)}))
            writer.write(example.SerializeToString())
    return filename


# ---- fully_connected_reader.py -----------------------------------------------------------------------------
def decode(serialized_example):
    features = tf.parse_single_example(serialized_example, features={
        "image_raw": tf.FixedLenFeature([], tf.string), "label": tf.FixedLenFeature([], tf.int64)})
    image = tf.decode_raw(features["image_raw"], tf.uint8)
    image.set_shape([28 * 28])
    label = tf.cast(features["label"], tf.int32)
    return image, label


def normalize(image, label):
    image = tf.cast(image, tf.float32) * (1. / 255) - 0.5
    return image, label


def inputs(train_dir, batch_size, num_epochs):
    filename = os.path.join(train_dir, TRAIN_FILE)
    with tf.name_scope("input"):
        filename_queue = tf.train.string_input_producer([filename], num_epochs=num_epochs)
        reader = tf.TFRecordReader()
        _, serialized_example = reader.read(filename_queue)
        image, label = normalize(*decode(serialized_example))
        images, sparse_labels = tf.train.shuffle_batch([image, label], batch_size=batch_size, num_threads=2,
                                                       capacity=200 + 3 * batch_size, min_after_dequeue=200)
        return images, sparse_labels


def run_training(train_dir, batch_size, num_epochs):
    with tf.Graph().as_default():
        tf.set_random_seed(0)
        images, labels = inputs(train_dir, batch_size, num_epochs)
        logits = inference(images, 64, 32)
        loss_op = loss(logits, labels)
        train_op = training(loss_op, 0.05)
        correct = evaluation(logits, labels)
        init_op = tf.group(tf.global_variables_initializer(), tf.local_variables_initializer())
        sess = tf.Session()
        sess.run(init_op)
        coord = tf.train.Coordinator()
        threads = tf.train.start_queue_runners(sess=sess, coord=coord)
        losses, accuracy, step, done = [], [], 0, False
        try:
            while not coord.should_stop():
                _, loss_value, right = sess.run([train_op, loss_op, correct])
                losses.append(loss_value)
                accuracy.append(right / batch_size)
                step += 1
        except tf.errors.OutOfRangeError:
            done = True
            tf.logging.info("Done training for %d epochs, %d steps.", num_epochs, step)
        finally:
            coord.request_stop()
        coord.join(threads)
        sess.close()
        return losses, accuracy, done


def test_convert_to_records_then_train_from_the_queue(tmp_path):
    images, labels = small_mnist(500)
    filename = convert_to((images * 255).astype(np.uint8).reshape(-1, 28, 28, 1), labels, "train", str(tmp_path))
    assert sum(1 for _ in tf.python_io.tf_record_iterator(filename)) == 500
    losses, accuracy, done = run_training(str(tmp_path), batch_size=50, num_epochs=8)
    assert done
    assert len(losses) == 8 * 500 // 50  # every element of every epoch, in full batches
    # learns (chance is 0.1); queue threads make the batch order vary: 6 runs gave loss ratios 0.51-0.54 and
    # accuracies 0.65-0.71 (at rate 0.15: 0.42-0.54 and 0.60-0.69, too close to a bound)
    assert np.mean(losses[-10:]) < 0.7 * np.mean(losses[:5])
    assert np.mean(accuracy[-10:]) > 0.55


def test_forgetting_start_queue_runners_is_an_error_not_a_hang(tmp_path):
    images, labels = small_mnist(20)
    convert_to((images * 255).astype(np.uint8).reshape(-1, 28, 28, 1), labels, "train", str(tmp_path))
    with tf.Graph().as_default():
        batch_images, _ = inputs(str(tmp_path), batch_size=10, num_epochs=1)
        with tf.Session() as sess:
            sess.run(tf.group(tf.global_variables_initializer(), tf.local_variables_initializer()))
            with pytest.raises(tf.errors.FailedPreconditionError, match="start_queue_runners"):
                sess.run(batch_images)
    assert sys.modules["kflow"] is tf
