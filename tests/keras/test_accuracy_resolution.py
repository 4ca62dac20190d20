"""compile(metrics=["accuracy"]) resolves as tf.keras 2 does: from the labels' and the outputs' shapes."""
import numpy as np
import pytest

import kflow as kf
from kflow.keras.metrics import resolve
from kflow.keras import metrics, losses


def _custom_loss(y_true, y_pred):  # a loss compile cannot recognise: only the shapes can tell
    return kf.keras.losses.sparse_categorical_crossentropy(y_true, y_pred)


@pytest.mark.parametrize("labels_shape", ["flat", "column"])
def test_custom_loss_with_integer_labels_reports_the_real_accuracy(blobs, labels_shape):
    """Regression: with a custom loss and integer labels, "accuracy" was categorical (Keras 2.2's rule) and
    reported ~0.17 for a model whose real accuracy was ~0.56, silently."""
    (x, y), _ = blobs
    labels = y if labels_shape == "flat" else y.reshape(-1, 1)
    kf.keras.backend.clear_session()  # a fresh graph: with the seeds, the same weights and batches every run
    kf.set_random_seed(0)
    np.random.seed(0)
    layers = kf.keras.layers
    model = kf.keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(8,))])
    model.compile(kf.keras.optimizers.Adam(lr=0.01), _custom_loss, metrics=["accuracy"])
    model.fit(x, labels, epochs=5, batch_size=32, verbose=0)
    real = (model.predict(x).argmax(-1) == y).mean()
    _, reported = model.evaluate(x, labels, batch_size=len(x))
    assert reported == pytest.approx(real, abs=1e-6)
    assert 0.5 < real  # learned something, so a wrong metric could not match by chance


def test_rule_table():
    cases = [  # (labels shape, outputs shape, loss) -> accuracy
        ((None,), (None, 10), None, metrics.sparse_categorical_accuracy),
        ((None, 1), (None, 10), None, metrics.sparse_categorical_accuracy),
        ((None, 10), (None, 10), None, metrics.categorical_accuracy),
        ((None, 1), (None, 1), None, metrics.binary_accuracy),
        ((None, 5), (None, 5), losses.binary_crossentropy, metrics.binary_accuracy),
        (None, (None, 10), losses.sparse_categorical_crossentropy, metrics.sparse_categorical_accuracy),
        (None, (None, 10), None, metrics.categorical_accuracy),
    ]
    for target, output, loss, expected in cases:
        assert resolve("acc", loss, list(output), target_shape=target)[1] is expected, (target, output)
    assert resolve("crossentropy", None, [None, 4], target_shape=(None,))[1] is \
        metrics.sparse_categorical_crossentropy
