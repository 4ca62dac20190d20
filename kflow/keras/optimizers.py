"""Keras optimizers: thin configs over the ``kf.train`` optimizers, with the learning rate as a variable.

A Keras optimizer is bound to one model: when the model builds its train step, the
optimizer creates ``lr`` and ``iterations`` variables in the model's graph and a
``kf.train`` optimizer that reads ``lr`` (so LR callbacks change it by a session
write, with no new ops). ``decay`` scales the rate by ``1 / (1 + decay * iterations)``.
RMSprop and Adagrad use Keras's update rules (``update_rules``), which differ from TF1's.

Example:
    >>> model.compile(optimizer=kf.keras.optimizers.Adam(lr=1e-3), loss="mse")
    >>> model.compile(optimizer="rmsprop", loss="mse")
    >>> model.compile(optimizer=kf.train.GradientDescentOptimizer(0.1), loss="mse")  # wrapped as TFOptimizer
"""
from kflow import train
from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.graph import GraphKeys
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.variables import Variable
from kflow.keras import backend as K
from kflow.keras import schedules, update_rules


# Keys of Keras 3 optimizer configs that describe no update rule (or one kflow always uses).
_KERAS_BOOKKEEPING = ("name", "is_legacy_optimizer", "jit_compile", "ema_momentum", "ema_overwrite_frequency")


class Optimizer:
    """Base class. Subclasses set ``_defaults`` (config keys and values) and ``_make(lr)``."""

    _defaults = {}

    def __init__(self, lr=None, learning_rate=None, decay=0.0, clipnorm=None, clipvalue=None, global_clipnorm=None,
                 name=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None, **kwargs):
        rate = learning_rate if learning_rate is not None else lr
        if isinstance(rate, dict):  # a schedule from a model file
            rate = schedules.deserialize(rate)
        self.schedule = rate if isinstance(rate, schedules.LearningRateSchedule) else None
        if self.schedule is not None:
            rate = None
        unknown = set(kwargs) - set(self._defaults)
        if unknown:
            raise TypeError("Unexpected keyword argument(s) passed to optimizer %s: %s"
                            % (type(self).__name__, ", ".join(sorted(unknown))))
        self.config = dict(self._defaults)
        self.config.update(kwargs)
        self.lr = float(rate if rate is not None else self._default_lr)
        self.initial_decay = float(decay)
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        if global_clipnorm is not None and clipnorm is not None:
            raise ValueError("At most one of clipnorm and global_clipnorm can be set (got %r and %r)."
                             % (clipnorm, global_clipnorm))
        self.iterations = None
        self.weights = []
        self._optimizer = None
        _check_ema(ema_momentum, ema_overwrite_frequency)
        self.use_ema, self.ema_momentum = bool(use_ema), float(ema_momentum)
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.ema_averages = []  # (model variable, its moving average), filled when the update is built

    _default_lr = 0.001

    @property
    def learning_rate(self):
        return self.lr

    # ---- building (once per model) -------------------------------------------------
    def get_updates(self, loss, params):
        """Builds (once) and returns the op applying one update of ``params`` to reduce ``loss``."""
        return self._build_update(loss.graph, lambda opt: opt.compute_gradients(loss, var_list=params), params)

    def minimize(self, loss, var_list):
        """The update op reducing ``loss`` over ``var_list`` (for a custom ``Model.train_step``)."""
        return self.get_updates(loss, list(var_list))

    def apply_gradients(self, grads_and_vars):
        """The update op applying ``(gradient, variable)`` pairs (gradients from ``kf.gradients``)."""
        pairs = list(grads_and_vars)
        if not pairs:
            raise ValueError("%s.apply_gradients: no (gradient, variable) pairs given." % type(self).__name__)
        return self._build_update(pairs[0][1].graph, lambda opt: pairs, [v for _, v in pairs])

    def _build_update(self, g, gradients_of, params):
        """The update op: clipped ``gradients_of(kf.train optimizer)`` applied, the step count advanced."""
        if self._optimizer is not None and self.iterations.graph is not g:
            raise RuntimeError("This %s is already used by a model in another graph: create one optimizer per "
                               "model." % type(self).__name__)
        before = set(map(id, g.get_collection(GraphKeys.GLOBAL_VARIABLES)))
        with g.as_default(), graph_mod.name_scope(type(self).__name__):
            if self._optimizer is None:
                self.iterations = Variable(0, dtype=dtypes.int64, name="iterations", trainable=False)
                self.lr = Variable(self.lr, dtype=dtypes.float32, name="lr", trainable=False)
            # else: a recompile (e.g. after freezing layers) with this optimizer, as Keras allows: the step
            # count and learning rate carry on, the new update gets its own slots.
            rate = self.lr if self.schedule is None else self.schedule(self.iterations)
            if self.initial_decay > 0:
                rate = rate / (1.0 + self.initial_decay * M.cast(self.iterations, dtypes.float32))
            self._optimizer = self._make(rate)
            grads_and_vars = gradients_of(self._optimizer)
            grads_and_vars = [(self._clip(gr), v) for gr, v in grads_and_vars if gr is not None]
            if not grads_and_vars:
                raise ValueError("No gradients provided for any variable: the loss does not depend on the "
                                 "model's trainable weights %s." % [v.name for v in params])
            grads_and_vars = self._clip_global(grads_and_vars)
            with graph_mod.control_dependencies(_weight_decay(self, grads_and_vars, rate)):
                op = self._after_apply(self._optimizer.apply_gradients(grads_and_vars, global_step=self.iterations))
            if self.use_ema:
                op = _ema_update(self, op, [v for _, v in grads_and_vars])
        self.weights = [self.iterations] + [v for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES)
                                            if id(v) not in before and v is not self.lr and v is not self.iterations]
        return op

    def _clip(self, grad):
        if self.clipnorm is not None and self.clipnorm > 0:
            norm = M.sqrt(reduce_sum(M.square(grad)))
            grad = grad * (self.clipnorm / M.maximum(norm, self.clipnorm))
        if self.clipvalue is not None and self.clipvalue > 0:
            grad = M.minimum(M.maximum(grad, -self.clipvalue), self.clipvalue)
        return grad

    def _clip_global(self, grads_and_vars):
        """Scales all gradients by ``global_clipnorm / max(global norm, global_clipnorm)``."""
        if not self.global_clipnorm:
            return grads_and_vars
        norm = M.sqrt(sum(reduce_sum(M.square(gr)) for gr, _ in grads_and_vars))
        scale = self.global_clipnorm / M.maximum(norm, float(self.global_clipnorm))
        return [(gr * scale, v) for gr, v in grads_and_vars]

    def _after_apply(self, op):
        """The op a step runs, given the update op (subclasses add their per-step state updates)."""
        return op

    def _step_count(self):
        """The 1-based number of the step being applied (``iterations`` counts the steps done)."""
        return M.cast(self.iterations, dtypes.float32) + 1.0

    def _make(self, lr):
        raise NotImplementedError

    # ---- state and config ------------------------------------------------------------
    def get_weights(self):
        return K.batch_get_value(self.weights)

    def set_weights(self, values):
        if len(values) != len(self.weights):
            raise ValueError("Optimizer %s holds %d weights but %d values were given (was the model compiled "
                             "with another optimizer?)" % (type(self).__name__, len(self.weights), len(values)))
        K.batch_set_value(zip(self.weights, values))

    def get_config(self):
        """Keras's config (``learning_rate``, a schedule as its config; ``epsilon`` as a number), so Keras's
        own ``load_model`` can rebuild the optimizer of a kflow file."""
        rate = schedules.serialize(self.schedule) if self.schedule is not None else float(K.get_value(self.lr))
        config = {"name": type(self).__name__, "learning_rate": rate}
        if self.initial_decay:
            config["decay"] = self.initial_decay
        for key in ("clipnorm", "clipvalue", "global_clipnorm"):
            if getattr(self, key) is not None:
                config[key] = getattr(self, key)
        if self.use_ema:
            config.update(use_ema=True, ema_momentum=self.ema_momentum,
                          ema_overwrite_frequency=self.ema_overwrite_frequency)
        config.update(self.config)
        if "epsilon" in config:
            config["epsilon"] = self._epsilon()
        return config

    @property
    def lr_value(self):
        """The learning rate now (a float), whether a variable or a schedule at the current step."""
        if self.schedule is None:
            return float(K.get_value(self.lr))
        return float(K.get_session(self.iterations.graph).run(self.schedule(self.iterations)))

    @classmethod
    def from_config(cls, config):
        """The optimizer of a saved config; Keras 3's extra keys are dropped when they are unset (no EMA, no
        momentum, ...), others raise."""
        known = set(cls._defaults) | {"lr", "learning_rate", "decay", "clipnorm", "clipvalue", "global_clipnorm",
                                      "use_ema", "ema_momentum", "ema_overwrite_frequency"}
        kept = {}
        for key, value in config.items():
            if key in known:
                kept[key] = value
            elif key in _KERAS_BOOKKEEPING or value in (None, False, 0, 0.0):
                continue
            else:
                raise ValueError("Optimizer %s: option %s=%r is not supported by kflow." % (cls.__name__, key, value))
        return cls(**kept)

    def _epsilon(self):
        """The configured ``epsilon``, or Keras's fuzz factor (``K.epsilon()``) when it is None."""
        eps = self.config.get("epsilon")
        return eps if eps is not None else K.epsilon()


class SGD(Optimizer):
    """Gradient descent, optionally with (Nesterov) momentum."""

    _defaults = {"momentum": 0.0, "nesterov": False}
    _default_lr = 0.01

    def _make(self, lr):
        if self.config["momentum"]:
            return train.MomentumOptimizer(lr, self.config["momentum"], use_nesterov=self.config["nesterov"])
        return train.GradientDescentOptimizer(lr)


class Adam(Optimizer):
    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": None, "amsgrad": False}

    def _make(self, lr):
        c = self.config
        if c["amsgrad"]:
            return _amsgrad(self, lr, decay=0.0)
        return train.AdamOptimizer(lr, beta1=c["beta_1"], beta2=c["beta_2"], epsilon=self._epsilon())


class RMSprop(Optimizer):
    _defaults = {"rho": 0.9, "epsilon": None}

    def _make(self, lr):
        return update_rules.KerasRMSprop(lr, rho=self.config["rho"], epsilon=self._epsilon())  # Keras's form, not TF1's


class Adagrad(Optimizer):
    _defaults = {"epsilon": None}
    _default_lr = 0.01

    def _make(self, lr):
        return update_rules.KerasAdagrad(lr, epsilon=self._epsilon())  # Keras's form (zero start, epsilon), not TF1's


class Adadelta(Optimizer):
    """Keras's Adadelta (default ``lr=1.0``, ``rho=0.95``), as in the Keras MNIST CNN example."""

    _defaults = {"rho": 0.95, "epsilon": None}
    _default_lr = 1.0

    def _make(self, lr):
        return update_rules.KerasAdadelta(lr, rho=self.config["rho"], epsilon=self._epsilon())


class Adamax(Optimizer):
    """Keras's Adamax (Adam with the infinity norm; default ``lr=0.002``)."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": None}
    _default_lr = 0.002

    def _make(self, lr):
        c = self.config
        # bias correction of the step about to run: iterations counts the steps done so far
        lr_t = lr / (1.0 - M.pow(float(c["beta_1"]), M.cast(self.iterations, dtypes.float32) + 1.0))
        return update_rules.KerasAdamax(lr_t, beta_1=c["beta_1"], beta_2=c["beta_2"], epsilon=self._epsilon())


class Nadam(Optimizer):
    """Keras 3 / tf.keras 2.11+ Nadam: Adam with Nesterov momentum; momentum schedule ``b1 * (1 - 0.5 * 0.96**t)``."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.999, "epsilon": None}

    def _make(self, lr):
        c = self.config
        if getattr(self, "_m_schedule", None) is None or self._m_schedule.graph is not self.iterations.graph:
            self._m_schedule = Variable(1.0, dtype=dtypes.float32, name="momentum_cache", trainable=False)
        b1, t = float(c["beta_1"]), self._step_count()
        u_t = b1 * (1.0 - 0.5 * M.pow(0.96, t))
        u_next = b1 * (1.0 - 0.5 * M.pow(0.96, t + 1.0))
        self._u_product = self._m_schedule * u_t
        c1 = u_next / (1.0 - self._u_product * u_next)
        c2 = (1.0 - u_t) / (1.0 - self._u_product)
        v_corr = 1.0 / (1.0 - M.pow(float(c["beta_2"]), t))
        return update_rules.KerasNadam(lr, c1=c1, c2=c2, v_corr=v_corr, beta_1=b1, beta_2=c["beta_2"],
                                       epsilon=self._epsilon())

    def _after_apply(self, op):
        with op.graph.control_dependencies([op]):  # the product advances after every variable used it
            return self._m_schedule.assign(self._u_product).op


class AdamW(Optimizer):
    """Adam with decoupled weight decay (Keras's AdamW: ``p -= weight_decay * lr * p`` before each Adam step)."""

    _defaults = {"weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999, "epsilon": None, "amsgrad": False}

    def _make(self, lr):
        c = self.config
        if c["amsgrad"]:
            return _amsgrad(self, lr, decay=lr * float(c["weight_decay"]))
        t = self._step_count()
        lr_t = lr * M.sqrt(1.0 - M.pow(float(c["beta_2"]), t)) / (1.0 - M.pow(float(c["beta_1"]), t))
        return update_rules.KerasAdamW(lr_t, decay=lr * float(c["weight_decay"]), beta_1=c["beta_1"],
                                       beta_2=c["beta_2"], epsilon=self._epsilon())


class TFOptimizer(Optimizer):
    """Wraps a ``kf.train`` optimizer given directly to ``compile`` (its learning rate stays its own)."""

    def __init__(self, optimizer):  # no `lr`: LR callbacks then say clearly that they cannot work
        self.optimizer = optimizer
        self.config = {}
        self.iterations = None
        self.weights = []

    def get_updates(self, loss, params):
        g = loss.graph
        before = set(map(id, g.get_collection(GraphKeys.GLOBAL_VARIABLES)))
        with g.as_default():
            self.iterations = Variable(0, dtype=dtypes.int64, name="iterations", trainable=False)
            op = self.optimizer.minimize(loss, var_list=params, global_step=self.iterations)
        self.weights = [v for v in g.get_collection(GraphKeys.GLOBAL_VARIABLES) if id(v) not in before]
        return op

    def get_config(self):
        raise NotImplementedError("A model compiled with a raw kf.train optimizer cannot save its optimizer; "
                                  "use kf.keras.optimizers.* or save with include_optimizer=False.")


sgd, adam, rmsprop, adagrad, adadelta, adamax, nadam, adamw = SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, \
    Nadam, AdamW

_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta, "adamax": Adamax,
            "nadam": Nadam, "adamw": AdamW, "momentum": lambda: SGD(lr=0.01, momentum=0.9)}


def get(identifier):
    """An optimizer from a name ("adam", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "adamw",
    "momentum"), a Keras
    optimizer, or a ``kf.train`` optimizer (wrapped)."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        factory = _BY_NAME.get(identifier.lower())
        if factory is None:
            raise ValueError("Unknown optimizer %r; known names: %s" % (identifier, ", ".join(sorted(_BY_NAME))))
        return factory()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if hasattr(identifier, "compute_gradients") and hasattr(identifier, "apply_gradients"):
        return TFOptimizer(identifier)
    raise ValueError("Could not interpret optimizer identifier: %r" % (identifier,))


def serialize(optimizer):
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config, custom_objects=None):
    classes = {c.__name__: c for c in (SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax, Nadam, AdamW) + _KERAS3}
    classes.update(custom_objects or {})
    cls = classes.get(config["class_name"])
    if cls is None:
        raise ValueError("Unknown optimizer class %r (pass it in custom_objects)." % config["class_name"])
    return cls.from_config(config["config"])


# issue 15 (round 2): text preprocessing / optimizers
from kflow.keras import keras3_update_rules  # noqa: E402 - the block of this issue's round, kept together
from kflow.engine.ops import comparison_ops  # noqa: E402
from kflow.engine.ops.constant_op import zeros_like  # noqa: E402
from kflow.engine.ops.identity_ops import group  # noqa: E402


def _amsgrad(optimizer, lr, decay):
    """Keras 3's AMSGrad update for Adam/AdamW: Adam's bias-corrected rate, the running max of ``v``."""
    c, t = optimizer.config, optimizer._step_count()
    lr_t = lr * M.sqrt(1.0 - M.pow(float(c["beta_2"]), t)) / (1.0 - M.pow(float(c["beta_1"]), t))
    return keras3_update_rules.KerasAMSGrad(lr_t, decay=decay, beta_1=c["beta_1"], beta_2=c["beta_2"],
                                            epsilon=optimizer._epsilon())


class Ftrl(Optimizer):
    """Keras 3's Ftrl (follow the regularized leader; see ``keras3_update_rules.KerasFtrl``)."""

    _defaults = {"learning_rate_power": -0.5, "initial_accumulator_value": 0.1, "l1_regularization_strength": 0.0,
                 "l2_regularization_strength": 0.0, "l2_shrinkage_regularization_strength": 0.0, "beta": 0.0,
                 "weight_decay": None}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = self.config
        for key in ("initial_accumulator_value", "l1_regularization_strength", "l2_regularization_strength",
                    "l2_shrinkage_regularization_strength"):
            if c[key] < 0:
                raise ValueError("Ftrl: %s must be >= 0, got %r" % (key, c[key]))
        if c["learning_rate_power"] > 0:
            raise ValueError("Ftrl: learning_rate_power must be <= 0, got %r" % (c["learning_rate_power"],))

    def _make(self, lr):
        c = self.config
        l2 = float(c["l2_regularization_strength"])
        if c["beta"]:
            l2 = l2 + float(c["beta"]) / (2.0 * lr)
        return keras3_update_rules.KerasFtrl(
            lr, initial_accumulator_value=c["initial_accumulator_value"], lr_power=c["learning_rate_power"],
            l1=c["l1_regularization_strength"], l2=l2, l2_shrinkage=c["l2_shrinkage_regularization_strength"])


class Lion(Optimizer):
    """Keras 3's Lion: the sign of an interpolated momentum as the step (``beta_1`` in (0, 1])."""

    _defaults = {"beta_1": 0.9, "beta_2": 0.99, "weight_decay": None}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not 0 < self.config["beta_1"] <= 1:
            raise ValueError("Lion: beta_1 must be in (0, 1] (else it is SignSGD), got %r" % (self.config["beta_1"],))

    def _make(self, lr):
        return keras3_update_rules.KerasLion(lr, beta_1=self.config["beta_1"], beta_2=self.config["beta_2"])


class Adafactor(Optimizer):
    """Keras 3's Adafactor (factored second moments; see ``keras3_update_rules.KerasAdafactor``); with
    ``relative_step`` a constant learning rate is capped at ``1/sqrt(step)``."""

    _defaults = {"beta_2_decay": -0.8, "epsilon_1": 1e-30, "epsilon_2": 1e-3, "clip_threshold": 1.0,
                 "relative_step": True, "weight_decay": None}

    def _make(self, lr):
        c, t = self.config, self._step_count()
        if c["relative_step"] and self.schedule is None:
            lr = M.minimum(lr, 1.0 / M.sqrt(t))
        return keras3_update_rules.KerasAdafactor(lr, t, beta_2_decay=c["beta_2_decay"], epsilon_1=c["epsilon_1"],
                                                  epsilon_2=c["epsilon_2"], clip_threshold=c["clip_threshold"])


ftrl, lion, adafactor = Ftrl, Lion, Adafactor
_KERAS3 = (Ftrl, Lion, Adafactor)
_BY_NAME.update({"ftrl": Ftrl, "lion": Lion, "adafactor": Adafactor})


def _check_ema(momentum, overwrite_frequency):
    if not 0.0 <= float(momentum) <= 1.0:
        raise ValueError("ema_momentum must be in [0, 1], got %r" % (momentum,))
    if overwrite_frequency is not None and not (isinstance(overwrite_frequency, int) and overwrite_frequency >= 1):
        raise ValueError("ema_overwrite_frequency must be None or an int >= 1, got %r" % (overwrite_frequency,))


def _ema_update(optimizer, op, variables):
    """After the step ``op``: Keras 3's moving averages of the trained variables (the first step copies them),
    and, every ``ema_overwrite_frequency`` steps, the variables overwritten by their averages."""
    g = op.graph
    updates = []
    with graph_mod.control_dependencies([op]):
        step = optimizer.iterations.read_value()  # advanced by op: 1 after the first step
        first = M.cast(comparison_ops.equal(step, 1), dtypes.float32)
        momentum = optimizer.ema_momentum * (1.0 - first)
        for var in variables:
            average = _average_of(optimizer, var, g)
            new = average * M.cast(momentum, var.dtype) + var.read_value() * M.cast(1.0 - momentum, var.dtype)
            update = average.assign(new)
            if optimizer.ema_overwrite_frequency:
                with graph_mod.control_dependencies([update]):
                    due = comparison_ops.equal(step % optimizer.ema_overwrite_frequency, 0)
                    update = var.assign(comparison_ops.where_v2(due, average.read_value(), var.read_value()))
            updates.append(update.op if hasattr(update, "op") else update)
    return group(*updates)


def _average_of(optimizer, var, g):
    for known, average in optimizer.ema_averages:
        if known is var:
            return average
    with g.as_default(), g.name_scope(""):
        average = Variable(lambda: zeros_like(var.initialized_value()), trainable=False, dtype=var.dtype,
                           name=var.op.name + "/average")
    optimizer.ema_averages.append((var, average))
    return average


def swap_ema_weights(optimizer):
    """Exchanges the values of the trained variables and their moving averages (in the Keras session)."""
    if not optimizer.use_ema or not optimizer.ema_averages:
        raise ValueError("swap_ema_weights: the optimizer has no moving averages (use_ema=True, after the model "
                         "built its train step); got use_ema=%r" % (optimizer.use_ema,))
    variables = [v for pair in optimizer.ema_averages for v in pair]
    values = K.batch_get_value(variables)
    K.batch_set_value([(v, values[i + 1 - 2 * (i % 2)]) for i, v in enumerate(variables)])


def finalize_ema(optimizer):
    """Keras 3's end of fit with EMA: the trained variables take their moving averages' values."""
    if optimizer.use_ema and optimizer.ema_averages:
        values = K.batch_get_value([a for _, a in optimizer.ema_averages])
        K.batch_set_value([(v, value) for (v, _), value in zip(optimizer.ema_averages, values)])


def _weight_decay(optimizer, grads_and_vars, rate):
    """Keras 3's decoupled weight decay of the optimizers that take ``weight_decay`` (AdamW's is in its rule):
    ``p -= p * weight_decay * lr`` once the gradients are computed, before the update step."""
    decay = optimizer.config.get("weight_decay")
    if not decay or isinstance(optimizer, AdamW):
        return []
    gradients = [getattr(g, "values", g).op for g, _ in grads_and_vars]  # IndexedSlices: their values
    with graph_mod.control_dependencies(gradients):  # the gradients read the old weights
        return [v.assign_sub(v.read_value() * M.cast(rate * float(decay), v.dtype)).op for _, v in grads_and_vars]
