"""The premade (canned) Estimators of TF 1.x: DNN, linear and wide-and-deep classifiers and regressors.

Each builds its logits from feature columns under the scopes TF uses, so variables are named as TF names them
(``dnn/hiddenlayer_0/kernel``, ``dnn/logits/bias``, ``linear/linear_model/<column>/weights``,
``linear/linear_model/bias_weights``), and hands them to a head (``heads.py``) for loss, predictions and metrics.

Optimizers are given as instances, callables returning one, or names: "Adagrad" (the DNN default, learning
rate 0.05), "Ftrl" (the linear default, learning rate ``min(0.2, 1/sqrt(number of columns))``), "Adam",
"RMSProp", "SGD". Wide and deep uses TF's lower defaults: 0.001 for the DNN, ``min(0.005, 1/sqrt(n))`` for the
linear part.

Example:
    >>> columns = [kf.feature_column.numeric_column(k) for k in ["SepalLength", "SepalWidth", "PetalLength"]]
    >>> clf = kf.estimator.DNNClassifier(feature_columns=columns, hidden_units=[10, 10], n_classes=3)
    >>> clf.train(input_fn=train_input_fn, steps=1000)
    >>> clf.evaluate(input_fn=eval_input_fn)["accuracy"]
"""
import math

from kflow import train
from kflow.engine.graph import GraphKeys, control_dependencies, get_collection
from kflow.engine.ops.identity_ops import group
from kflow.engine.variables import trainable_variables
from kflow.engine.ops.nn_ops import relu
from kflow.feature_column import input_layer, linear_model
from kflow.feature_column.column_base import FeatureColumn
from kflow.layers.functional import batch_normalization, dense, dropout as dropout_layer
from kflow.layers.variable_scope import variable_scope
from kflow.initializers import GlorotUniform
from kflow.estimator.estimator import Estimator
from kflow.estimator.heads import ClassificationHead, RegressionHead
from kflow.estimator.model_fn import ModeKeys
from kflow.losses.reduction import Reduction

_OPTIMIZERS = {"Adagrad": train.AdagradOptimizer, "Adam": train.AdamOptimizer, "Ftrl": train.FtrlOptimizer,
               "RMSProp": train.RMSPropOptimizer, "SGD": train.GradientDescentOptimizer}
DNN_LEARNING_RATE = 0.05
# TF's wide-and-deep defaults are lower ("a historical artifact of the initial implementation", its comment says)
COMBINED_DNN_LEARNING_RATE = 0.001
COMBINED_LINEAR_LEARNING_RATE = 0.005


def linear_learning_rate(num_columns, cap=0.2):
    """TF's default linear learning rate: ``min(cap, 1 / sqrt(num_columns))``."""
    return min(cap, 1.0 / math.sqrt(num_columns))


def get_optimizer(optimizer, learning_rate):
    """An optimizer instance from a name, an instance or a zero-argument callable."""
    if isinstance(optimizer, str):
        if optimizer not in _OPTIMIZERS:
            raise ValueError("Unsupported optimizer name: %r; use one of %s or an optimizer instance."
                             % (optimizer, sorted(_OPTIMIZERS)))
        return _OPTIMIZERS[optimizer](learning_rate=learning_rate)
    if callable(optimizer) and not isinstance(optimizer, train.Optimizer):
        optimizer = optimizer()
    if not isinstance(optimizer, train.Optimizer):
        raise ValueError("optimizer must be a name, a kf.train.Optimizer or a callable returning one; got %r"
                         % (optimizer,))
    return optimizer


def _columns(feature_columns, who):
    columns = list(feature_columns or ())
    if not columns or not all(isinstance(c, FeatureColumn) for c in columns):
        raise ValueError("%s: feature_columns must be a non-empty list of feature columns, got %r"
                         % (who, feature_columns))
    return columns


def dnn_logits(features, feature_columns, hidden_units, units, activation_fn, dropout, mode, batch_norm=False):
    """TF's DNN logit function under the current scope: input_from_feature_columns, hiddenlayer_i (dense,
    dropout while training, batch normalization ``batchnorm_i`` when asked), logits."""
    with variable_scope("input_from_feature_columns", values=list(features.values())):
        net = input_layer(features, feature_columns)
    for i, width in enumerate(hidden_units):
        with variable_scope("hiddenlayer_%d" % i, values=(net,)) as scope:
            net = dense(net, width, activation=activation_fn, kernel_initializer=GlorotUniform(), name=scope)
            if dropout is not None and mode == ModeKeys.TRAIN:
                net = dropout_layer(net, rate=dropout, training=True)
            if batch_norm:  # TF's momentum here is 0.999 (0.99 "crashes on certain problems", its comment says)
                net = batch_normalization(net, momentum=0.999, training=mode == ModeKeys.TRAIN,
                                          name="batchnorm_%d" % i)
    with variable_scope("logits", values=(net,)) as scope:
        return dense(net, units, kernel_initializer=GlorotUniform(), name=scope)


def _train_op_fn(parts):
    """``train_op_fn(loss)``: each (optimizer, variable scope) part minimizes the loss over its scope's trainable
    variables; then the global step goes up once."""
    def train_op_fn(loss):
        step = train.get_global_step()
        updates = []
        for optimizer, scope in parts:
            var_list = [v for v in trainable_variables() if v.op.name.startswith(scope + "/")]
            updates.append(optimizer.minimize(loss, var_list=var_list))
        # batch normalization's moving statistics (UPDATE_OPS) update with each step, as TF's heads arrange
        with control_dependencies([group(*updates, *get_collection(GraphKeys.UPDATE_OPS))]):
            return step.assign_add(1).op
    return train_op_fn


class _Canned(Estimator):
    """An Estimator whose model_fn is ``logits_fn`` + a head + per-part optimizers."""

    def __init__(self, head, logits_fn, parts, model_dir, config, warm_start_from):
        self._head, self._logits_fn, self._parts = head, logits_fn, parts

        def model_fn(features, labels, mode, config):
            if not isinstance(features, dict):
                raise ValueError("The premade Estimators need features as a dict of feature key -> tensor; got %s"
                                 % type(features).__name__)
            logits = logits_fn(features, mode)
            parts_built = [(get_optimizer(opt, lr), scope) for opt, lr, scope in parts]
            return head.spec(features, mode, logits, labels, _train_op_fn(parts_built))

        super().__init__(model_fn, model_dir=model_dir, config=config, warm_start_from=warm_start_from)


def _linear_parts(optimizer, columns):
    return [(optimizer, linear_learning_rate(len(columns)), "linear")]


class DNNClassifier(_Canned):
    """``tf.estimator.DNNClassifier``: a feed-forward network on ``input_layer(feature_columns)``.

    Args:
        hidden_units: widths of the hidden layers, e.g. ``[10, 10]``.
        feature_columns: dense columns (numeric, bucketized, indicator, embedding).
        n_classes: number of classes (2: one logit and the binary head's metrics).
        weight_column: a feature key or numeric_column of per-example weights.
        label_vocabulary: class names when labels are strings.
        optimizer: name, instance or callable (default "Adagrad", learning rate 0.05).
        activation_fn: the hidden layers' activation (default relu).
        dropout: the probability of dropping a hidden unit while training (None: no dropout).
        loss_reduction: how per-example losses add up (default ``kf.losses.Reduction.SUM``, as TF 1.x).
    """

    def __init__(self, hidden_units, feature_columns, model_dir=None, n_classes=2, weight_column=None,
                 label_vocabulary=None, optimizer="Adagrad", activation_fn=relu, dropout=None,
                 input_layer_partitioner=None, config=None, warm_start_from=None, loss_reduction=Reduction.SUM,
                 batch_norm=False):
        head = ClassificationHead(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, _dnn_fn(hidden_units, feature_columns, head, activation_fn, dropout, batch_norm,
                                       "DNNClassifier"),
                         [(optimizer, DNN_LEARNING_RATE, "dnn")], model_dir, config, warm_start_from)


class DNNRegressor(_Canned):
    """``tf.estimator.DNNRegressor``: as :class:`DNNClassifier` with a squared-error head of ``label_dimension``
    outputs (predictions ``{"predictions"}``)."""

    def __init__(self, hidden_units, feature_columns, model_dir=None, label_dimension=1, weight_column=None,
                 optimizer="Adagrad", activation_fn=relu, dropout=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=Reduction.SUM, batch_norm=False):
        head = RegressionHead(label_dimension, weight_column, loss_reduction)
        super().__init__(head, _dnn_fn(hidden_units, feature_columns, head, activation_fn, dropout, batch_norm,
                                       "DNNRegressor"),
                         [(optimizer, DNN_LEARNING_RATE, "dnn")], model_dir, config, warm_start_from)


def _dnn_fn(hidden_units, feature_columns, head, activation_fn, dropout, batch_norm, who):
    columns = _columns(feature_columns, who)
    hidden_units = [int(u) for u in hidden_units]
    if not hidden_units or any(u < 1 for u in hidden_units):
        raise ValueError("%s: hidden_units must be a non-empty list of positive widths, got %r" % (who,
                                                                                                 hidden_units))
    if dropout is not None and not 0.0 <= dropout < 1.0:
        raise ValueError("%s: dropout must be in [0, 1), got %r" % (who, dropout))

    def logits_fn(features, mode):
        with variable_scope("dnn", values=list(features.values())):
            return dnn_logits(features, columns, hidden_units, head.logits_dimension, activation_fn, dropout, mode,
                              batch_norm)
    return logits_fn


def _linear_fn(feature_columns, head, sparse_combiner, who):
    columns = _columns(feature_columns, who)

    def logits_fn(features, mode):
        with variable_scope("linear", values=list(features.values())):
            return linear_model(features, columns, units=head.logits_dimension, sparse_combiner=sparse_combiner)
    return logits_fn


class LinearClassifier(_Canned):
    """``tf.estimator.LinearClassifier``: ``linear_model(feature_columns)`` logits (default optimizer "Ftrl")."""

    def __init__(self, feature_columns, model_dir=None, n_classes=2, weight_column=None, label_vocabulary=None,
                 optimizer="Ftrl", config=None, partitioner=None, warm_start_from=None, loss_reduction=Reduction.SUM,
                 sparse_combiner="sum"):
        head = ClassificationHead(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, _linear_fn(feature_columns, head, sparse_combiner, "LinearClassifier"),
                         _linear_parts(optimizer, feature_columns), model_dir, config, warm_start_from)


class LinearRegressor(_Canned):
    """``tf.estimator.LinearRegressor``: a linear model with a squared-error head (default optimizer "Ftrl")."""

    def __init__(self, feature_columns, model_dir=None, label_dimension=1, weight_column=None, optimizer="Ftrl",
                 config=None, partitioner=None, warm_start_from=None, loss_reduction=Reduction.SUM,
                 sparse_combiner="sum"):
        head = RegressionHead(label_dimension, weight_column, loss_reduction)
        super().__init__(head, _linear_fn(feature_columns, head, sparse_combiner, "LinearRegressor"),
                         _linear_parts(optimizer, feature_columns), model_dir, config, warm_start_from)


def _combined_fn(linear_feature_columns, dnn_feature_columns, dnn_hidden_units, head, dnn_activation_fn,
                 dnn_dropout, batch_norm, linear_sparse_combiner, who):
    if not linear_feature_columns and not dnn_feature_columns:
        raise ValueError("%s: give linear_feature_columns, dnn_feature_columns or both." % who)
    dnn_fn = linear_fn = None
    if dnn_feature_columns:
        if not dnn_hidden_units:
            raise ValueError("%s: dnn_hidden_units must be given with dnn_feature_columns." % who)
        dnn_fn = _dnn_fn(dnn_hidden_units, dnn_feature_columns, head, dnn_activation_fn, dnn_dropout, batch_norm,
                         who)
    if linear_feature_columns:
        linear_fn = _linear_fn(linear_feature_columns, head, linear_sparse_combiner, who)

    def logits_fn(features, mode):
        parts = [fn(features, mode) for fn in (dnn_fn, linear_fn) if fn is not None]
        return parts[0] + parts[1] if len(parts) == 2 else parts[0]
    return logits_fn


def _combined_parts(linear_optimizer, linear_feature_columns, dnn_optimizer, dnn_feature_columns):
    parts = []
    if dnn_feature_columns:
        parts.append((dnn_optimizer, COMBINED_DNN_LEARNING_RATE, "dnn"))
    if linear_feature_columns:
        parts.append((linear_optimizer, linear_learning_rate(len(linear_feature_columns),
                                                             COMBINED_LINEAR_LEARNING_RATE), "linear"))
    return parts


class DNNLinearCombinedClassifier(_Canned):
    """``tf.estimator.DNNLinearCombinedClassifier`` ("wide and deep"): the sum of a linear model's logits on
    ``linear_feature_columns`` (optimizer "Ftrl") and a DNN's on ``dnn_feature_columns`` (optimizer "Adagrad")."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl", dnn_feature_columns=None,
                 dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=relu, dnn_dropout=None,
                 n_classes=2, weight_column=None, label_vocabulary=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=Reduction.SUM, batch_norm=False,
                 linear_sparse_combiner="sum"):
        head = ClassificationHead(n_classes, weight_column, label_vocabulary, loss_reduction)
        super().__init__(head, _combined_fn(linear_feature_columns, dnn_feature_columns, dnn_hidden_units, head,
                                            dnn_activation_fn, dnn_dropout, batch_norm, linear_sparse_combiner,
                                            "DNNLinearCombinedClassifier"),
                         _combined_parts(linear_optimizer, linear_feature_columns, dnn_optimizer,
                                         dnn_feature_columns), model_dir, config, warm_start_from)


class DNNLinearCombinedRegressor(_Canned):
    """``tf.estimator.DNNLinearCombinedRegressor``: wide and deep with a squared-error head."""

    def __init__(self, model_dir=None, linear_feature_columns=None, linear_optimizer="Ftrl", dnn_feature_columns=None,
                 dnn_optimizer="Adagrad", dnn_hidden_units=None, dnn_activation_fn=relu, dnn_dropout=None,
                 label_dimension=1, weight_column=None, input_layer_partitioner=None, config=None,
                 warm_start_from=None, loss_reduction=Reduction.SUM, batch_norm=False,
                 linear_sparse_combiner="sum"):
        head = RegressionHead(label_dimension, weight_column, loss_reduction)
        super().__init__(head, _combined_fn(linear_feature_columns, dnn_feature_columns, dnn_hidden_units, head,
                                            dnn_activation_fn, dnn_dropout, batch_norm, linear_sparse_combiner,
                                            "DNNLinearCombinedRegressor"),
                         _combined_parts(linear_optimizer, linear_feature_columns, dnn_optimizer,
                                         dnn_feature_columns), model_dir, config, warm_start_from)
