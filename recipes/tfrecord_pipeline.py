"""Converts MNIST / Fashion-MNIST to TFRecord shards, then trains an MLP fed by a kf.data pipeline.

The TF 1.x input-pipeline workflow: write ``tf.train.Example`` records
(784 raw image bytes + an int64 label) to sharded TFRecord files, read them
back with ``TFRecordDataset -> map(parse) -> shuffle -> batch -> prefetch``,
and train with graph ops and ``kf.train.AdamOptimizer`` from a
reinitializable iterator (one per epoch for training, one for testing).

    python recipes/tfrecord_pipeline.py --dataset fashion_mnist --epochs 3
"""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import kflow as kf  # noqa: E402
from common import load_dataset, parser_with_common_flags, run  # noqa: E402

FEATURES = {"image_raw": kf.FixedLenFeature([], kf.string), "label": kf.FixedLenFeature([], kf.int64)}


def write_shards(images, labels, prefix, num_shards):
    """Writes uint8 images and labels as Examples, round-robin over ``num_shards`` files."""
    paths = ["%s-%05d-of-%05d.tfrecord" % (prefix, s, num_shards) for s in range(num_shards)]
    for s, path in enumerate(paths):
        with kf.io.TFRecordWriter(path) as writer:
            for image, label in zip(images[s::num_shards], labels[s::num_shards]):
                writer.write(kf.train.Example(features=kf.train.Features(feature={
                    "image_raw": kf.train.Feature(bytes_list=kf.train.BytesList(value=[image.tobytes()])),
                    "label": kf.train.Feature(int64_list=kf.train.Int64List(value=[int(label)])),
                })).SerializeToString())
    return paths


def parse(record):
    features = kf.parse_single_example(record, FEATURES)
    image = kf.cast(kf.decode_raw(features["image_raw"], kf.uint8), kf.float32) / 255.0
    return kf.reshape(image, [784]), features["label"]


def build_model(images, labels):
    hidden = kf.layers.dense(images, 256, activation=kf.nn.relu, name="hidden")
    logits = kf.layers.dense(hidden, 10, name="logits")
    loss = kf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    correct = kf.reduce_sum(kf.cast(kf.equal(kf.argmax(logits, 1), labels), kf.int32))
    return loss, correct


def main(argv=None):
    parser = parser_with_common_flags(__doc__, epochs=3)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--out", default=None, help="folder for the TFRecord shards (default: a temporary one)")
    args = parser.parse_args(argv)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)
    to_bytes = lambda x: np.round(x * 255).astype(np.uint8).reshape(len(x), -1)  # noqa: E731

    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or tmp
        os.makedirs(out, exist_ok=True)
        t0 = time.perf_counter()
        train_files = write_shards(to_bytes(x_train), y_train, os.path.join(out, "train"), args.shards)
        test_files = write_shards(to_bytes(x_test), y_test, os.path.join(out, "test"), 1)
        print("%s: wrote %d training and %d test examples to %d + 1 TFRecord shards in %.1f s"
              % (args.dataset, len(y_train), len(y_test), args.shards, time.perf_counter() - t0))

        train = (kf.data.TFRecordDataset(train_files, num_parallel_reads=2)
                 .map(parse, num_parallel_calls=2)
                 .shuffle(10000, seed=0)
                 .batch(args.batch_size)
                 .prefetch(1))
        test = kf.data.TFRecordDataset(test_files).map(parse).batch(1000)
        iterator = kf.data.Iterator.from_structure(train.output_types, train.output_shapes)
        images, labels = iterator.get_next()
        train_init, test_init = iterator.make_initializer(train), iterator.make_initializer(test)
        loss, correct = build_model(images, labels)
        train_op = kf.train.AdamOptimizer(1e-3).minimize(loss)

        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            for epoch in range(1, args.epochs + 1):
                sess.run(train_init)
                t0, steps, total = time.perf_counter(), 0, 0.0
                while True:
                    try:
                        _, value = sess.run([train_op, loss])
                    except kf.errors.OutOfRangeError:
                        break
                    steps, total = steps + 1, total + value
                seconds = time.perf_counter() - t0
                sess.run(test_init)
                right = 0
                while True:
                    try:
                        right += sess.run(correct)
                    except kf.errors.OutOfRangeError:
                        break
                accuracy = right / len(y_test)
                print("epoch %d: loss %.4f, test accuracy %.4f (%d steps, %.1f s, %.0f examples/s)"
                      % (epoch, total / max(steps, 1), accuracy, steps, seconds, len(y_train) / seconds))
    return accuracy


if __name__ == "__main__":
    run(main)
