"""Trains an MNIST (or Fashion-MNIST) classifier with ``kf.estimator.Estimator``.

A ``model_fn`` builds a two-layer network with ``kf.layers``; ``numpy_input_fn`` feeds the
arrays. ``train`` checkpoints into ``--model-dir`` (and resumes from it when run again),
``evaluate`` reports accuracy and loss, ``predict`` yields per-image classes.

    python recipes/estimator_mnist.py --epochs 2 --model-dir runs/estimator_mnist
"""
import logging
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402

import kflow as kf  # noqa: E402
from common import load_dataset, parser_with_common_flags, run  # noqa: E402

ModeKeys = kf.estimator.ModeKeys


def model_fn(features, labels, mode, params):
    x = kf.reshape(features["image"], [-1, 784])
    hidden = kf.layers.dense(x, params["hidden_units"], activation=kf.nn.relu)
    hidden = kf.layers.dropout(hidden, rate=0.2, training=mode == ModeKeys.TRAIN)
    logits = kf.layers.dense(hidden, 10)
    classes = kf.argmax(logits, axis=1)
    if mode == ModeKeys.PREDICT:
        return kf.estimator.EstimatorSpec(mode, predictions={"class": classes,
                                                             "probabilities": kf.nn.softmax(logits)})
    loss = kf.losses.sparse_softmax_cross_entropy(labels=labels, logits=logits)
    train_op = kf.train.AdamOptimizer(params["learning_rate"]).minimize(
        loss, global_step=kf.train.get_global_step())
    metrics = {"accuracy": kf.metrics.accuracy(labels=labels, predictions=classes)}
    return kf.estimator.EstimatorSpec(mode, loss=loss, train_op=train_op, eval_metric_ops=metrics)


def main(argv=None):
    parser = parser_with_common_flags(__doc__, epochs=2)
    parser.add_argument("--model-dir", default="runs/estimator_mnist")
    args = parser.parse_args(argv)
    # The Estimator reports progress (loss and step every log_step_count_steps, checkpoints) through logging.
    logging.basicConfig(format="%(message)s")
    logging.getLogger("kflow.estimator").setLevel(logging.INFO if args.verbose else logging.WARNING)
    (x_train, y_train), (x_test, y_test) = load_dataset(args.dataset, args.data_dir, args.limit)

    config = kf.estimator.RunConfig(save_checkpoints_steps=500, save_summary_steps=100, tf_random_seed=42,
                                    log_step_count_steps=100)
    estimator = kf.estimator.Estimator(model_fn, model_dir=args.model_dir, config=config,
                                       params={"hidden_units": 256, "learning_rate": 1e-3})
    train_input = kf.estimator.inputs.numpy_input_fn({"image": x_train}, y_train, batch_size=args.batch_size,
                                                      num_epochs=args.epochs, shuffle=True)
    latest = estimator.latest_checkpoint()
    if latest:
        print("Resuming from %s (step %d); delete %s to start afresh."
              % (latest, estimator.get_variable_value("global_step"), args.model_dir))
    estimator.train(train_input)
    test_input = kf.estimator.inputs.numpy_input_fn({"image": x_test}, y_test, batch_size=512, shuffle=False)
    metrics = estimator.evaluate(test_input)
    print("Test accuracy: %.4f - loss: %.4f - global step: %d" % (metrics["accuracy"], metrics["loss"],
                                                                  metrics["global_step"]))
    predict_input = kf.estimator.inputs.numpy_input_fn({"image": x_test[:10]}, shuffle=False)
    predicted = np.array([p["class"] for p in estimator.predict(predict_input)])
    print("First 10 test images: predicted %s, true %s" % (predicted.tolist(), y_test[:10].tolist()))
    return metrics


if __name__ == "__main__":
    run(main)
