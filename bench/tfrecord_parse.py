"""Numpy-level tf.train.Example parse speed on 60k MNIST-like records (no graph, no Dataset).

Builds 60,000 Examples like the usual MNIST TFRecord conversion (a 784-byte
``image_raw`` bytes feature + an int64 ``label``; random pixels), then prints
records/s for
  1. per-example parsing: ``parse_single_example`` once per record
     (what ``dataset.map(parse_fn)`` does), target >= 23k rec/s;
  2. batched parsing: ``parse_example_batch`` over all records at once
     (``dataset.batch(n).map(parse_example)``), target >= 360k rec/s;
  3. batched parsing + ``decode_raw`` of the images to uint8 [60000, 784];
  4. framing: writing and reading the records back through a TFRecord file.

Run: python bench/tfrecord_parse.py [--records 60000]
"""
import argparse
import os
import tempfile
import time

import numpy as np

from kflow.data.example.feature_spec import FixedLenFeature
from kflow.data.example.messages import BytesList, Example, Feature, Features, Int64List
from kflow.data.example.parse import compile_features, parse_example_batch, parse_single_example
from kflow.data.example.raw_decode import decode_raw
from kflow.data.tfrecord import TFRecordWriter, tf_record_iterator

SPEC = {"image_raw": FixedLenFeature([], "string"), "label": FixedLenFeature([], "int64")}


def make_records(n, seed=0):
    rng = np.random.RandomState(seed)
    images = rng.randint(0, 256, (n, 784)).astype(np.uint8)
    labels = rng.randint(0, 10, n)
    records = [Example(features=Features(feature={
        "image_raw": Feature(bytes_list=BytesList(value=[images[i].tobytes()])),
        "label": Feature(int64_list=Int64List(value=[int(labels[i])]))})).SerializeToString() for i in range(n)]
    return records, images, labels


def best_seconds(fn, repeat):
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=60000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    n = args.records
    t0 = time.perf_counter()
    records, images, labels = make_records(n)
    print("built %d records in %.2f s (%.0f rec/s serialize)" % (n, time.perf_counter() - t0,
                                                                n / (time.perf_counter() - t0)))

    compiled = compile_features(SPEC)

    def per_example_compiled():
        for record in records:
            parse_single_example(record, compiled)

    out = parse_example_batch(records, SPEC)
    assert (out["label"] == labels).all() and (decode_raw(out["image_raw"], "uint8") == images).all()
    sub = max(1, n // 4)  # per-example is slow enough that a quarter of the records gives a stable rate
    rows = [
        ("per-example parse_single_example", sub / best_seconds(lambda: [parse_single_example(r, SPEC)
                                                                         for r in records[:sub]], 3), 23e3),
        ("per-example, precompiled spec", sub / best_seconds(lambda: [parse_single_example(r, compiled)
                                                                      for r in records[:sub]], 3), 23e3),
        ("batched parse_example_batch", n / best_seconds(lambda: parse_example_batch(records, SPEC), args.repeat),
         360e3),
        ("batched parse + decode_raw", n / best_seconds(
            lambda: decode_raw(parse_example_batch(records, SPEC)["image_raw"], "uint8"), args.repeat), None),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mnist.tfrecord")

        def write():
            with TFRecordWriter(path) as writer:
                for record in records:
                    writer.write(record)
        rows.append(("TFRecord write", n / best_seconds(write, 3), None))
        rows.append(("TFRecord read (CRC-checked)", n / best_seconds(lambda: sum(1 for _ in tf_record_iterator(path)),
                                                                    3), None))
    for name, rate, target in rows:
        verdict = "" if target is None else ("  (target %.0fk: %s)" % (target / 1e3, "ok" if rate >= target
                                                                       else "BELOW"))
        print("%-36s %10.0f rec/s%s" % (name, rate, verdict))


if __name__ == "__main__":
    main()
