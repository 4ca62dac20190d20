"""The ``Layer`` base class (Keras style, TF1 ``tf.layers`` scoping).

``__init__`` stores config; ``build(input_shape)`` creates weights with ``add_weight``
(``get_variable`` under the layer's variable scope, so weights are named "dense/kernel:0");
``call(inputs, **kwargs)`` computes. ``__call__`` builds once, on first use, and later calls
reuse the same weights. Ops go to the layer's name scope ("dense/MatMul").

Example:
    >>> class Scale(Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_weight("w", [int(input_shape[-1])], initializer="ones")
    ...         super().build(input_shape)
    ...     def call(self, inputs):
    ...         return inputs * self.w
    >>> layer = Scale()
    >>> y1, y2 = layer(x1), layer(x2)     # one weight "scale/w:0", shared
"""
import inspect

import numpy as np

from kflow.engine import dtypes, graph as graph_mod, graph_session
from kflow.engine.graph import GraphKeys
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow import initializers
from kflow.layers import naming, regularizers, variable_scope as vs
from kflow.layers.floatx import floatx
from kflow.layers.node import Node, flatten as _flatten, map_structure
from kflow.layers.variable_store import apply_regularizer

_ALLOWED_KWARGS = {"input_shape", "batch_input_shape", "batch_size", "weights", "activity_regularizer",
                   "_scope", "_reuse", "autocast", "input_dim", "dynamic"}


class Layer:
    """Base class of layers.

    Args:
        trainable: whether the layer's weights are trained (go to TRAINABLE_VARIABLES).
        name: the layer name and variable scope (default: snake_case of the class, uniquified).
        dtype: the dtype of the weights (default: the first input's dtype, else ``floatx()``, float32 unless set).
        activity_regularizer: optional ``f(outputs) -> loss`` added to the layer's losses.
        input_shape / batch_input_shape: the expected input (used by Keras models as their first layer).
    """

    def __init__(self, trainable=True, name=None, dtype=None, **kwargs):
        unknown = set(kwargs) - _ALLOWED_KWARGS
        if unknown:
            raise TypeError("Keyword argument not understood by %s: %s" % (type(self).__name__, sorted(unknown)))
        object.__setattr__(self, "_layers", [])
        self.trainable = trainable
        self.built = False
        self._dtype = None if dtype is None else dtypes.as_dtype(dtype)
        self._trainable_weights = []
        self._non_trainable_weights = []
        self._losses = []
        self._updates = []
        self._inbound_nodes = []
        self.input_spec = None
        self.supports_masking = False
        self._activity_regularizer = kwargs.get("activity_regularizer")
        self._initial_weights = kwargs.get("weights")
        self._pending_initial_weights = None
        self._batch_input_shape = _batch_input_shape(kwargs)
        self._reuse = kwargs.get("_reuse")
        self._auto_named = not name
        self._base_name = name or naming.to_snake_case(type(self).__name__)
        self._name = name or naming.unique_layer_name(self._base_name)
        self._scope = None
        if kwargs.get("_scope") is not None:  # the functional form: a fixed (not uniquified) variable scope
            with vs.variable_scope(kwargs["_scope"]) as captured:
                self._scope = captured

    # ---- identity and config -------------------------------------------------------------
    @property
    def name(self):
        return self._name

    @property
    def dtype(self):
        return self._dtype.name if self._dtype is not None else None

    @property
    def scope_name(self):
        if self._scope is None:
            raise ValueError("No name available for layer scope because the layer \"%s\" has not been used yet."
                             % self._name)
        return self._scope.name

    def get_config(self):
        """Constructor arguments; ``type(layer).from_config(layer.get_config())`` makes an equivalent layer."""
        config = {"name": self._name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    # ---- building ---------------------------------------------------------------------------
    def build(self, input_shape):
        """Creates the weights (override, then call ``super().build(input_shape)`` or set ``self.built``)."""
        self.built = True

    def call(self, inputs, **kwargs):
        """The computation (override). The base layer is the identity."""
        return inputs

    def compute_mask(self, inputs, mask=None):
        """The mask of the outputs: layers that support masking pass the input mask on; others drop it."""
        return mask if self.supports_masking else None

    def compute_output_shape(self, input_shape):
        """The output shape for ``input_shape`` (override in layers that change shapes)."""
        raise NotImplementedError("%s does not implement compute_output_shape" % type(self).__name__)

    def add_weight(self, name, shape=None, dtype=None, initializer=None, regularizer=None, trainable=True,
                   constraint=None, partitioner=None, use_resource=None, getter=None, **kwargs):
        """Creates (or, when the layer is reused, finds) weight "<layer scope>/<name>" via ``get_variable``.

        ``initializer`` and ``regularizer`` may be objects or names ("zeros", "glorot_uniform", "l2").
        A regularizer's loss goes to ``self.losses`` and ``GraphKeys.REGULARIZATION_LOSSES``.
        """
        dtype = dtypes.as_dtype(dtype or self._dtype or floatx())
        initializer = initializers.get(initializer)
        regularizer = regularizers.get(regularizer)
        trainable = bool(trainable) and self.trainable
        self._set_scope()
        existing = set(id(v) for v in graph_mod.get_collection(GraphKeys.GLOBAL_VARIABLES))
        with vs.variable_scope(self._scope, reuse=True if self.built else self._reuse,
                               auxiliary_name_scope=False), \
                graph_mod.get_default_graph().name_scope(self._scope.original_name_scope):
            variable = (getter or vs.get_variable)(name, shape=shape, dtype=dtype, initializer=initializer,
                                                   trainable=trainable, constraint=constraint,
                                                   partitioner=partitioner)
        if regularizer is not None and id(variable) not in existing:
            loss = apply_regularizer(variable, regularizer)
            if loss is not None:
                self._losses.append(loss)
        if not any(v is variable for v in self._trainable_weights + self._non_trainable_weights):
            (self._trainable_weights if trainable else self._non_trainable_weights).append(variable)
        return variable

    add_variable = add_weight  # TF1 legacy name

    def _set_scope(self, scope=None):
        if self._scope is not None:
            return
        if self._reuse:
            ctx = vs.variable_scope(scope if scope is not None else self._base_name)
        else:
            ctx = vs.variable_scope(scope, default_name=self._base_name)
        with ctx as captured:
            self._scope = captured
        if self._auto_named and scope is None:
            self._name = captured.name.split("/")[-1]

    # ---- calling --------------------------------------------------------------------------
    def __call__(self, inputs, *args, **kwargs):
        """Builds the layer on first use (from the inputs' static shapes), then runs ``call``.

        ``training=`` and ``mask=`` are passed to ``call`` only when its signature accepts them.
        """
        scope = kwargs.pop("scope", None)
        call_params = _call_params(type(self))
        for key in ("training", "mask"):
            if key in kwargs and key not in call_params and "**" not in call_params:
                kwargs.pop(key)
        call_args, call_kwargs = args, dict(kwargs)  # as given: the node replays them (not a propagated mask)
        inputs = _map(inputs, lambda x: x if is_tensor_like(x) else convert_to_tensor(x))
        # Keras masking: a mask made upstream (Embedding(mask_zero=True)) rides on the tensor as _keras_mask.
        previous_mask = _collect_mask(inputs)
        if previous_mask is not None and "mask" not in kwargs and "mask" in call_params:
            kwargs["mask"] = previous_mask
        first = _first_tensor(inputs)
        g = first.graph if first is not None else graph_mod.get_default_graph()
        with g.as_default():
            if self._dtype is None and first is not None and first.dtype.is_floating:
                self._dtype = first.dtype
            self._set_scope(scope)
            with vs.variable_scope(self._scope, reuse=True if self.built else self._reuse,
                                   auxiliary_name_scope=False), g.name_scope(self._scope.original_name_scope):
                if not self.built:
                    self._check_input_rank(inputs)
                    self.build(*_build_shapes(type(self), inputs, args))
                    self.built = True
                    # Layer(weights=[...]): values a Keras model loads once its session exists
                    self._pending_initial_weights, self._initial_weights = self._initial_weights, None
                outputs = self.call(inputs, *args, **kwargs)
                if self._activity_regularizer is not None:
                    with g.name_scope("ActivityRegularizer"):
                        self.add_loss(self._activity_regularizer(outputs))
                output_mask = self.compute_mask(inputs, kwargs.get("mask", previous_mask))
        self._record_node(Node(inputs, outputs, call_args, call_kwargs))
        if output_mask is not None and not isinstance(outputs, (list, tuple, dict)):
            try:
                outputs._keras_mask = output_mask
            except AttributeError:
                pass
        return outputs

    def apply(self, inputs, *args, **kwargs):
        """TF1 legacy name of ``__call__``."""
        return self.__call__(inputs, *args, **kwargs)

    def _check_input_rank(self, inputs):
        spec = self.input_spec
        if spec is None or not hasattr(spec, "ndim"):
            return
        for t in (inputs if isinstance(inputs, (list, tuple)) else [inputs]):
            nd = convert_to_tensor(t).shape.ndims
            if spec.ndim is not None and nd is not None and nd != spec.ndim:
                raise ValueError("Input 0 of layer %s is incompatible with the layer: expected ndim=%d, found "
                                 "ndim=%d. Full shape received: %s" % (self._name, spec.ndim, nd,
                                                                       convert_to_tensor(t).shape))
            if spec.min_ndim is not None and nd is not None and nd < spec.min_ndim:
                raise ValueError("Input 0 of layer %s is incompatible with the layer: expected min_ndim=%d, "
                                 "found ndim=%d." % (self._name, spec.min_ndim, nd))

    def _record_node(self, node):
        # Keras functional models walk these back from output tensors to the layers that made them.
        index = len(self._inbound_nodes)
        self._inbound_nodes.append(node)
        for i, t in enumerate(_flatten(node.outputs)):
            try:
                t._keras_history = (self, index, i)
            except AttributeError:
                pass

    @property
    def input(self):
        """The inputs of the first call (Keras ``layer.input``)."""
        return self._first_node().inputs

    @property
    def output(self):
        """The outputs of the first call (Keras ``layer.output``)."""
        return self._first_node().outputs

    @property
    def input_shape(self):
        """The input shape of the layer's calls, e.g. ``(None, 784)`` (a list of them for several inputs)."""
        return self._shape_of_nodes("inputs", "input")

    @property
    def output_shape(self):
        """The output shape of the layer's calls, e.g. ``(None, 10)`` (Keras ``layer.output_shape``)."""
        return self._shape_of_nodes("outputs", "output")

    def _shape_of_nodes(self, which, what):
        if not self._inbound_nodes:
            raise AttributeError("The layer %s has never been called and thus has no defined %s shape."
                                 % (self._name, what))
        found = [_static_shapes(getattr(node, which)) for node in self._inbound_nodes]
        if any(f != found[0] for f in found[1:]):
            raise AttributeError("The layer %s has multiple inbound nodes with different %s shapes (%s), so its %s "
                                 "shape is ill-defined; use get_%s_at(node_index).shape instead"
                                 % (self._name, what, found, what, what))
        return found[0]

    def get_input_at(self, node_index):
        """The inputs of call number ``node_index`` (a shared layer has one node per call)."""
        return self._node(node_index).inputs

    def get_output_at(self, node_index):
        """The outputs of call number ``node_index``."""
        return self._node(node_index).outputs

    def _node(self, node_index):
        if not -len(self._inbound_nodes) <= node_index < len(self._inbound_nodes):
            raise ValueError("Asked to get a node at index %d of layer %s, but the layer has only %d inbound "
                             "nodes." % (node_index, self._name, len(self._inbound_nodes)))
        return self._inbound_nodes[node_index]

    def _first_node(self):
        if not self._inbound_nodes:
            raise AttributeError("Layer %s is not connected: it has not been called yet." % self._name)
        return self._inbound_nodes[0]

    # ---- losses and updates ------------------------------------------------------------------
    def add_loss(self, losses, inputs=None):
        """Adds loss tensors to the layer (and to REGULARIZATION_LOSSES, as TF1 layers do)."""
        for loss in _flatten(losses):
            if loss is None:
                continue
            loss = loss() if callable(loss) and not is_tensor_like(loss) else loss
            self._losses.append(loss)
            graph_mod.add_to_collection(GraphKeys.REGULARIZATION_LOSSES, loss)

    def add_update(self, updates, inputs=None):
        """Registers update ops (e.g. moving averages) in ``self.updates`` and ``GraphKeys.UPDATE_OPS``."""
        for u in _flatten(updates):
            if u is None:
                continue
            self._updates.append(u)
            graph_mod.add_to_collection(GraphKeys.UPDATE_OPS, u)

    @property
    def losses(self):
        return list(self._losses) + [l for s in self._sublayers() for l in s.losses]

    @property
    def updates(self):
        return list(self._updates) + [u for s in self._sublayers() for u in s.updates]

    def get_losses_for(self, inputs):
        return self.losses

    def get_updates_for(self, inputs):
        return self.updates

    # ---- weights ---------------------------------------------------------------------------
    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return _unique(self._trainable_weights + [w for s in self._sublayers() for w in s.trainable_weights])

    @property
    def non_trainable_weights(self):
        own = self._non_trainable_weights if self.trainable else self._trainable_weights + self._non_trainable_weights
        nested = [w for s in self._sublayers() for w in (s.non_trainable_weights if self.trainable else s.weights)]
        return _unique(own + nested)

    @property
    def weights(self):
        """Trainable weights first, then the others (Keras order)."""
        return self.trainable_weights + self.non_trainable_weights

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def count_params(self):
        """The number of scalars in the weights; raises ValueError before the layer is built."""
        if not self.built:
            raise ValueError("You tried to call `count_params` on %s, but the layer isn't built. You can build it "
                             "manually via: `%s.build(batch_input_shape)`." % (self._name, self._name))
        return int(sum(np.prod(w.shape.as_list()) for w in self.weights))

    def get_weights(self):
        """Weight values (numpy) read from the session of the weights' graph (``K.get_session()``)."""
        return graph_session.batch_get_value(self.weights)

    def set_weights(self, weights):
        """Loads numpy values into the weights (in ``weights`` order) in the session of their graph."""
        params = self.weights
        if len(params) != len(weights):
            raise ValueError("You called `set_weights(weights)` on layer \"%s\" with a weight list of length %d, "
                             "but the layer was expecting %d weights." % (self._name, len(weights), len(params)))
        for p, w in zip(params, weights):
            if not p.shape.is_compatible_with(np.shape(w)):
                raise ValueError("Layer weight shape %s not compatible with provided weight shape %s (weight %s)"
                                 % (p.shape, np.shape(w), p.name))
        graph_session.batch_set_value(list(zip(params, weights)))

    # ---- sublayer tracking --------------------------------------------------------------------
    def __setattr__(self, key, value):
        if isinstance(value, Layer):
            if not any(value is l for l in self._layers):
                self._layers.append(value)
        elif isinstance(value, (list, tuple)) and value and all(isinstance(v, Layer) for v in value):
            for v in value:
                if not any(v is l for l in self._layers):
                    self._layers.append(v)
        object.__setattr__(self, key, value)

    def _sublayers(self):
        return self.__dict__.get("_layers", [])

    def __repr__(self):
        return "<%s name=%s built=%s>" % (type(self).__name__, self._name, self.built)


class InputSpec:
    """Constraints on a layer's input (rank); checked when the layer is first called."""

    def __init__(self, dtype=None, shape=None, ndim=None, max_ndim=None, min_ndim=None, axes=None):
        self.dtype = dtype
        self.shape = shape
        self.ndim = len(shape) if shape is not None else ndim
        self.max_ndim = max_ndim
        self.min_ndim = min_ndim
        self.axes = axes or {}


def _batch_input_shape(kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), kwargs["input_dim"])
    return None


_CALL_PARAMS = {}
_BUILD_ARITY = {}  # Layer class -> how many positional shapes its build takes


def _build_shapes(cls, inputs, args):
    """The shapes ``build`` receives: the inputs', then, when ``build`` takes more positional parameters (Keras 3's
    ``build(query_shape, value_shape, key_shape=None)``), those of the call's further positional arguments."""
    arity = _BUILD_ARITY.get(cls)
    if arity is None:
        params = list(inspect.signature(cls.build).parameters.values())[1:]  # after self
        arity = _BUILD_ARITY[cls] = sum(1 for p in params if p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [_map(x, lambda t: convert_to_tensor(t).shape) for x in (inputs,) + tuple(args[:max(arity, 1) - 1])]


def _call_params(cls):
    params = _CALL_PARAMS.get(cls)
    if params is None:
        sig = inspect.signature(cls.call).parameters.values()
        params = _CALL_PARAMS[cls] = {"**" if p.kind is inspect.Parameter.VAR_KEYWORD else p.name for p in sig}
    return params


def _map(x, fn):
    return map_structure(x, lambda v: None if v is None else fn(v))


def _static_shapes(x):
    """``x``'s static shape as a tuple (None for unknown dims), or a list of them for several tensors."""
    shapes = [tuple(convert_to_tensor(t).shape.as_list()) if convert_to_tensor(t).shape.ndims is not None else None
              for t in _flatten(x)]
    return shapes[0] if len(shapes) == 1 and not isinstance(x, (list, tuple)) else shapes


def _collect_mask(inputs):
    """The ``_keras_mask`` of the input (a list for several inputs), or None when no input has one."""
    if isinstance(inputs, (list, tuple)):
        masks = [getattr(t, "_keras_mask", None) for t in inputs]
        return None if all(m is None for m in masks) else masks
    return getattr(inputs, "_keras_mask", None)


def _first_tensor(x):
    for t in _flatten(x):
        if t is not None and is_tensor_like(t):
            return convert_to_tensor(t)
    return None


def _unique(items):
    seen, out = set(), []
    for i in items:
        if id(i) not in seen:
            seen.add(id(i))
            out.append(i)
    return out
