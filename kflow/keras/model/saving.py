"""Keras model files (HDF5): ``model.save`` / ``load_model`` and ``save_weights`` / ``load_weights``.

Layout, as Keras writes it (readable with plain h5py):

* root attributes ``model_config`` (JSON: class name + config), ``training_config`` (JSON:
  optimizer config, loss, metrics, loss weights), ``keras_version``, ``backend``;
* group ``model_weights``: attribute ``layer_names``; one group per layer with attribute
  ``weight_names`` and one dataset per weight (named by the weight, e.g. "dense/kernel:0");
* group ``optimizer_weights``: attribute ``weight_names`` and one dataset per name, in order
  (iterations, then the slots), so training continues exactly where it stopped.

Keras's own ``load_model`` reads kflow's files, and kflow reads files written by tf.keras 2 and by Keras 3's
``model.save("m.h5")`` (their layer configs are translated by ``keras_format``).

Files are written to a temporary file and moved into place, so a crash never leaves a torn file;
a failed write raises ``kf.errors.FileWriteError`` (an OSError naming the file and the cause). A
damaged file raises ``kf.errors.DataLossError`` naming it. Models with ``Lambda`` layers load only
with ``safe_mode=False`` (a Lambda layer runs code the file names), as in Keras 3.

Example:
    >>> model.save("mnist.h5")
    >>> same = kf.keras.models.load_model("mnist.h5", custom_objects={"MyLayer": MyLayer})
"""
import contextlib
import json
import os
import warnings

import numpy as np

from kflow.version import __version__
from kflow import errors
from kflow.keras import losses as losses_mod
from kflow.keras import metrics as metrics_mod
from kflow.keras import optimizers as optimizers_mod
from kflow.keras.model import keras_format
from kflow.layers.safe_mode import safe_mode_scope
from kflow.atomic_file import atomic_write
from kflow.train.checkpoint_file import array_checksum
from kflow.lazy_import import lazy_module

h5py = lazy_module("h5py")  # imported on the first save or load, not by `import kflow`
from kflow.layers.serialization import deserialize_layer


def _atomic_h5(filepath, overwrite, write):
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError("%s exists and overwrite=False" % filepath)
    with atomic_write(filepath) as tmp:
        with h5py.File(tmp, "w") as f:
            write(f)


@contextlib.contextmanager
def _reading(filepath):
    """Opens a model file; h5py's errors for a damaged file become a DataLossError naming it."""
    filepath = os.fspath(filepath)
    if not os.path.isfile(filepath):
        raise errors.NotFoundError(None, None, "No file found at %s (load_model / load_weights)" % filepath)
    try:
        f = h5py.File(filepath, "r")
    except Exception as e:  # e.g. "file signature not found" for a truncated file
        raise errors.DataLossError(None, None, "%s: cannot open the model file (damaged or not HDF5): %s"
                                   % (filepath, e)) from e
    try:
        with f:
            yield f
    except (OSError, RuntimeError, KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as e:
        # h5py and json report a damaged file as any of these
        raise errors.DataLossError(None, None, "%s: damaged model file (%s: %s)" % (filepath, type(e).__name__, e)) \
            from e


def _text(value):
    return value.decode("utf8") if isinstance(value, bytes) else value


def _set_attr(group, name, strings):
    group.attrs[name] = np.array([s.encode("utf8") for s in strings], dtype="S") if strings else np.zeros(
        (0,), "S1")


def _get_attr(group, name):
    return [s.decode("utf8") if isinstance(s, bytes) else str(s) for s in group.attrs.get(name, [])]


def _write_checked(group, name, value):
    """Stores a weight with a ``crc32c`` attribute over its path in the file, dtype, shape and bytes."""
    dataset = group.create_dataset(name, data=np.asarray(value))
    dataset.attrs["crc32c"] = array_checksum(dataset.name, np.asarray(value))


def _read_checked(dataset):
    """A weight's value; its CRC-32C, when the file has one (Keras's own files do not), must match."""
    value = dataset[()]
    stored = dataset.attrs.get("crc32c")
    if stored is not None and int(np.asarray(stored).reshape(-1)[0]) != int(array_checksum(dataset.name, value)):
        raise errors.DataLossError(None, None, "%s: damaged model file: weight %s fails its CRC-32C check"
                                   % (dataset.file.filename, dataset.name))
    return value


# ---- weights ---------------------------------------------------------------------------
def _layers_with_weights(model):
    return [layer for layer in model.layers if getattr(layer, "weights", [])]


def save_weights_to_group(group, model):
    layers = model.layers
    _set_attr(group, "layer_names", [layer.name for layer in layers])
    group.attrs["backend"] = "kflow"
    group.attrs["keras_version"] = __version__
    for layer in layers:
        g = group.create_group(layer.name)
        weights = list(getattr(layer, "weights", []))
        _set_attr(g, "weight_names", [w.name for w in weights])
        values = model.session.run(tuple(weights)) if weights else ()
        for w, v in zip(weights, values):
            _write_checked(g, w.name, v)


def load_weights_from_group(group, model, by_name=False):
    saved = [name for name in _get_attr(group, "layer_names") if _get_attr(group[name], "weight_names")]
    if by_name:
        pairs = [(layer, group[layer.name]) for layer in _layers_with_weights(model) if layer.name in saved]
    else:
        layers = _layers_with_weights(model)
        if len(layers) != len(saved):
            raise ValueError("You are trying to load a weight file containing %d layers with weights into a model "
                             "with %d layers with weights (saved: %s; model: %s)."
                             % (len(saved), len(layers), saved, [l.name for l in layers]))
        pairs = [(layer, group[name]) for layer, name in zip(layers, saved)]
    sess = model.session
    for layer, g in pairs:
        names = _get_attr(g, "weight_names")
        weights = list(layer.weights)
        if len(names) != len(weights):
            raise ValueError("Layer %s expects %d weights, but the saved weights (layer %s) have %d."
                             % (layer.name, len(weights), g.name, len(names)))
        for w, n in zip(weights, names):
            value = _read_checked(g[n])
            if tuple(w.shape.as_list()) != value.shape:
                raise ValueError("Layer %s weight %s has shape %s; the saved weight %s has shape %s."
                                 % (layer.name, w.name, tuple(w.shape.as_list()), n, value.shape))
            w.load(value, sess)


def save_weights(model, filepath, overwrite=True):
    """Saves all layer weights (HDF5)."""
    _atomic_h5(filepath, overwrite, lambda f: save_weights_to_group(f, model))


def load_weights(model, filepath, by_name=False):
    """Loads weights saved by ``save_weights`` or ``save`` (topological order, or by layer name)."""
    with _reading(filepath) as f:
        load_weights_from_group(f["model_weights"] if "model_weights" in f else f, model, by_name)


# ---- whole model -----------------------------------------------------------------------
def model_to_json(model, **kwargs):
    return json.dumps({"class_name": type(model).__name__, "config": model.get_config(),
                       "keras_version": __version__, "backend": "kflow"}, default=_json_default, **kwargs)


def _json_default(obj):
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if hasattr(obj, "name") and hasattr(obj, "as_numpy_dtype"):  # a kflow DType
        return obj.name
    if callable(obj) and hasattr(obj, "__name__"):
        return obj.__name__
    raise TypeError("Not JSON serializable: %r" % (obj,))


def _serialize_fns(value, serialize):
    if isinstance(value, dict):
        return {k: _serialize_fns(v, serialize) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_serialize_fns(v, serialize) for v in value]
    return value if value is None or isinstance(value, str) else serialize(value)


def _canonical_losses(value):
    """Loss aliases under their full names ("mse" -> "mean_squared_error"): Keras 3 reads only those."""
    if isinstance(value, dict):
        return {k: _canonical_losses(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical_losses(v) for v in value]
    if isinstance(value, str) and value in losses_mod.FUNCTIONS:
        return losses_mod.FUNCTIONS[value].__name__
    return value


def _deserialize_fns(value, module, custom_objects):
    """The inverse of ``_serialize_fns``: loss/metric objects come back from their ``{class_name, config}``;
    names stay names (compile resolves them)."""
    if isinstance(value, dict):
        if "class_name" in value and "config" in value:
            return module.deserialize(value, custom_objects)
        return {k: _deserialize_fns(v, module, custom_objects) for k, v in value.items()}
    if isinstance(value, list):
        return [_deserialize_fns(v, module, custom_objects) for v in value]
    return value


def save_model(model, filepath, overwrite=True, include_optimizer=True):
    """Writes config + weights (+ training config and optimizer state) to one HDF5 file."""
    try:
        model_json = model_to_json(model)
    except NotImplementedError as e:
        raise NotImplementedError("%s Save the weights with model.save_weights(path) instead." % e) from None
    args = model._compile_args

    def write(f):
        f.attrs["keras_version"] = __version__
        f.attrs["backend"] = "kflow"
        f.attrs["model_config"] = model_json
        save_weights_to_group(f.create_group("model_weights"), model)
        if not include_optimizer or args is None or model.optimizer is None:
            return
        if isinstance(model.optimizer, optimizers_mod.TFOptimizer):
            warnings.warn("A raw kf.train optimizer cannot be saved; the file holds no optimizer state.")
            return
        f.attrs["training_config"] = json.dumps({
            "optimizer_config": optimizers_mod.serialize(model.optimizer),
            "loss": _serialize_fns(_canonical_losses(args["loss"]), losses_mod.serialize),
            "metrics": _serialize_fns(args["metrics"], metrics_mod.serialize),
            "weighted_metrics": _serialize_fns(args.get("weighted_metrics"), metrics_mod.serialize),
            "loss_weights": args["loss_weights"], "sample_weight_mode": args.get("sample_weight_mode")},
            default=_json_default)
        weights = model.optimizer.weights
        if weights:
            g = f.create_group("optimizer_weights")
            _set_attr(g, "weight_names", [w.name for w in weights])
            for w, value in zip(weights, model.optimizer.get_weights()):  # at their names, as tf.keras 2 writes
                _write_checked(g, w.name, value)

    _atomic_h5(filepath, overwrite, write)


def model_from_config(config, custom_objects=None, safe_mode=True):
    """Rebuilds a model (Sequential or functional; models are layers) from ``{"class_name", "config"}``.

    ``safe_mode=False`` allows Lambda layers (whose functions come from ``custom_objects``).
    """
    with safe_mode_scope(safe_mode):
        return deserialize_layer(config, custom_objects)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    return model_from_config(json.loads(json_string), custom_objects, safe_mode)


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """Loads a model saved by ``model.save``: architecture, weights and, with ``compile``, optimizer state.

    Args:
      filepath: the HDF5 file.
      custom_objects: dict of custom layers, losses, metrics and Lambda functions, by name.
      compile: also restore the optimizer, loss and metrics.
      safe_mode: refuse Lambda layers (they run code the file names); pass False for a trusted file.

    Raises:
      kflow.errors.DataLossError: the file is damaged (truncated, a checksum), naming it.
      ValueError: an unknown layer class, or a Lambda layer in safe mode.
    """
    with _reading(filepath) as f:
        if "model_config" not in f.attrs:
            raise ValueError("No model found in config file %s (was it written by save_weights?)." % filepath)
        config = json.loads(f.attrs["model_config"])
        if _text(f.attrs.get("backend")) != "kflow":  # written by Keras: its configs in kflow's form
            config = keras_format.to_kflow(config, custom_objects)
        model = model_from_config(config, custom_objects, safe_mode)
        load_weights_from_group(f["model_weights"], model)
        training_config = f.attrs.get("training_config")
        if not compile or training_config is None:
            return model
        tc = json.loads(training_config)
        model.compile(optimizer=optimizers_mod.deserialize(tc["optimizer_config"], custom_objects),
                      loss=_deserialize_fns(tc["loss"], losses_mod, custom_objects),
                      metrics=_deserialize_fns(tc["metrics"], metrics_mod, custom_objects),
                      loss_weights=tc["loss_weights"],
                      weighted_metrics=_deserialize_fns(tc.get("weighted_metrics"), metrics_mod, custom_objects),
                      sample_weight_mode=tc.get("sample_weight_mode"), custom_objects=custom_objects)
        if "optimizer_weights" in f:
            restore_optimizer_weights(f["optimizer_weights"], model, filepath)
    return model


def load_optimizer_state(model, filepath):
    """Restores the compiled ``model``'s optimizer state from a model file, if it holds one."""
    with _reading(filepath) as f:
        return "optimizer_weights" in f and restore_optimizer_weights(f["optimizer_weights"], model, filepath)


def restore_optimizer_weights(g, model, filepath):
    """Sets the compiled ``model``'s optimizer state from the ``optimizer_weights`` group ``g`` of a model file
    (a warning, and nothing restored, when the saved weights do not fit). Returns whether it was restored."""
    names = _get_attr(g, "weight_names")
    model._function("train")  # creates the optimizer's slots
    # Matched by order and shape, as Keras does: names differ when the saved model was recompiled
    # (its slots were then uniquified, "dense/kernel/Adam_2").
    # kflow's first files stored them as "0", "1", ...; tf.keras 2 (and kflow now) at their names
    keys = [str(i) for i in range(len(names))] if names and "0" in g else names
    values = [_read_checked(g[k]) for k in keys]
    own = model.optimizer.weights
    if [v.shape for v in values] != [tuple(w.shape.as_list()) for w in own]:
        warnings.warn("Optimizer weights in %s (%s) do not match the model's (%s); optimizer state not "
                      "restored." % (filepath, names, [w.name for w in own]), RuntimeWarning)
        return False
    model.optimizer.set_weights(values)
    return True
