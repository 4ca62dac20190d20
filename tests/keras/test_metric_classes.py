"""Keras metric classes: stateful update/result/reset standalone, against numpy, and in compile/fit/evaluate."""
import numpy as np
import pytest

import kflow as kf
from kflow.keras import backend as K

metrics = kf.keras.metrics


def test_mean_and_sum_accumulate_across_updates_and_reset():
    m, s = metrics.Mean(), metrics.Sum()
    for values in ([1.0, 3.0, 5.0], [7.0]):
        m.update_state(values)
        s.update_state(values)
    assert m.value() == pytest.approx(4.0) and s.value() == pytest.approx(16.0)
    m.update_state([10.0], sample_weight=[2.0])  # weighted: (16 + 20) / (4 + 2)
    assert m.value() == pytest.approx(6.0)
    m.reset_state()
    assert m.value() == 0.0
    ops_before = len(K.get_session().graph.get_operations())
    m.update_state([1.0, 2.0, 3.0])  # same shape again: no new ops
    assert len(K.get_session().graph.get_operations()) == ops_before and m.value() == pytest.approx(2.0)


def test_graph_mode_update_op_and_result_tensor():
    y = kf.placeholder(kf.float32, [None])
    p = kf.placeholder(kf.float32, [None])
    acc = metrics.BinaryAccuracy()
    update, result = acc.update_state(y, p), acc.result()
    sess = K.get_session()
    sess.run(update, {y: [1, 0, 1], p: [0.9, 0.2, 0.3]})
    sess.run(update, {y: [1], p: [0.7]})
    assert sess.run(result) == pytest.approx(0.75)


RNG = np.random.RandomState(1)
LABELS = RNG.randint(0, 4, size=50)
PROBS = RNG.dirichlet(np.ones(4), size=50).astype(np.float32)
ONE_HOT = np.eye(4, dtype=np.float32)[LABELS]
Y_REG, P_REG = RNG.randn(50, 3).astype(np.float32), RNG.randn(50, 3).astype(np.float32)
top2 = np.argsort(-PROBS, axis=1)[:, :2]

CASES = [
    (metrics.Accuracy(), LABELS, PROBS.argmax(1), (LABELS == PROBS.argmax(1)).mean()),
    (metrics.CategoricalAccuracy(), ONE_HOT, PROBS, (LABELS == PROBS.argmax(1)).mean()),
    (metrics.SparseCategoricalAccuracy(), LABELS, PROBS, (LABELS == PROBS.argmax(1)).mean()),
    (metrics.TopKCategoricalAccuracy(k=2), ONE_HOT, PROBS, (top2 == LABELS[:, None]).any(1).mean()),
    (metrics.SparseTopKCategoricalAccuracy(k=2), LABELS, PROBS, (top2 == LABELS[:, None]).any(1).mean()),
    (metrics.MeanSquaredError(), Y_REG, P_REG, ((Y_REG - P_REG) ** 2).mean()),
    (metrics.MeanAbsoluteError(), Y_REG, P_REG, np.abs(Y_REG - P_REG).mean()),
    (metrics.RootMeanSquaredError(), Y_REG, P_REG, np.sqrt(((Y_REG - P_REG) ** 2).mean())),
    (metrics.CategoricalCrossentropy(), ONE_HOT, PROBS, -np.log(PROBS[np.arange(50), LABELS]).mean()),
    (metrics.SparseCategoricalCrossentropy(), LABELS, PROBS, -np.log(PROBS[np.arange(50), LABELS]).mean()),
    (metrics.Hinge(), np.sign(Y_REG), P_REG, np.maximum(1 - np.sign(Y_REG) * P_REG, 0).mean()),
    (metrics.CosineSimilarity(), Y_REG, P_REG, ((Y_REG * P_REG).sum(1) / np.linalg.norm(Y_REG, axis=1)
                                                / np.linalg.norm(P_REG, axis=1)).mean()),
]


@pytest.mark.parametrize("metric,y_true,y_pred,expected", CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_metric_over_two_updates_matches_numpy_over_all(metric, y_true, y_pred, expected):
    metric.update_state(y_true[:20], y_pred[:20])
    metric.update_state(y_true[20:], y_pred[20:])
    assert metric.value() == pytest.approx(float(expected), rel=1e-4, abs=1e-5)


def test_confusion_precision_recall_auc_iou():
    y = np.array([0, 0, 1, 1, 1, 0])
    p = np.array([0.1, 0.6, 0.35, 0.8, 0.9, 0.2], np.float32)
    counts = {metrics.TruePositives: 2, metrics.FalsePositives: 1, metrics.TrueNegatives: 2,
              metrics.FalseNegatives: 1}
    for cls, expected in counts.items():
        m = cls()
        m.update_state(y, p)
        assert m.value() == expected, cls.__name__
    prec, rec = metrics.Precision(), metrics.Recall()
    prec.update_state(y, p)
    rec.update_state(y, p)
    assert prec.value() == pytest.approx(2 / 3) and rec.value() == pytest.approx(2 / 3)
    auc = metrics.AUC(num_thresholds=1000)
    auc.update_state(y[:3], p[:3])  # an AUC needs the whole set: accumulated over updates
    auc.update_state(y[3:], p[3:])
    pos, neg = p[y == 1], p[y == 0]
    exact = np.mean([a > b for a in pos for b in neg])
    assert auc.value() == pytest.approx(exact, abs=2e-3) and auc.name == "auc"
    iou = metrics.MeanIoU(num_classes=3)
    iou.update_state([0, 0, 1, 1, 2], [0, 1, 1, 1, 0])
    # class 0: tp 1, fp 1, fn 1 -> 1/3; class 1: tp 2, fp 1 -> 2/3; class 2: tp 0, fn 1 -> 0
    assert iou.value() == pytest.approx((1 / 3 + 2 / 3 + 0) / 3)


def test_metric_objects_in_compile_accumulate_over_the_epoch_and_reset(blobs):
    (x, y), (xv, yv) = blobs
    layers = kf.keras.layers
    model = kf.keras.Sequential([layers.Dense(3, activation="softmax", input_shape=(8,))])
    model.compile(kf.keras.optimizers.Adam(lr=0.01), "sparse_categorical_crossentropy",
                  metrics=[metrics.SparseCategoricalAccuracy(name="sacc"), metrics.SparseTopKCategoricalAccuracy(k=2)])
    history = model.fit(x, y, batch_size=32, epochs=2, verbose=0, validation_data=(xv, yv))
    assert [m.name for m in model.metrics] == ["sacc", "sparse_top_k_categorical_accuracy"]
    assert set(history.history) == {"loss", "sacc", "sparse_top_k_categorical_accuracy", "val_loss", "val_sacc",
                                     "val_sparse_top_k_categorical_accuracy"}
    pred = model.predict(xv)
    # evaluate resets first and accumulates over every batch: exactly the accuracy over the whole set
    _, acc, top = model.evaluate(xv, yv, batch_size=7)
    assert acc == pytest.approx((pred.argmax(1) == yv).mean(), abs=1e-6)
    assert top == pytest.approx((np.argsort(-pred, 1)[:, :2] == yv[:, None]).any(1).mean(), abs=1e-6)
    model.reset_metrics()
    assert model.metrics[0].value() == 0.0


@pytest.mark.filterwarnings("ignore:kflow. the graph gained new ops")  # many metrics made one by one
def test_scores_iou_variants_and_rates_at_a_target():
    y_true = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 0]], np.float32)
    y_pred = np.array([[0.8, 0.1, 0.1], [0.2, 0.7, 0.1], [0.6, 0.3, 0.1], [0.1, 0.2, 0.7], [0.3, 0.6, 0.1]],
                      np.float32)
    # argmax predictions: [0, 1, 0, 2, 1]: tp [1, 1, 1], fp [1, 1, 0], fn [1, 1, 0]
    f1 = metrics.F1Score()
    f1.update_state(y_true, y_pred)
    np.testing.assert_allclose(f1.value(), [0.5, 0.5, 1.0], rtol=1e-6)
    macro, micro = metrics.F1Score(average="macro"), metrics.FBetaScore(average="micro", beta=2.0)
    for m in (macro, micro):
        m.update_state(y_true[:2], y_pred[:2])
        m.update_state(y_true[2:], y_pred[2:])
    assert macro.value() == pytest.approx(2 / 3) and micro.value() == pytest.approx(0.6)
    onehot = metrics.OneHotIoU(num_classes=3, target_class_ids=[0, 2])
    onehot.update_state(y_true, y_pred)
    assert onehot.value() == pytest.approx((1 / 3 + 1.0) / 2)
    binary = metrics.BinaryIoU(target_class_ids=[1], threshold=0.5)
    binary.update_state([0, 1, 1, 0], [0.2, 0.7, 0.4, 0.9])  # class 1: tp 1, fp 1, fn 1
    assert binary.value() == pytest.approx(1 / 3)
    r2 = metrics.R2Score()
    yt, yp = Y_REG, Y_REG + 0.3 * P_REG
    r2.update_state(yt[:25], yp[:25])
    r2.update_state(yt[25:], yp[25:])
    expected = np.mean(1 - ((yt - yp) ** 2).sum(0) / ((yt - yt.mean(0)) ** 2).sum(0))
    assert r2.value() == pytest.approx(expected, rel=1e-4)
    labels = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    scores = np.array([0.1, 0.2, 0.3, 0.6, 0.4, 0.7, 0.8, 0.9], np.float32)
    cases = [(metrics.SensitivityAtSpecificity(0.75), 1.0), (metrics.SpecificityAtSensitivity(1.0), 0.75),
             (metrics.PrecisionAtRecall(0.75), 1.0), (metrics.RecallAtPrecision(0.8), 1.0)]
    for metric, expected in cases:
        metric.update_state(labels, scores)
        assert metric.value() == pytest.approx(expected, abs=1e-6), type(metric).__name__


def test_correlations_match_keras_docstring_values():
    y_true, y_pred = [[0, 1, 0.5], [1, 1, 0.2]], [[0.1, 0.9, 0.5], [1, 0.9, 0.2]]
    t, p = np.array(y_true, np.float32), np.array(y_pred, np.float32)
    with kf.Session() as sess:  # the examples of keras.metrics.{pearson,concordance}_correlation (Keras 3.15)
        np.testing.assert_allclose(sess.run(metrics.pearson_correlation(t, p)), [1.0, 0.99339927], rtol=1e-5)
        np.testing.assert_allclose(sess.run(metrics.concordance_correlation(t, p)), [0.97560976, 0.98765432],
                                   rtol=1e-5)
    pearson = metrics.PearsonCorrelation()
    pearson.update_state(t, p)
    assert pearson.value() == pytest.approx((1.0 + 0.99339927) / 2, rel=1e-5)
