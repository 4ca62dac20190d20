"""ModeKeys and EstimatorSpec: what a ``model_fn`` receives and returns.

Example:
    >>> def model_fn(features, labels, mode, params):
    ...     logits = kf.layers.dense(features["x"], 10)
    ...     if mode == ModeKeys.PREDICT:
    ...         return EstimatorSpec(mode, predictions={"class": kf.argmax(logits, 1)})
    ...     loss = kf.losses.sparse_softmax_cross_entropy(labels, logits)
    ...     train_op = kf.train.AdamOptimizer().minimize(loss, kf.train.get_global_step())
    ...     return EstimatorSpec(mode, loss=loss, train_op=train_op,
    ...                          eval_metric_ops={"acc": kf.metrics.accuracy(labels, kf.argmax(logits, 1))})
"""
import collections


class ModeKeys:
    """The three modes a ``model_fn`` is called in."""

    TRAIN = "train"
    EVAL = "eval"
    PREDICT = "infer"


_Spec = collections.namedtuple("EstimatorSpec", [
    "mode", "predictions", "loss", "train_op", "eval_metric_ops", "export_outputs", "training_chief_hooks",
    "training_hooks", "scaffold", "evaluation_hooks", "prediction_hooks"])


class EstimatorSpec(_Spec):
    """The ops and tensors a ``model_fn`` returns for one mode (``tf.estimator.EstimatorSpec``).

    TRAIN needs ``loss`` and ``train_op``; EVAL needs ``loss`` (``eval_metric_ops`` maps names to
    ``(value, update_op)`` pairs, e.g. from ``kf.metrics``); PREDICT needs ``predictions`` (a tensor
    or a dict of tensors whose first dimension is the batch).
    """

    def __new__(cls, mode, predictions=None, loss=None, train_op=None, eval_metric_ops=None, export_outputs=None,
                training_chief_hooks=None, training_hooks=None, scaffold=None, evaluation_hooks=None,
                prediction_hooks=None):
        if mode not in (ModeKeys.TRAIN, ModeKeys.EVAL, ModeKeys.PREDICT):
            raise ValueError("mode must be one of ModeKeys (train, eval, infer); got %r" % (mode,))
        if mode == ModeKeys.TRAIN and (loss is None or train_op is None):
            raise ValueError("Missing %s in EstimatorSpec for mode TRAIN." % ("loss" if loss is None else "train_op"))
        if mode == ModeKeys.EVAL and loss is None:
            raise ValueError("Missing loss in EstimatorSpec for mode EVAL.")
        if mode == ModeKeys.PREDICT and predictions is None:
            raise ValueError("Missing predictions in EstimatorSpec for mode PREDICT.")
        for name, (value, update) in (eval_metric_ops or {}).items():
            if value is None or update is None:
                raise ValueError("eval_metric_ops[%r] must be a (value, update_op) pair." % name)
        return super().__new__(cls, mode, predictions, loss, train_op, dict(eval_metric_ops or {}), export_outputs,
                               tuple(training_chief_hooks or ()), tuple(training_hooks or ()), scaffold,
                               tuple(evaluation_hooks or ()), tuple(prediction_hooks or ()))
