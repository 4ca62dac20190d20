"""kf.metrics: streaming metrics returning ``(value, update_op)`` (facade; implementations sit beside it).

Example:
    >>> acc, acc_update = kf.metrics.accuracy(labels, predictions)
    >>> sess.run(kf.local_variables_initializer())
    >>> sess.run(acc_update, feed_dict=batch)
    >>> sess.run(acc)
"""
from kflow.metrics.mean_metrics import mean, accuracy, mean_absolute_error, mean_squared_error
from kflow.metrics.confusion_metrics import (true_positives, false_positives, true_negatives, false_negatives,
                                             precision, recall)
from kflow.metrics.auc import auc
