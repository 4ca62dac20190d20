"""The premade Estimators: they learn, report TF's metric and prediction keys with the right values, name their
variables as TF, resume from checkpoints, and take label vocabularies, example weights and optimizer names."""
import numpy as np
import pytest

import kflow as kf

fc = kf.feature_column
NAMES = ["SepalLength", "SepalWidth", "PetalLength", "PetalWidth"]
CENTERS = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.5, 2.0]])
BINARY_METRICS = {"accuracy", "accuracy_baseline", "auc", "auc_precision_recall", "average_loss", "label/mean",
                  "loss", "precision", "prediction/mean", "recall", "global_step"}


def iris_like(n, seed):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    x = CENTERS[y] + rng.normal(0, 0.3, (n, 4))
    return {k: x[:, i].astype(np.float32) for i, k in enumerate(NAMES)}, y.astype(np.int64)


def train_input(features, labels, batch_size=32):
    return lambda: kf.data.Dataset.from_tensor_slices((dict(features), labels)).shuffle(1000).repeat().batch(
        batch_size)


def eval_input(features, labels=None, batch_size=100):
    inputs = dict(features) if labels is None else (dict(features), labels)
    return lambda: kf.data.Dataset.from_tensor_slices(inputs).batch(batch_size)


def columns():
    return [fc.numeric_column(k) for k in NAMES]


@pytest.fixture(scope="module")
def iris():
    return iris_like(240, 0), iris_like(60, 1)


def test_dnn_classifier_learns_iris_and_reports_tf_keys(iris, tmp_path):
    (x, y), (tx, ty) = iris
    config = kf.estimator.RunConfig(tf_random_seed=1)
    clf = kf.estimator.DNNClassifier(feature_columns=columns(), hidden_units=[10, 10], n_classes=3,
                                     model_dir=str(tmp_path), config=config)
    clf.train(train_input(x, y), steps=400)
    result = clf.evaluate(eval_input(tx, ty))
    assert set(result) == {"accuracy", "average_loss", "loss", "global_step"}
    assert result["accuracy"] >= 0.9 and result["global_step"] == 400
    preds = list(clf.predict(eval_input(tx)))
    assert len(preds) == 60
    assert {"logits", "probabilities", "class_ids", "classes"} <= set(preds[0])
    probs = np.array([p["probabilities"] for p in preds])
    class_ids = np.array([p["class_ids"][0] for p in preds])
    np.testing.assert_allclose(probs.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(class_ids, probs.argmax(1))
    assert preds[0]["classes"][0] == str(class_ids[0]).encode()
    # accuracy and average_loss agree with the predictions (the 'loss' is the SUM over each batch, as TF 1.x)
    assert result["accuracy"] == pytest.approx(np.mean(class_ids == ty), abs=1e-6)
    xent = -np.log(probs[np.arange(60), ty])
    assert result["average_loss"] == pytest.approx(xent.mean(), rel=1e-4)
    assert result["loss"] == pytest.approx(xent.sum(), rel=1e-4)  # one batch of 60
    names = clf.get_variable_names()
    for name in ("dnn/hiddenlayer_0/kernel", "dnn/hiddenlayer_0/bias", "dnn/hiddenlayer_1/kernel",
                 "dnn/logits/kernel", "dnn/logits/bias", "global_step"):
        assert name in names
    assert clf.get_variable_value("dnn/hiddenlayer_0/kernel").shape == (4, 10)


def test_training_resumes_from_checkpoint(iris, tmp_path):
    (x, y), _ = iris
    clf = kf.estimator.DNNClassifier(hidden_units=[8], feature_columns=columns(), n_classes=3,
                                     model_dir=str(tmp_path))
    clf.train(train_input(x, y), steps=30)
    kernel = clf.get_variable_value("dnn/logits/kernel")
    again = kf.estimator.DNNClassifier(hidden_units=[8], feature_columns=columns(), n_classes=3,
                                       model_dir=str(tmp_path))
    assert again.evaluate(eval_input(x, y))["global_step"] == 30
    again.train(train_input(x, y), steps=20)
    assert again.evaluate(eval_input(x, y))["global_step"] == 50
    assert not np.allclose(again.get_variable_value("dnn/logits/kernel"), kernel)


def test_linear_classifier_binary_metrics_and_predictions(tmp_path):
    rng = np.random.RandomState(3)
    x = rng.randn(400, 2).astype(np.float32)
    y = (x[:, 0] - 2 * x[:, 1] > 0).astype(np.int64)
    features = {"a": x[:, 0], "b": x[:, 1]}
    clf = kf.estimator.LinearClassifier([fc.numeric_column("a"), fc.numeric_column("b")], model_dir=str(tmp_path))
    clf.train(train_input(features, y), steps=300)
    result = clf.evaluate(eval_input(features, y, batch_size=400))
    assert set(result) == BINARY_METRICS
    assert result["accuracy"] >= 0.95 and result["auc"] >= 0.98
    assert result["label/mean"] == pytest.approx(y.mean(), abs=1e-6)
    assert result["accuracy_baseline"] == pytest.approx(max(y.mean(), 1 - y.mean()), abs=1e-6)
    preds = list(clf.predict(eval_input(features, batch_size=400)))
    logistic = np.array([p["logistic"][0] for p in preds])
    assert result["prediction/mean"] == pytest.approx(logistic.mean(), rel=1e-5)
    p0 = preds[0]
    assert {"logits", "logistic", "probabilities", "class_ids", "classes"} <= set(p0)
    np.testing.assert_allclose(p0["probabilities"], [1 - p0["logistic"][0], p0["logistic"][0]], rtol=1e-6)
    assert p0["class_ids"][0] == int(p0["logits"][0] > 0)
    assert sorted(clf.get_variable_names()) == sorted([
        "global_step", "linear/linear_model/a/weights", "linear/linear_model/b/weights",
        "linear/linear_model/bias_weights", "linear/linear_model/a/weights/Ftrl",
        "linear/linear_model/a/weights/Ftrl_1", "linear/linear_model/b/weights/Ftrl",
        "linear/linear_model/b/weights/Ftrl_1", "linear/linear_model/bias_weights/Ftrl",
        "linear/linear_model/bias_weights/Ftrl_1"])


def test_label_vocabulary_and_weight_column(iris, tmp_path):
    (x, y), (tx, ty) = iris
    vocab = ["setosa", "versicolor", "virginica"]
    labels = np.array([vocab[i].encode() for i in y], dtype=object)
    weighted = dict(x, w=np.where(y == 0, 0.0, 1.0).astype(np.float32))
    clf = kf.estimator.DNNClassifier([16], columns(), n_classes=3, label_vocabulary=vocab, weight_column="w",
                                     optimizer="Adam", dropout=0.1, model_dir=str(tmp_path))
    clf.train(train_input(weighted, labels), steps=100)
    test_labels = np.array([vocab[i].encode() for i in ty], dtype=object)
    test_w = np.where(ty == 0, 0.0, 1.0).astype(np.float32)
    result = clf.evaluate(eval_input(dict(tx, w=test_w), test_labels))
    preds = list(clf.predict(eval_input(dict(tx, w=test_w))))
    assert preds[0]["classes"][0] in [v.encode() for v in vocab]
    probs = np.array([p["probabilities"] for p in preds])
    xent = -np.log(probs[np.arange(len(ty)), ty])
    # weighted metrics: the class-0 examples (weight 0) do not count
    assert result["average_loss"] == pytest.approx((xent * test_w).sum() / test_w.sum(), rel=1e-4)
    assert result["loss"] == pytest.approx((xent * test_w).sum(), rel=1e-4)
    with pytest.raises(kf.errors.InvalidArgumentError, match="not in label_vocabulary"):
        clf.evaluate(eval_input(dict(tx, w=test_w), np.array([b"rose"] * len(ty), dtype=object)))


@pytest.mark.parametrize("make", [
    lambda cols, d: kf.estimator.LinearRegressor(cols, model_dir=d, optimizer="Ftrl"),
    lambda cols, d: kf.estimator.DNNRegressor([16], cols, model_dir=d,
                                              optimizer=lambda: kf.train.AdamOptimizer(0.05)),
])
def test_regressors_fit_linear_data(make, regression, tmp_path):
    x, y = regression
    features = {"x": x}
    est = make([fc.numeric_column("x", shape=3)], str(tmp_path))
    est.train(train_input(features, y), steps=600)
    result = est.evaluate(eval_input(features, y, batch_size=200))
    assert set(result) == {"average_loss", "label/mean", "loss", "prediction/mean", "global_step"}
    assert result["average_loss"] < 0.05 * y.var()
    assert result["label/mean"] == pytest.approx(y.mean(), abs=1e-5)
    preds = np.array([p["predictions"] for p in est.predict(eval_input(features, batch_size=200))])
    assert preds.shape == (200, 1)
    assert result["average_loss"] == pytest.approx(np.mean((preds - y) ** 2), rel=1e-4)


def census_like(n, seed):
    rng = np.random.RandomState(seed)
    education = rng.choice(["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"], n)
    occupation = rng.choice(["Tech", "Sales", "Craft", "Exec", "Other"], n)
    age = rng.uniform(18, 80, n).astype(np.float32)
    score = (np.isin(education, ["Masters", "Doctorate"]) * 1.5 + (occupation == "Exec") * 1.0 +
             (age > 40) * 1.0 + rng.normal(0, 0.1, n))
    return ({"education": education.astype(object), "occupation": occupation.astype(object), "age": age},
            (score > 1.2).astype(np.int64))


def test_wide_and_deep_classifier_on_categorical_data(tmp_path):
    (x, y), (tx, ty) = census_like(600, 0), census_like(200, 1)
    education = fc.categorical_column_with_vocabulary_list(
        "education", ["Bachelors", "HS-grad", "Masters", "Doctorate", "Some-college"])
    occupation = fc.categorical_column_with_hash_bucket("occupation", hash_bucket_size=50)
    age = fc.numeric_column("age")
    age_buckets = fc.bucketized_column(age, boundaries=[25, 30, 35, 40, 45, 50, 55, 60, 65])
    wide = [education, occupation, age_buckets, fc.crossed_column([education, "occupation"], 100)]
    deep = [fc.numeric_column("age", normalizer_fn=lambda a: (a - 50.0) / 20.0), fc.indicator_column(education),
            fc.embedding_column(occupation, dimension=4)]
    clf = kf.estimator.DNNLinearCombinedClassifier(model_dir=str(tmp_path), linear_feature_columns=wide,
                                                   dnn_feature_columns=deep, dnn_hidden_units=[16, 8],
                                                   config=kf.estimator.RunConfig(tf_random_seed=2))
    clf.train(train_input(x, y, batch_size=64), steps=400)
    result = clf.evaluate(eval_input(tx, ty, batch_size=200))
    assert set(result) == BINARY_METRICS
    assert result["accuracy"] >= 0.85
    names = clf.get_variable_names()
    for name in ("dnn/input_from_feature_columns/input_layer/occupation_embedding/embedding_weights",
                 "dnn/hiddenlayer_1/kernel", "linear/linear_model/education/weights",
                 "linear/linear_model/education_X_occupation/weights", "linear/linear_model/bias_weights"):
        assert name in names
    assert clf.get_variable_value("linear/linear_model/age_bucketized/weights").shape == (10, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Unsupported optimizer name"):
        est = kf.estimator.DNNClassifier([4], columns(), optimizer="Nadamax")
        x, y = iris_like(20, 0)
        est.train(train_input(x, y), steps=1)
    with pytest.raises(ValueError, match="n_classes"):
        kf.estimator.DNNClassifier([4], columns(), n_classes=1)
    with pytest.raises(ValueError, match="hidden_units"):
        kf.estimator.DNNClassifier([], columns())
    with pytest.raises(ValueError, match="feature_columns"):
        kf.estimator.LinearClassifier([])
    with pytest.raises(ValueError, match="label_vocabulary"):
        kf.estimator.LinearClassifier(columns(), n_classes=3, label_vocabulary=["a", "b"])


def test_sparse_features_from_parse_example(tmp_path):
    rng = np.random.RandomState(0)
    words = ["good", "bad", "meh", "great", "awful"]
    records = []
    for _ in range(200):
        tokens = list(rng.choice(words, rng.randint(0, 4)))
        label = int(sum(t in ("good", "great") for t in tokens) > sum(t in ("bad", "awful") for t in tokens))
        records.append(kf.train.Example(features=kf.train.Features(feature={
            "tokens": kf.train.Feature(bytes_list=kf.train.BytesList(value=[t.encode() for t in tokens])),
            "label": kf.train.Feature(int64_list=kf.train.Int64List(value=[label]))})).SerializeToString())
    tokens = fc.categorical_column_with_vocabulary_list("tokens", words)
    spec = dict(fc.make_parse_example_spec([tokens]), label=kf.io.FixedLenFeature([], kf.int64))

    def input_fn(repeat):
        def parse(serialized):
            features = kf.io.parse_example(serialized, spec)
            return features, features.pop("label")
        dataset = kf.data.Dataset.from_tensor_slices(np.array(records, dtype=object)).batch(20).map(parse)
        return lambda: dataset.repeat() if repeat else dataset

    clf = kf.estimator.LinearClassifier([tokens], model_dir=str(tmp_path), optimizer="Adagrad")
    clf.train(input_fn(True), steps=200)
    assert clf.evaluate(input_fn(False))["accuracy"] >= 0.9
    assert clf.get_variable_value("linear/linear_model/tokens/weights").shape == (5, 1)
    assert len(list(clf.predict(input_fn(False)))) == 200


@pytest.mark.parametrize("reduction", [kf.losses.Reduction.MEAN, kf.losses.Reduction.SUM_OVER_BATCH_SIZE])
def test_loss_reduction(reduction, tmp_path):
    rng = np.random.RandomState(4)
    x = rng.randn(50).astype(np.float32)
    y = (3 * x + 1).astype(np.float32)
    w = rng.uniform(0.5, 2.0, 50).astype(np.float32)
    features = {"x": x, "w": w}
    est = kf.estimator.LinearRegressor([fc.numeric_column("x")], weight_column=fc.numeric_column("w"),
                                       loss_reduction=reduction, model_dir=str(tmp_path))
    est.train(train_input(features, y, batch_size=50), steps=5)
    result = est.evaluate(eval_input(features, y, batch_size=50))
    preds = np.array([p["predictions"][0] for p in est.predict(eval_input(features, batch_size=50))])
    weighted = w * (preds - y) ** 2
    assert result["average_loss"] == pytest.approx(weighted.sum() / w.sum(), rel=1e-4)
    expected = weighted.sum() / (w.sum() if reduction == kf.losses.Reduction.MEAN else len(y))
    assert result["loss"] == pytest.approx(expected, rel=1e-4)
    with pytest.raises(ValueError, match="loss_reduction"):
        kf.estimator.LinearRegressor([fc.numeric_column("x")], loss_reduction=kf.losses.Reduction.NONE)


def test_dnn_batch_norm_names_and_moving_statistics(iris, tmp_path):
    (x, y), (tx, ty) = iris
    clf = kf.estimator.DNNClassifier([10], columns(), n_classes=3, batch_norm=True, model_dir=str(tmp_path))
    clf.train(train_input(x, y), steps=200)
    names = clf.get_variable_names()
    for part in ("gamma", "beta", "moving_mean", "moving_variance"):
        assert "dnn/hiddenlayer_0/batchnorm_0/" + part in names
    # the moving mean follows the hidden layer's (relu, so non-negative) batch means: no longer its zero start
    moving_mean = clf.get_variable_value("dnn/hiddenlayer_0/batchnorm_0/moving_mean")
    assert moving_mean.shape == (10,) and moving_mean.max() > 0.0
    # prediction normalizes with the moving statistics (inference mode), as a numpy forward pass does
    v = {n: clf.get_variable_value(n) for n in names}
    bn = "dnn/hiddenlayer_0/batchnorm_0/"
    inputs = np.stack([tx[k] for k in NAMES], 1)
    order = np.argsort(NAMES)  # input_layer concatenates the columns in the order of their names
    hidden = np.maximum(inputs[:, order] @ v["dnn/hiddenlayer_0/kernel"] + v["dnn/hiddenlayer_0/bias"], 0)
    normed = (v[bn + "gamma"] * (hidden - v[bn + "moving_mean"]) / np.sqrt(v[bn + "moving_variance"] + 1e-3)
              + v[bn + "beta"])
    expected = normed @ v["dnn/logits/kernel"] + v["dnn/logits/bias"]
    logits = np.array([p["logits"] for p in clf.predict(eval_input(tx))])
    np.testing.assert_allclose(logits, expected, rtol=1e-4, atol=1e-4)


def test_baseline_estimators_learn_the_label_prior_and_mean(tmp_path):
    rng = np.random.RandomState(5)
    features = {"ignored": rng.randn(300).astype(np.float32)}
    labels = rng.choice(3, 300, p=[0.2, 0.5, 0.3]).astype(np.int64)
    clf = kf.estimator.BaselineClassifier(n_classes=3, model_dir=str(tmp_path / "c"))
    clf.train(train_input(features, labels, batch_size=100), steps=300)
    assert clf.get_variable_names()[0] == "baseline/bias"
    result = clf.evaluate(eval_input(features, labels, batch_size=300))
    assert result["accuracy"] == pytest.approx(np.mean(labels == 1), abs=1e-6)  # always the most common class
    probs = next(clf.predict(eval_input(features)))["probabilities"]
    np.testing.assert_allclose(probs, np.bincount(labels) / 300.0, atol=0.03)
    targets = (rng.randn(300) + 4.0).astype(np.float32)
    reg = kf.estimator.BaselineRegressor(model_dir=str(tmp_path / "r"))
    reg.train(train_input(features, targets, batch_size=100), steps=200)
    prediction = next(reg.predict(eval_input(features)))["predictions"][0]
    assert prediction == pytest.approx(targets.mean(), abs=0.1)
