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
from kflow.keras import update_rules


class Optimizer:
    """Base class. Subclasses set ``_defaults`` (config keys and values) and ``_make(lr)``."""

    _defaults = {}

    def __init__(self, lr=None, learning_rate=None, decay=0.0, clipnorm=None, clipvalue=None, **kwargs):
        rate = learning_rate if learning_rate is not None else lr
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
        self.iterations = None
        self.weights = []
        self._optimizer = None

    _default_lr = 0.001

    @property
    def learning_rate(self):
        return self.lr

    # ---- building (once per model) -------------------------------------------------
    def get_updates(self, loss, params):
        """Builds (once) and returns the op applying one update of ``params`` to reduce ``loss``."""
        g = loss.graph
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
            rate = self.lr
            if self.initial_decay > 0:
                rate = rate / (1.0 + self.initial_decay * M.cast(self.iterations, dtypes.float32))
            self._optimizer = self._make(rate)
            grads_and_vars = self._optimizer.compute_gradients(loss, var_list=params)
            grads_and_vars = [(self._clip(gr), v) for gr, v in grads_and_vars if gr is not None]
            if not grads_and_vars:
                raise ValueError("No gradients provided for any variable: the loss does not depend on the "
                                 "model's trainable weights %s." % [v.name for v in params])
            op = self._optimizer.apply_gradients(grads_and_vars, global_step=self.iterations)
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
        config = {"lr": float(K.get_value(self.lr)), "decay": self.initial_decay}
        if self.clipnorm is not None:
            config["clipnorm"] = self.clipnorm
        if self.clipvalue is not None:
            config["clipvalue"] = self.clipvalue
        config.update(self.config)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

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
            raise NotImplementedError("Adam(amsgrad=True) is not supported by kflow.")
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


sgd, adam, rmsprop, adagrad, adadelta, adamax = SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax

_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop, "adagrad": Adagrad, "adadelta": Adadelta, "adamax": Adamax,
            "momentum": lambda: SGD(lr=0.01, momentum=0.9)}


def get(identifier):
    """An optimizer from a name ("adam", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "momentum"), a Keras
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
    classes = {c.__name__: c for c in (SGD, Adam, RMSprop, Adagrad, Adadelta, Adamax)}
    classes.update(custom_objects or {})
    cls = classes.get(config["class_name"])
    if cls is None:
        raise ValueError("Unknown optimizer class %r (pass it in custom_objects)." % config["class_name"])
    return cls.from_config(config["config"])
