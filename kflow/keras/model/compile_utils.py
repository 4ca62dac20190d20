"""What ``compile`` adds to a model's graph: target placeholders, the total loss and the metric tensors.

Built once per compile, lazily (the model may be built only when data arrives). Each
output gets a target placeholder and a per-sample-weight placeholder that defaults to
ones, so class/sample weights need no second graph. The loss of an output is Keras's
``mean(loss * w) / mean(w != 0)``; the total adds ``loss_weights`` and layer
regularization losses. Metric tensors are batch means; ``fit`` averages them per epoch.

Example:
    >>> c = CompiledLoss(model, "sparse_categorical_crossentropy", ["acc"])
    >>> c.metrics_names
    ['loss', 'acc']
"""
from kflow.engine import dtypes
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import fill, ones_like, shape
from kflow.engine.ops.comparison_ops import not_equal
from kflow.engine.ops.constant_op import convert_to_tensor, placeholder, placeholder_with_default
from kflow.engine.ops.reduction_ops import reduce_mean
from kflow.keras import losses as losses_mod
from kflow.keras import metrics as metrics_mod
from kflow.keras.model.functional import _as_list

_SPARSE_LOSSES = (losses_mod.sparse_categorical_crossentropy,)


def target_names(model, loss):
    """The names of the outputs that take targets (those with a loss), known before anything is built."""
    return [n for n, l in zip(model.output_names, per_output(loss, model.output_names, "loss")) if l is not None]


def per_output(value, names, what, default=None):
    """Spreads a compile argument (single value, list, or dict by output name) to one entry per output."""
    if isinstance(value, dict):
        unknown = set(value) - set(names)
        if unknown:
            raise ValueError("Unknown entries in %s dictionary: %s. Only expected the outputs %s."
                             % (what, sorted(unknown), names))
        return [value.get(n, default) for n in names]
    if isinstance(value, (list, tuple)) and what != "metrics":
        if len(value) != len(names):
            raise ValueError("When passing a list as %s, it should have one entry per model output (%d: %s); "
                             "got %d." % (what, len(names), names, len(value)))
        return list(value)
    if what == "metrics" and isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return list(value)  # nested: one metric list per output
    return [value] * len(names)


class CompiledLoss:
    """Targets, weights, total loss and metrics of a model, built in the model's graph.

    Attributes:
        targets: target placeholders, one per output that has a loss and no target tensor (``fed_target_names``,
            ``fed`` indices); ``target_names`` and ``active`` name every output with a loss.
        sample_weights: per-sample weight tensors (placeholders defaulting to ones), one per target.
        total_loss: scalar tensor minimized by ``fit``.
        metrics_names: "loss", then per-output losses (several outputs), then the metrics.
        metrics_tensors: tensors matching ``metrics_names[1:]``.
        metric_objects: the stateful ``Metric`` objects among the metrics (reset by ``fit`` each epoch);
        stateful_names: their log names (their last value is the epoch's, not the batch average).
    """

    def __init__(self, model, loss, metrics=None, loss_weights=None, custom_objects=None, weighted_metrics=None,
                 target_shapes=None, sample_weight_mode=None, target_tensors=None):
        names = model.output_names
        target_shapes = target_shapes or {}
        self.loss_functions = [losses_mod.get(l, custom_objects) for l in per_output(loss, names, "loss")]
        # Outputs without a loss take no targets (Keras: a model whose loss comes from model.add_loss)
        self.active = [i for i, fn in enumerate(self.loss_functions) if fn is not None]
        self.target_names = [names[i] for i in self.active]
        if not self.active and not model.losses:
            raise ValueError("Each model output needs a loss (or the model needs losses from model.add_loss); got "
                             "loss=%r for outputs %s." % (loss, names))
        weights = per_output(loss_weights if loss_weights is not None else 1.0, names, "loss_weights", 1.0)
        metric_lists = per_output(metrics or [], names, "metrics", [])
        weighted_lists = per_output(weighted_metrics or [], names, "metrics", [])
        given_targets = per_output(target_tensors, names, "target_tensors")
        weight_modes = per_output(sample_weight_mode, names, "sample_weight_mode")
        self.fed = [i for i in self.active if given_targets[i] is None]
        self.fed_target_names = [names[i] for i in self.fed]
        self.targets, self.sample_weights = [], []
        self.metrics_names, self.metrics_tensors = ["loss"], []
        self.metric_objects, self.stateful_names = [], []
        output_losses, metric_entries = [], []
        g = model.graph
        with g.as_default():
            for out, name, fn, w, mlist, wlist, given, mode in zip(model.outputs, names, self.loss_functions, weights,
                                                                   metric_lists, weighted_lists, given_targets,
                                                                   weight_modes):
                if fn is None:
                    continue
                if given is None:
                    target = self._target_for(out, name, fn)
                    self.targets.append(target)
                else:
                    target = convert_to_tensor(given)
                temporal = _temporal(mode, name)
                with g.name_scope(name + "_loss"):
                    per_sample = losses_mod.per_sample_fn(fn)(target, out)
                    if temporal:  # one weight per sample and time step: the loss keeps its time axis
                        if per_sample.shape.ndims is not None and per_sample.shape.ndims < 2:
                            raise ValueError("sample_weight_mode='temporal' for output '%s' needs a loss per time "
                                             "step (an output of rank >= 3, (samples, timesteps, ...)); the output "
                                             "has shape %s" % (name, out.shape))
                        if per_sample.shape.ndims is not None and per_sample.shape.ndims > 2:
                            per_sample = reduce_mean(per_sample, axis=list(range(2, per_sample.shape.ndims)))
                    elif per_sample.shape.ndims and per_sample.shape.ndims > 1:  # mean over the time axes
                        per_sample = reduce_mean(per_sample, axis=list(range(1, per_sample.shape.ndims)))
                    elif per_sample.shape.ndims == 0:  # a loss that already averaged: Keras broadcasts it
                        per_sample = fill(shape(out)[:1], per_sample)
                    sw = placeholder_with_default(ones_like(per_sample), [None, None] if temporal else [None],
                                                  name=name + "_sample_weights")
                    self.sample_weights.append(sw)
                    weighted = _weighted_mean(per_sample, sw)
                output_losses.append((name, w, weighted))
                # weighted_metrics average like the loss (sample/class weights), logged "weighted_<name>" as TF1
                entries = [(i, False) for i in _as_list(mlist)] + [(i, True) for i in _as_list(wlist)]
                for ident, use_weights in entries:
                    mname, mfn = metrics_mod.resolve(ident, losses_mod.base_function(fn),
                                                     out.shape.as_list() if out.shape.ndims else None,
                                                     custom_objects, target_shapes.get(name))
                    mname = "weighted_" + mname if use_weights else mname
                    log_name = name + "_" + mname if len(names) > 1 else mname
                    with g.name_scope(name + "_" + _scope_name(mname)):
                        if isinstance(mfn, metrics_mod.Metric):  # stateful: updated per batch, result logged
                            value = mfn(target, out, sw if use_weights else None)
                            self.metric_objects.append(mfn)
                            self.stateful_names.append(log_name)
                        else:
                            value = mfn(target, out)
                            value = _weighted_mean(value, sw) if use_weights else reduce_mean(value)
                        metric_entries.append((log_name, value))
            total = None
            for _, w, l in output_losses:
                term = l if w == 1.0 else l * float(w)
                total = term if total is None else total + term
            for reg in model.losses:
                total = reg if total is None else total + reg
            self.total_loss = total
        if len(names) > 1:
            for name, _, l in output_losses:
                self.metrics_names.append(name + "_loss")
                self.metrics_tensors.append(l)
        for mname, t in metric_entries:
            self.metrics_names.append(mname)
            self.metrics_tensors.append(t)

    @staticmethod
    def _target_for(output, name, loss_fn):
        # class ids, [batch] or [batch, 1]; floats accepted as in Keras
        if losses_mod.base_function(loss_fn) in _SPARSE_LOSSES:
            return placeholder(dtypes.float32, None, name=name + "_target")
        ndims = output.shape.ndims
        return placeholder(output.dtype, None if ndims is None else [None] * ndims, name=name + "_target")

    def is_sparse(self, index):
        return losses_mod.base_function(self.loss_functions[index]) in _SPARSE_LOSSES


def _temporal(mode, name):
    if mode is None:
        return False
    if mode == "temporal":
        return True
    raise ValueError("sample_weight_mode for output '%s' must be None or 'temporal', got %r" % (name, mode))


def _weighted_mean(per_sample, sw):
    """Keras's weighted mean: ``mean(x * w) / mean(w != 0)`` (zero weights drop samples)."""
    return reduce_mean(per_sample * sw) / M.maximum(reduce_mean(M.cast(not_equal(sw, 0.0), per_sample.dtype)), 1e-7)


def _scope_name(name):
    return "".join(c if c.isalnum() or c in "_.-" else "_" for c in name)
