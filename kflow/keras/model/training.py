"""Model: compile / fit / evaluate / predict over a network's graph.

``fit`` stays short: it turns the data into batches, gets the train step (a ``K.function``
over the model's graph, compiled once into one ``Session.run`` per batch: feeds for inputs,
targets and the learning-phase flag; fetches for loss, metrics and the update op), and hands
both to the loop with the callbacks. Everything optional is a callback; History and the progress bar are added by
default. Nothing is added to the graph per batch or per epoch.

Example:
    >>> model = kf.keras.Model(inputs, outputs)          # functional
    >>> model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    >>> history = model.fit(x, y, batch_size=128, epochs=2, validation_split=0.1)
    >>> model.evaluate(x_test, y_test)
    [0.09, 0.97]
"""
import weakref

import numpy as np

from kflow.engine import process_world
from kflow.keras import backend as K
from kflow.keras import metrics as metrics_mod
from kflow.keras import optimizers
from kflow.keras.callbacks.base import CallbackList
from kflow.keras.callbacks.history import History
from kflow.keras.callbacks.progbar import ProgbarLogger
from kflow.keras.model import data_adapter as data
from kflow.keras.model import custom_steps, functional, saving
from kflow.keras.model.compile_utils import CompiledLoss, target_names
from kflow.keras.model.network import Network, accepts_training
from kflow.keras.model.training_loop import fit_loop, predict_loop, test_loop


class Model(Network):
    """A Keras model: functional ``Model(inputs, outputs)`` or subclassed (override ``call``)."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        if kwargs:
            raise TypeError("Model got unexpected keyword arguments: %s" % ", ".join(kwargs))
        if inputs is not None:
            functional.init_network(self, inputs, outputs, name)
        else:
            super().__init__(name=name)
        self.optimizer = None
        self.history = None
        self.last_epoch_timing = None
        self.epoch_timings = []
        self._compiled = None
        self._compile_args = None
        self._functions = {}

    # ---- building ------------------------------------------------------------------
    def call(self, inputs, training=None):
        """A functional model's outputs on new ``inputs`` (same layers, same weights); subclasses override."""
        if hasattr(self, "_nodes"):
            return functional.call_network(self, inputs, training)
        raise NotImplementedError("Subclassed models must implement call(inputs) (or use Model(inputs, outputs)).")

    def _build_from_arrays(self, x_arrays):
        """Builds a subclassed model on placeholders shaped like the data (batch dimension open)."""
        names = ["input_%d" % (i + 1) for i in range(len(x_arrays))]
        phs = [self._placeholder_for(a, n) for a, n in zip(x_arrays, names)]
        with self._graph.as_default():
            args = phs[0] if len(phs) == 1 else phs
            out = self.call(args, training=K.learning_phase()) if accepts_training(self) \
                else self.call(args)
        self.inputs, self.input_names = phs, names
        self.outputs = list(out) if isinstance(out, (list, tuple)) else [out]
        self.output_names = ["output_%d" % (i + 1) for i in range(len(self.outputs))]
        self.built = True
        self._load_initial_weights()

    def _ensure_built(self, x_arrays):
        if not self.outputs:  # a subclassed model called on tensors is built but has no inputs of its own
            if x_arrays is None:
                raise ValueError("Model %s is not built yet: call fit/predict with data, or build it first."
                                 % self.name)
            self._build_from_arrays(x_arrays)

    # ---- compile -------------------------------------------------------------------
    def compile(self, optimizer, loss=None, metrics=None, loss_weights=None, sample_weight_mode=None,
                weighted_metrics=None, target_tensors=None, **kwargs):
        """Configures training. The graph parts are built when first needed (the model may not be built yet).

        Args:
            optimizer: a name ("adam", "sgd", "rmsprop", "adagrad", "momentum"), a
                ``kf.keras.optimizers`` optimizer, or a ``kf.train`` optimizer.
            loss: a name ("categorical_crossentropy", "mse", "huber", ...), a callable(y_true, y_pred), or a
                list/dict of those, one per output.
            metrics: e.g. ["accuracy"] or ["acc", "mae", my_fn]; a dict by output name for several outputs.
            loss_weights: a list/dict of per-output loss weights.
            weighted_metrics: metrics averaged with the sample/class weights, as the loss is (logged as
                "weighted_<name>", as in tf.keras 1.x).
            sample_weight_mode: None, or "temporal" (a list/dict per output) for weights per sample and time
                step: ``sample_weight`` of shape (samples, timesteps) against a (samples, timesteps, ...) output.
            target_tensors: tensors (one, a list, or a dict by output name) that are the targets, instead of
                arrays fed as ``y`` (e.g. labels read from a queue or an iterator); ``fit`` then takes ``y=None``.
        """
        self.optimizer = optimizers.get(optimizer)
        self.loss = loss
        self._compile_args = dict(loss=loss, metrics=metrics, loss_weights=loss_weights,
                                  weighted_metrics=weighted_metrics, custom_objects=kwargs.pop("custom_objects", None),
                                  sample_weight_mode=sample_weight_mode, target_tensors=target_tensors)
        self._compiled = None
        self._functions = {}
        self._step_metrics = None
        # Keras's rule: `trainable` counts when compile runs. A GAN compiles D, sets D.trainable = False, then
        # compiles the combined model: D still trains its own weights, the combined model only G's.
        self._frozen_at_compile = (list(self.trainable_weights), list(self.updates)) if self.built else None

    def _compile_graph(self):
        if self._compile_args is None:
            raise RuntimeError("You must compile your model before training/testing. Use `model.compile(optimizer,"
                               " loss)`.")
        if self._compiled is None:
            self._compiled = CompiledLoss(self, target_shapes=self.__dict__.get("_target_shapes"),
                                          **self._compile_args)
        return self._compiled

    def _note_target_shapes(self, y):
        """Remembers the labels' shapes before the loss is built: "accuracy" resolves from them (tf.keras 2)."""
        if self._compiled is not None or self._compile_args is None or y is None or not self.outputs:
            return
        names = target_names(self, self._compile_args["loss"])
        try:
            ys = data.flatten_to(names, y, "target")
        except (ValueError, TypeError, KeyError):
            return  # the real error comes with the batches
        self._target_shapes = {n: tuple(np.shape(t)) for n, t in zip(names, ys)}

    @property
    def metrics(self):
        """The model's metric objects: those given to compile (for a custom step, all compile metrics and the
        "loss" tracker), then metrics assigned as attributes (``self.loss_tracker = Mean(...)``)."""
        found = list(self.__dict__.get("_step_metrics") or [])
        if self._compiled is not None:
            found += self._compiled.metric_objects
        found += [v for k, v in self.__dict__.items() if isinstance(v, metrics_mod.Metric) and not k.startswith("_")]
        return list({id(m): m for m in found}.values())

    def reset_metrics(self):
        """Resets the state of the model's metric objects (``fit`` does it at each epoch, ``evaluate`` first)."""
        for m in self.metrics:
            m.reset_state()

    @property
    def metrics_names(self):
        if self._custom_steps():
            return [m.name for m in self.metrics]
        return self._compile_graph().metrics_names if self.outputs and self._compile_args else ["loss"]

    def _function(self, kind):
        """The cached ``K.function`` "train", "test" or "predict" (built, with its variables, once)."""
        fn = self._functions.get(kind)
        if fn is not None:
            return fn
        if kind == "predict":
            fn = K.function(self.inputs, self.outputs)
        else:
            c = self._compile_graph()
            feeds = self.inputs + c.targets + c.sample_weights
            fetches = [c.total_loss] + c.metrics_tensors
            if kind == "train":
                _claim(self.optimizer, self)
                trainable, updates = self._frozen_at_compile or (self.trainable_weights, self.updates)
                with self._graph.as_default():
                    update = self.optimizer.get_updates(c.total_loss, trainable)
                fn = K.function(feeds, fetches, updates=[update] + _fed_by(updates, feeds),
                                feed_dict={K.learning_phase(self._graph): True})
            else:
                fn = K.function(feeds, fetches)
        self._load_initial_weights()
        self._functions[kind] = fn
        return fn

    # ---- custom steps -------------------------------------------------------------------
    def train_step(self, data):
        """One training step on batch tensors ``data`` = ``(x, y)`` or ``(x, y, sample_weight)``; returns a dict
        ``{name: tensor}`` logged each batch. Override it (and ``test_step``) for a custom loop: ``fit`` builds it
        once on placeholders and runs what it built per batch (see ``custom_steps``)."""
        return custom_steps.default_train_step(self, data)

    def test_step(self, data):
        """One evaluation step (as ``train_step``, without updating the weights)."""
        return custom_steps.default_test_step(self, data)

    def predict_step(self, data):
        """The outputs for batch tensors ``data`` (``x``)."""
        return custom_steps.default_predict_step(self, data)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None):
        """The compiled loss of ``y_pred`` against ``y`` plus the model's own losses (for custom steps)."""
        return custom_steps.compute_loss(self, y, y_pred, sample_weight)

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        """Updates the compiled metrics with a batch; returns ``{name: result}`` (for custom steps)."""
        return custom_steps.compute_metrics(self, x, y, y_pred, sample_weight)

    def _custom_steps(self):
        cls = type(self)
        return cls.train_step is not Model.train_step or cls.test_step is not Model.test_step

    def _step(self, kind, batches):
        """``(fn, log names, stateful names)`` of the "train"/"test"/"predict" step."""
        custom = self._custom_steps() if kind != "predict" else type(self).predict_step is not Model.predict_step
        if not custom:
            fn = self._function(kind)
            c = self._compiled
            return fn, (c.metrics_names if c else None), (c.stateful_names if c else ())
        layout = getattr(self, "_step_layout", None) if kind != "predict" else (len(self.inputs), 0, 0, False)
        self._step_layout = layout
        key = (kind, layout)
        entry = self._functions.get(key)
        if entry is None:
            if kind == "train":
                if self.optimizer is None:
                    raise RuntimeError("You must compile your model before training. Use `model.compile(optimizer)`.")
                _claim(self.optimizer, self)
            entry = self._functions[key] = custom_steps.build_step(self, kind, batches.example)
            self._load_initial_weights()
        fn, names = entry
        return fn, names, tuple(names or ())

    # ---- data -----------------------------------------------------------------------
    def _batches(self, x, y=None, sample_weight=None, class_weight=None, batch_size=None, shuffle=False,
                 steps=None, with_targets=True, shard=False):
        """Batches over inputs (+ targets + sample weights), building the model first if needed.

        ``shard``: in a multi-process run, this rank's share only (see ``data_adapter.shard_for_rank``)."""
        if shard:
            x = data.shard_source(x)
        custom = with_targets and self._custom_steps()
        if data.is_iterable_source(x):
            if y is not None:
                raise ValueError("`y` must be None when `x` is a Dataset, generator or iterator (it yields both).")
            source, first = data.peek(x)
            self._ensure_built(self._unpack_element(first, with_targets, build=True))
            if custom:  # the step gets each element's (x, y, sample_weight) as it comes
                example, self._step_layout = custom_steps.element_arrays(self, first)
                return data.IterableBatches(source, lambda e: custom_steps.element_arrays(self, e)[0], steps, example)
            if with_targets and isinstance(first, (tuple, list)) and len(first) in (2, 3):
                self._note_target_shapes(first[1])
            if with_targets:
                self._compile_graph()
            return data.IterableBatches(source, lambda e: self._unpack_element(e, with_targets, class_weight), steps)
        x_arrays = data.flatten_to(self.input_names or _names_for(x), x, "input")
        self._ensure_built(x_arrays)
        arrays = x_arrays
        if custom:
            ys, y_is_list = custom_steps.flat_targets(y)
            ws, _ = custom_steps.flat_targets(sample_weight)
            self._step_layout = (len(x_arrays), len(ys), len(ws), y_is_list)
            arrays = arrays + ys + ws
        elif with_targets:
            self._note_target_shapes(y)
            if y is None and self._compile_graph().targets:
                raise ValueError("Training and evaluation need targets `y` (or a Dataset yielding (x, y)).")
            arrays = arrays + self._target_arrays(y) + self._weight_arrays(y, sample_weight, class_weight)
        if shard:
            arrays = data.shard_arrays(arrays)
        return data.ArrayBatches(arrays, batch_size or 32, shuffle, steps)

    def _target_arrays(self, y):
        c = self._compile_graph()
        ys = data.flatten_to(c.fed_target_names, y, "target") if c.targets else []
        for i, (t, index) in enumerate(zip(ys, c.fed)):
            if t.ndim == 1 and self.outputs[index].shape.ndims == 2 and not c.is_sparse(index):
                ys[i] = t.reshape(-1, 1)  # Keras accepts (N,) targets for (N, 1) outputs
        return ys

    def _weight_arrays(self, y, sample_weight, class_weight):
        names = self._compile_graph().target_names
        n_out = len(names)
        if sample_weight is not None and n_out:
            return [None if w is None else np.asarray(w, np.float32)
                    for w in data.flatten_to(names, sample_weight, "sample_weight")]
        if class_weight is not None and n_out:
            ys = data.flatten_to(names, y, "target")
            cws = [class_weight.get(n) for n in names] if any(
                n in class_weight for n in names) else [class_weight] * n_out
            return [None if cw is None else data.class_weights_for(t, cw) for t, cw in zip(ys, cws)]
        return [None] * n_out

    def _unpack_element(self, element, with_targets, class_weight=None, build=False):
        """One Dataset/generator element as arrays in feed order."""
        if not isinstance(element, (tuple, list)) or len(element) not in (1, 2, 3) or (
                not with_targets and len(element) == len(self.inputs) > 1):
            x, rest = element, ()
        else:
            x, rest = element[0], tuple(element[1:])
        x_arrays = data.flatten_to(self.input_names or _names_for(x), x, "input")
        if build or not with_targets:
            return x_arrays
        if not rest and self._compile_graph().targets:
            raise ValueError("Training/evaluating on a Dataset or generator needs elements (x, y) or (x, y, "
                             "sample_weight); got a single value.")
        y = rest[0] if rest else None
        weights = rest[1] if len(rest) > 1 else None
        return x_arrays + self._target_arrays(y) + self._weight_arrays(y, weights, class_weight)

    # ---- training and inference --------------------------------------------------------
    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose=1, callbacks=None, validation_split=0.0,
            validation_data=None, shuffle=True, class_weight=None, sample_weight=None, initial_epoch=0,
            steps_per_epoch=None, validation_steps=None, **kwargs):
        """Trains for ``epochs - initial_epoch`` epochs; returns the ``History``.

        ``x``/``y`` are arrays (or lists/dicts of arrays for several inputs/outputs), or ``x`` is a
        ``kf.data.Dataset`` / generator of ``(x, y)`` batches (then give ``steps_per_epoch`` for an
        infinite one). ``verbose``: 0 silent, 1 progress bar, 2 one line per epoch.
        """
        if kwargs:
            raise TypeError("Unrecognized keyword arguments: %s" % sorted(kwargs))
        if validation_split and validation_data is None:
            if data.is_iterable_source(x):
                raise ValueError("validation_split is not supported for a Dataset or generator input; pass "
                                 "validation_data instead.")
            x, y, sample_weight, validation_data = self._split(x, y, sample_weight, validation_split)
        # In a multi-process (kflow.distribute) run each rank trains on its shard, validation metrics are
        # averaged over the ranks, and only rank 0 shows progress and writes files (checkpoints, TensorBoard).
        batches = self._batches(x, y, sample_weight, class_weight, batch_size, shuffle, steps_per_epoch, shard=True)
        batches.lockstep = True  # ranks average gradients every step: they must all run the same steps
        step, names, stateful = self._step("train", batches)
        validate = None
        if validation_data is not None:
            val_batches = self._validation_batches(validation_data, batch_size, validation_steps)
            val_count = getattr(val_batches, "samples", None)  # None for a Dataset: ranks weigh the same
            validate = lambda: process_world.average_logs(  # noqa: E731
                self._run_test(val_batches, prefix="val_"), 1 if val_count is None else val_count,
                ["val_" + n for n in names])
        if not process_world.is_chief():
            verbose = 0
            callbacks = [cb for cb in callbacks or [] if not getattr(cb, "writes_files", False)]
        history = History()
        params = {"batch_size": batch_size, "epochs": epochs, "steps": _steps_of(batches), "verbose": verbose,
                  "samples": getattr(batches, "samples", None), "do_validation": validate is not None,
                  "metrics": names + (["val_" + n for n in names] if validate is not None else [])}
        # History goes last so it records what other callbacks add to the logs (e.g. "lr"), as in Keras.
        cbs = CallbackList(([ProgbarLogger()] if verbose else []) + list(callbacks or []) + [history],
                           model=self, params=params)
        ema = getattr(self.optimizer, "use_ema", False)
        fit_loop(self, step, names, batches, epochs, initial_epoch, cbs, validate, stateful,
                 finish=(lambda: optimizers.finalize_ema(self.optimizer)) if ema else None)
        history.epoch_timings = self.epoch_timings
        self.history = history
        return history

    def _split(self, x, y, sample_weight, fraction):
        x_arrays = data.flatten_to(self.input_names or _names_for(x), x, "input")
        y_arrays = data.flatten_to(self.output_names or _names_for(y), y, "target") if y is not None else []
        n_x, n_y = len(x_arrays), len(y_arrays)
        sw = [] if sample_weight is None else data.flatten_to(self.output_names or _names_for(y), sample_weight,
                                                              "sample_weight")
        train, val = data.split_validation(x_arrays + y_arrays + sw, fraction)
        pack = lambda a: (a[0] if len(a) == 1 else a) if a else None  # noqa: E731
        val_data = (pack(val[:n_x]), pack(val[n_x:n_x + n_y])) + ((pack(val[n_x + n_y:]),) if sw else ())
        return pack(train[:n_x]), pack(train[n_x:n_x + n_y]), (pack(train[n_x + n_y:]) if sw else None), val_data

    def _validation_batches(self, validation_data, batch_size, steps):
        if data.is_iterable_source(validation_data):
            return self._batches(validation_data, steps=steps, shard=True)
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) not in (2, 3):
            raise ValueError("validation_data must be (x_val, y_val), (x_val, y_val, val_sample_weights) or a "
                             "Dataset; got %r." % type(validation_data).__name__)
        weights = validation_data[2] if len(validation_data) == 3 else None
        return self._batches(validation_data[0], validation_data[1], weights, batch_size=batch_size, shard=True)

    def _run_test(self, batches, prefix="", callbacks=None):
        step, names, stateful = self._step("test", batches)
        self.reset_metrics()
        logs = test_loop(step, names, batches, _callbacks(callbacks, self), stateful)
        return {prefix + k: v for k, v in logs.items()}

    def evaluate(self, x=None, y=None, batch_size=None, verbose=0, sample_weight=None, steps=None, callbacks=None):
        """Returns the loss (a float) or ``[loss, metric, ...]`` (see ``metrics_names``)."""
        batches = self._batches(x, y, sample_weight, batch_size=batch_size, steps=steps)
        logs = self._run_test(batches, callbacks=callbacks)
        names = list(logs)
        values = [logs[n] for n in names]
        if verbose:
            print(" - ".join("%s: %.4f" % (n, v) for n, v in zip(names, values)))
        return values[0] if len(values) == 1 else values

    def predict(self, x, batch_size=None, verbose=0, steps=None, callbacks=None):
        """Returns the outputs for ``x`` (an array, or a list with one array per output)."""
        batches = self._batches(x, batch_size=batch_size, steps=steps, with_targets=False)
        outs = predict_loop(self._step("predict", batches)[0], batches, len(self.outputs), _callbacks(callbacks, self))
        return outs[0] if len(outs) == 1 else outs

    def train_on_batch(self, x, y, sample_weight=None, class_weight=None):
        """One update on one batch; returns the loss or ``[loss, metrics...]`` (before the update)."""
        batches = self._batches(x, y, sample_weight, class_weight, batch_size=data.WHOLE)
        return _scalar_or_list(self._step("train", batches)[0](next(batches.epoch(0))[0]))

    def test_on_batch(self, x, y, sample_weight=None):
        batches = self._batches(x, y, sample_weight, batch_size=data.WHOLE)
        return _scalar_or_list(self._step("test", batches)[0](next(batches.epoch(0))[0]))

    def predict_on_batch(self, x):
        batches = self._batches(x, batch_size=data.WHOLE, with_targets=False)
        outs = self._step("predict", batches)[0](next(batches.epoch(0))[0])
        return outs[0] if len(outs) == 1 else list(outs)

    # Keras 2 generator spellings: the same loops (a generator is just another input source).
    def fit_generator(self, generator, steps_per_epoch=None, epochs=1, verbose=1, callbacks=None,
                      validation_data=None, validation_steps=None, class_weight=None, initial_epoch=0, **kwargs):
        return self.fit(generator, steps_per_epoch=steps_per_epoch, epochs=epochs, verbose=verbose,
                        callbacks=callbacks, validation_data=validation_data, validation_steps=validation_steps,
                        class_weight=class_weight, initial_epoch=initial_epoch)

    def evaluate_generator(self, generator, steps=None, callbacks=None, verbose=0, **kwargs):
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(self, generator, steps=None, callbacks=None, verbose=0, **kwargs):
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    # ---- saving --------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, include_optimizer=True):
        """One HDF5 file: model config (JSON), weights, training config and optimizer state."""
        saving.save_model(self, filepath, overwrite, include_optimizer)

    def save_weights(self, filepath, overwrite=True, save_format=None):
        saving.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath, by_name=False):
        saving.load_weights(self, filepath, by_name)

    def _layer_output_shape(self, layer):
        if hasattr(self, "_nodes"):  # functional: from the recorded call
            return functional.output_shape(self, layer)
        return super()._layer_output_shape(layer)

    def get_config(self):
        return functional.get_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional.from_config(cls, config, custom_objects)

    def to_json(self, **kwargs):
        return saving.model_to_json(self, **kwargs)


def _claim(optimizer, model):
    """Binds ``optimizer`` to ``model``: its step count and slots are one model's (recompiling keeps them)."""
    owner = getattr(optimizer, "_keras_model", None)
    owner = owner() if owner is not None else None
    if owner is not None and owner is not model:
        raise RuntimeError("This %s is already used by model %s: create one optimizer per model (model %s)."
                           % (type(optimizer).__name__, owner.name, model.name))
    optimizer._keras_model = weakref.ref(model)


def _fed_by(updates, feeds):
    """The updates computable from ``feeds``: a layer shared with another model (a nested model's own call
    on its own Input) has moving-average updates of that call too, which this model does not run (as Keras's
    ``get_updates_for(inputs)``)."""
    fed = {t.op for t in feeds}
    good, kept = set(), []
    for update in updates:
        stack, seen, unfed = [getattr(update, "op", update)], set(), False
        while stack:  # the update's ancestors, up to the feeds: any other placeholder means unfed
            op = stack.pop()
            if op in seen or op in good or op in fed:
                continue
            seen.add(op)
            if op.type == "Placeholder":
                unfed = True
                break
            stack.extend(t.op for t in op.inputs)
            stack.extend(op.control_inputs)
        if not unfed:
            good |= seen
            kept.append(update)
    return kept


def _callbacks(callbacks, model):
    return CallbackList(callbacks, model=model) if callbacks else None


def _names_for(x):
    if isinstance(x, dict):
        return sorted(x)
    if isinstance(x, (list, tuple)):
        return ["input_%d" % (i + 1) for i in range(len(x))]
    return ["input_1"]


def _steps_of(batches):
    return batches.steps


def _scalar_or_list(values):
    values = [float(v) for v in values]
    return values[0] if len(values) == 1 else values
