"""Overridable ``train_step`` / ``test_step`` / ``predict_step``: what a custom training loop builds, run per batch.

When a Model subclass overrides ``train_step`` or ``test_step``, ``fit``/``evaluate`` call it ONCE with
the batch tensors (placeholders for ``x``, ``y`` and the sample weights, shaped like the data) and
compile what it built into one ``K.function``: the values of the dict it returns are fetched each
batch (logged as they are: metric results accumulate, so the epoch logs their last value, as Keras
does), and every op the step built that nothing else consumes - the optimizer's update, metric updates -
runs with them, as each statement of an eager step would. Metric results built after their updates
read the updated state (``metric_base.program_order``).

The default steps (used by ``super().train_step(data)``) are Keras 3's: forward, ``compute_loss``,
``optimizer.minimize``, ``compute_metrics``.

Example:
    >>> class MyModel(kf.keras.Model):
    ...     def train_step(self, data):
    ...         x, y = data
    ...         y_pred = self(x, training=True)
    ...         loss = kf.reduce_mean(kf.square(y_pred - y))
    ...         grads = kf.gradients(loss, self.trainable_weights)
    ...         self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
    ...         self.loss_tracker.update_state(loss)
    ...         return {"loss": self.loss_tracker.result()}
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.graph import GraphKeys
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.constant_op import convert_to_tensor, placeholder
from kflow.engine.ops.reduction_ops import reduce_mean
from kflow.keras import backend as K
from kflow.keras import losses as losses_mod
from kflow.keras import metrics as metrics_mod
from kflow.keras.metric_base import Mean, MeanMetricWrapper, Metric, program_order
from kflow.keras.model.compile_utils import _weighted_mean, per_output
from kflow.keras.model.data_adapter import flatten_to
from kflow.keras.model.functional import _as_list

def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from a step's ``data`` (``x``, ``(x,)``, ``(x, y)`` or ``(x, y, w)``)."""
    if isinstance(data, tuple):
        return (tuple(data) + (None, None))[:3]
    return data, None, None


def flat_targets(y):
    """Targets as a list of arrays and whether they were a list (several outputs)."""
    if y is None:
        return [], False
    if isinstance(y, (list, tuple)):
        return [np.asarray(t) for t in y], True
    return [np.asarray(y)], False


def element_arrays(model, element):
    """A Dataset/generator element (``x``, ``(x, y)`` or ``(x, y, sample_weight)``) as a custom step's arrays in
    feed order (inputs, targets, sample weights), and the step layout they make."""
    x, y, w = unpack_x_y_sample_weight(tuple(element) if isinstance(element, list) else element)
    xs = flatten_to(model.input_names, x, "input")
    ys, y_is_list = flat_targets(y)
    ws, _ = flat_targets(w)
    return xs + ys + ws, (len(xs), len(ys), len(ws), y_is_list)


def _placeholder_like(array, name):
    dtype = np.float32 if array.dtype.kind == "f" else array.dtype
    return placeholder(dtypes.as_dtype(dtype), [None] + list(array.shape[1:]), name=name)


def build_step(model, kind, example):
    """``(fn(arrays) -> values, names)`` running ``model.<kind>_step`` on placeholders like ``example``.

    ``example`` is one batch's arrays in feed order: inputs, then targets, then sample weights
    (``model._step_layout`` says how many of each).
    """
    g = model.graph
    n_x, n_y, n_w, y_is_list = model._step_layout
    with g.as_default():
        ys = [_placeholder_like(a, "%s_target_%d" % (kind, i)) for i, a in enumerate(example[n_x:n_x + n_y])]
        ws = [_placeholder_like(a, "%s_sample_weight_%d" % (kind, i))
              for i, a in enumerate(example[n_x + n_y:n_x + n_y + n_w])]
        x = model.inputs[0] if len(model.inputs) == 1 else list(model.inputs)
        y = (list(ys) if y_is_list else ys[0]) if ys else None
        w = (list(ws) if y_is_list else ws[0]) if ws else None
        data = x if kind == "predict" else ((x, y, w) if ws else (x, y) if ys else (x,))
        first = len(g.get_operations())
        for metric in model.metrics:  # updates built for another step are not this step's to wait for
            metric._pending = []
        with program_order():
            out = getattr(model, kind + "_step")(data)
        if kind == "predict":
            outs = [convert_to_tensor(t) for t in _as_list(out)]
            fn = K.function(model.inputs, outs)
            return (lambda arrays: fn(arrays[:n_x])), None
        if not isinstance(out, dict):
            raise TypeError("%s.%s_step must return a dict of metric values (name -> tensor); got %r."
                            % (type(model).__name__, kind, type(out).__name__))
        names = list(out)
        values = [M.cast(convert_to_tensor(v), dtypes.float32) for v in out.values()]
        updates = _unconsumed_ops(g, first)
    feed_dict = {K.learning_phase(g): kind == "train"}
    fn = K.function(list(model.inputs) + ys + ws, values, updates=updates, feed_dict=feed_dict)
    return fn, names


def _unconsumed_ops(graph, first):
    """The ops made since op ``first`` whose results nothing uses (updates), without variable initializers."""
    new = graph.get_operations()[first:]
    consumed = set()
    for op in new:
        consumed.update(t.op for t in op.inputs)
        consumed.update(op.control_inputs)
    initializers = {v.initializer for v in graph.get_collection(GraphKeys.GLOBAL_VARIABLES) +
                    graph.get_collection(GraphKeys.LOCAL_VARIABLES)}
    return [op for op in new if op not in consumed and op not in initializers and _is_update(op)]


def _is_update(op):
    """An op worth running for its effect: one with no outputs (a group) or an assignment."""
    return not op.outputs or "Assign" in op.type or "Apply" in op.type


# ---- the default steps (Keras 3's), for super().train_step(data) ---------------------------
def _forward(model, x, training):
    if model.outputs and _as_list(x) == list(model.inputs):  # the model's own graph on its own inputs
        return model.outputs[0] if len(model.outputs) == 1 else list(model.outputs)
    return model(x, training=training)


def default_train_step(model, data):
    x, y, w = unpack_x_y_sample_weight(data)
    y_pred = _forward(model, x, True)
    loss = model.compute_loss(x, y, y_pred, w)
    model.optimizer.minimize(loss, model.trainable_weights)
    return model.compute_metrics(x, y, y_pred, w)


def default_test_step(model, data):
    x, y, w = unpack_x_y_sample_weight(data)
    y_pred = _forward(model, x, False)
    model.compute_loss(x, y, y_pred, w)
    return model.compute_metrics(x, y, y_pred, w)


def default_predict_step(model, data):
    x, _, _ = unpack_x_y_sample_weight(data)
    return _forward(model, x, False)


def compute_loss(model, y, y_pred, sample_weight=None):
    """The compiled losses of the outputs (weighted means) plus the model's own losses; updates the loss
    tracker (``model.metrics[0]``, "loss")."""
    args = model._compile_args or {}
    names = model.output_names or ["output_%d" % (i + 1) for i in range(len(_as_list(y_pred)))]
    fns = [losses_mod.get(l, args.get("custom_objects")) for l in per_output(args.get("loss"), names, "loss")]
    weights = per_output(args.get("loss_weights") or 1.0, names, "loss_weights", 1.0)
    ys, preds = _as_list(y) if y is not None else [], _as_list(y_pred)
    sws = _as_list(sample_weight) if sample_weight is not None else [None] * len(preds)
    total = None
    for fn, t, p, sw, lw in zip(fns, ys, preds, sws, weights):
        if fn is None:
            continue
        per_sample = losses_mod.per_sample_fn(fn)(t, p)
        term = reduce_mean(per_sample) if sw is None else _weighted_mean(per_sample, M.cast(sw, per_sample.dtype))
        term = term if lw == 1.0 else term * float(lw)
        total = term if total is None else total + term
    for extra in model.losses:
        total = extra if total is None else total + extra
    if total is None:  # compiled without a loss (the custom step computes its own): zero, as Keras 3
        return M.cast(convert_to_tensor(0.0), dtypes.float32)
    step_metrics(model, ys, preds)[0].update_state(total)  # the "loss" tracker (compiled with a loss)
    return total


def compute_metrics(model, x, y, y_pred, sample_weight=None):
    """Updates the compiled metrics with this batch; returns ``{name: result}`` of every metric of the model."""
    ys, preds = _as_list(y) if y is not None else [], _as_list(y_pred)
    step_metrics(model, ys, preds)
    sws = _as_list(sample_weight) if sample_weight is not None else [None] * len(preds)
    for metric, index in model._step_metric_outputs:
        metric.update_state(ys[index], preds[index], sws[index])
    return {m.name: m.result() for m in model.metrics}


def step_metrics(model, ys, preds):
    """The metric objects of a custom-step model: a "loss" Mean when compiled with a loss, then the compile
    metrics as objects (made once; functions wrapped in ``MeanMetricWrapper``)."""
    made = model.__dict__.get("_step_metrics")
    if made is not None:
        return made
    args = model._compile_args or {}
    names = model.output_names or ["output_%d" % (i + 1) for i in range(len(preds))]
    losses = per_output(args.get("loss"), names, "loss")
    made, outputs = [], []
    with model.graph.as_default():
        if args.get("loss") is not None:
            made.append(Mean(name="loss"))
        for index, (name, entries) in enumerate(zip(names, per_output(args.get("metrics") or [], names, "metrics",
                                                                        []))):
            for ident in _as_list(entries):
                if index >= len(ys):
                    break
                mname, fn = metrics_mod.resolve(ident, losses_mod.base_function(losses_mod.get(losses[index])),
                                                preds[index].shape.as_list(), args.get("custom_objects"),
                                                ys[index].shape.as_list())
                metric = fn if isinstance(fn, Metric) else MeanMetricWrapper(fn, name=mname)
                made.append(metric)
                outputs.append((metric, index))
    model._step_metrics, model._step_metric_outputs = made, outputs
    return made
