"""TF 1.x's "Premade Estimators" getting-started program (premade_estimator.py with its iris_data helpers, as the
tutorial writes them: a CSV read with TextLineDataset + decode_csv for training and evaluation, a dict input_fn
for prediction, tf.app.run) runs with only the import changed, on a small synthetic iris CSV (no network), with
its default arguments (1000 steps of batch 100)."""
import numpy as np

from estimator_testlib import run_program

PROGRAM = r'''
import argparse
import kflow as tf

CSV_COLUMN_NAMES = ['SepalLength', 'SepalWidth', 'PetalLength', 'PetalWidth', 'Species']
SPECIES = ['Setosa', 'Versicolor', 'Virginica']
CSV_TYPES = [[0.0], [0.0], [0.0], [0.0], [0]]


def _parse_line(line):
    fields = tf.decode_csv(line, record_defaults=CSV_TYPES)
    features = dict(zip(CSV_COLUMN_NAMES, fields))
    label = features.pop('Species')
    return features, label


def maybe_download():
    # the tutorial downloads these with tf.keras.utils.get_file; here they are already in the working directory
    return 'iris_training.csv', 'iris_test.csv'


def csv_input_fn(csv_path, batch_size):
    dataset = tf.data.TextLineDataset(csv_path).skip(1)
    dataset = dataset.map(_parse_line)
    dataset = dataset.shuffle(1000).repeat().batch(batch_size)
    return dataset


def csv_eval_input_fn(csv_path, batch_size):
    dataset = tf.data.TextLineDataset(csv_path).skip(1)
    return dataset.map(_parse_line).batch(batch_size)


def eval_input_fn(features, labels, batch_size):
    features = dict(features)
    if labels is None:
        inputs = features
    else:
        inputs = (features, labels)
    dataset = tf.data.Dataset.from_tensor_slices(inputs)
    assert batch_size is not None, "batch_size must not be None"
    dataset = dataset.batch(batch_size)
    return dataset


parser = argparse.ArgumentParser()
parser.add_argument('--batch_size', default=100, type=int, help='batch size')
parser.add_argument('--train_steps', default=1000, type=int, help='number of training steps')


def main(argv):
    args = parser.parse_args(argv[1:])
    train_path, test_path = maybe_download()

    my_feature_columns = []
    for key in CSV_COLUMN_NAMES[:-1]:
        my_feature_columns.append(tf.feature_column.numeric_column(key=key))

    classifier = tf.estimator.DNNClassifier(
        feature_columns=my_feature_columns,
        hidden_units=[10, 10],
        n_classes=3)

    classifier.train(
        input_fn=lambda: csv_input_fn(train_path, args.batch_size),
        steps=args.train_steps)

    eval_result = classifier.evaluate(
        input_fn=lambda: csv_eval_input_fn(test_path, args.batch_size))

    print('\nTest set accuracy: {accuracy:0.3f}\n'.format(**eval_result))
    print('metric keys:', sorted(eval_result))

    expected = ['Setosa', 'Versicolor', 'Virginica']
    predict_x = {
        'SepalLength': [5.1, 5.9, 6.9],
        'SepalWidth': [3.3, 3.0, 3.1],
        'PetalLength': [1.7, 4.2, 5.4],
        'PetalWidth': [0.5, 1.5, 2.1],
    }

    predictions = classifier.predict(
        input_fn=lambda: eval_input_fn(predict_x, labels=None, batch_size=args.batch_size))

    template = '\nPrediction is "{}" ({:.1f}%), expected "{}"'
    for pred_dict, expec in zip(predictions, expected):
        class_id = pred_dict['class_ids'][0]
        probability = pred_dict['probabilities'][class_id]
        print(template.format(SPECIES[class_id], 100 * probability, expec))


if __name__ == '__main__':
    tf.logging.set_verbosity(tf.logging.INFO)
    tf.app.run(main)
'''

CENTERS = np.array([[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.5, 2.0]])


def _write_csv(path, n, seed):
    rng = np.random.RandomState(seed)
    y = rng.randint(0, 3, n)
    x = CENTERS[y] + rng.normal(0, 0.25, (n, 4))
    with open(path, "w") as f:
        f.write("%d,4,setosa,versicolor,virginica\n" % n)  # the header line the tutorial's files have
        for row, label in zip(x, y):
            f.write(",".join("%.1f" % v for v in row) + ",%d\n" % label)


def test_premade_estimator_program_runs(tmp_path):
    _write_csv(tmp_path / "iris_training.csv", 120, 0)
    _write_csv(tmp_path / "iris_test.csv", 30, 1)
    # --train_steps is the program's own (argparse) argument: tf.app.run passes it through to main
    out = run_program(tmp_path, "premade_estimator.py", PROGRAM, ["--train_steps=600"])
    accuracy = float(out.split("Test set accuracy: ")[1].split()[0])
    assert accuracy >= 0.9, out
    assert "metric keys: ['accuracy', 'average_loss', 'global_step', 'loss']" in out
    lines = [l for l in out.splitlines() if l.startswith("Prediction is")]
    assert len(lines) == 3
    for line in lines:  # each flower is predicted as the species expected, confidently
        predicted, expected = line.split('"')[1], line.split('"')[3]
        assert predicted == expected, out
