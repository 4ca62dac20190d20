"""Read + parse speed of 60k MNIST Examples through kf.data (TFRecordDataset -> parse).

Writes the Fashion-MNIST training set (or random MNIST-like images when the
IDX files are missing) as ``tf.train.Example`` records (784-byte
``image_raw`` + int64 ``label``) to a temporary TFRecord file, then prints
records/s for
  1. per-example: ``TFRecordDataset -> map(parse_single_example)``  (TF 2.21 CPU: 23.4k rec/s)
  2. batched:     ``TFRecordDataset -> batch(B) -> map(parse_example)`` (TF 2.21 CPU: 362k rec/s)
  3. batched + ``decode_raw`` to uint8 images
  4. the batched pipeline through a graph iterator (``get_next`` in ``Session.run``)
  5. ``from_tensor_slices -> shuffle -> batch`` over the in-memory arrays.

Run: python bench/tfrecord_read.py [--batch 1024] [--repeat 3]
"""
import argparse
import os
import tempfile
import time

import numpy as np

import kflow as kf

_SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "..", "shared", "datasets")
if os.path.isdir(_SHARED):
    os.environ.setdefault("KFLOW_DATA_DIR", os.path.normpath(_SHARED))
SPEC = {"image_raw": kf.FixedLenFeature([], kf.string), "label": kf.FixedLenFeature([], kf.int64)}


def load_images():
    try:
        (x, y), _ = kf.keras.datasets.fashion_mnist.load_data()
        return x.reshape(-1, 784), y, "fashion-mnist train"
    except Exception as e:  # no data files: same sizes, random pixels
        rng = np.random.RandomState(0)
        return rng.randint(0, 256, (60000, 784)).astype(np.uint8), rng.randint(0, 10, 60000), "random (%s)" % e


def write_records(path, images, labels):
    with kf.io.TFRecordWriter(path) as writer:
        for img, lab in zip(images, labels):
            writer.write(kf.train.Example(features=kf.train.Features(feature={
                "image_raw": kf.train.Feature(bytes_list=kf.train.BytesList(value=[img.tobytes()])),
                "label": kf.train.Feature(int64_list=kf.train.Int64List(value=[int(lab)]))})).SerializeToString())


def rate(ds, count_fn, repeat):
    best, total = float("inf"), 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        total = sum(count_fn(e) for e in ds)
        best = min(best, time.perf_counter() - t0)
    return total / best, total


def graph_rate(ds, repeat):
    best, total = float("inf"), 0
    with kf.Graph().as_default():
        it = ds.make_initializable_iterator()
        images, labels = it.get_next()
        with kf.Session() as sess:
            for _ in range(repeat):
                sess.run(it.initializer)
                total, t0 = 0, time.perf_counter()
                try:
                    while True:
                        total += len(sess.run(labels))
                except kf.errors.OutOfRangeError:
                    best = min(best, time.perf_counter() - t0)
    return total / best, total


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    images, labels, source = load_images()
    print("records: %d from %s" % (len(labels), source))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.tfrecord")
        t0 = time.perf_counter()
        write_records(path, images, labels)
        print("wrote %s (%.1f MB) in %.2f s" % (path, os.path.getsize(path) / 1e6, time.perf_counter() - t0))
        files = kf.data.TFRecordDataset(path)
        per_example = files.map(lambda r: kf.parse_single_example(r, SPEC))
        batched = files.batch(args.batch).map(lambda r: kf.parse_example(r, SPEC))
        decoded = batched.map(lambda f: (kf.decode_raw(f["image_raw"], kf.uint8), f["label"]))
        rows = [("per-example  map(parse_single_example)", rate(per_example, lambda e: 1, args.repeat), 23.4e3),
                ("batched      batch(%d).map(parse_example)" % args.batch,
                 rate(batched, lambda e: len(e["label"]), args.repeat), 362e3),
                ("batched + decode_raw", rate(decoded, lambda e: len(e[1]), args.repeat), None),
                ("batched + decode_raw via get_next", graph_rate(decoded, args.repeat), None)]
        slices = kf.data.Dataset.from_tensor_slices((images, labels)).shuffle(60000, seed=0).batch(128)
        rows.append(("from_tensor_slices.shuffle.batch(128)", rate(slices, lambda e: len(e[1]), args.repeat), 100e3))
        for name, (r, total), target in rows:
            verdict = "" if target is None else "  (goal %.1fk: %s)" % (target / 1e3, "ok" if r >= target else "BELOW")
            print("%-44s %9.0f rec/s  [%d records]%s" % (name, r, total, verdict))


if __name__ == "__main__":
    main()
