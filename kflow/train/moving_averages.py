"""``kf.train.ExponentialMovingAverage``: shadow copies of variables (or tensors) that track their moving average.

``apply(var_list)`` creates, for each variable, a non-trainable shadow variable named
``<var op name>/<ema name>`` (initialized to the variable's initial value; to zeros for a tensor), and
returns one op that moves every shadow towards its value: ``shadow -= (1 - decay) * (shadow - value)``.
With ``num_updates`` the decay used is ``min(decay, (1 + num_updates) / (10 + num_updates))``, as TF1.
With ``zero_debias`` (tensors only, as TF1) the shadow is the debiased average ``biased / (1 - decay ** t)``.

Example:
    >>> ema = kf.train.ExponentialMovingAverage(0.999, num_updates=global_step)
    >>> with kf.control_dependencies([train_op]):
    ...     train_op = ema.apply(kf.trainable_variables())
    >>> saver = kf.train.Saver(ema.variables_to_restore())     # evaluation restores the averages
"""
from kflow.engine import dtypes, graph as graph_mod
from kflow.engine.graph import GraphKeys
from kflow.engine.ops import math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.array_ops import zeros
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.identity_ops import group
from kflow.engine.variables import Variable, global_variables


def _key(value):
    return value.op if isinstance(value, Variable) else value


class ExponentialMovingAverage:
    """Maintains moving averages of variables or tensors (TF1's ``tf.train.ExponentialMovingAverage``).

    Args:
        decay: the decay (e.g. 0.999); a float or a scalar tensor.
        num_updates: optional step count (tensor or variable) that lowers the decay early in training.
        zero_debias: debias the averages of tensors (not variables), as TF1.
        name: suffix of the shadow variables' names and prefix of the update ops.
    """

    def __init__(self, decay, num_updates=None, zero_debias=False, name="ExponentialMovingAverage"):
        self._decay = decay
        self._num_updates = num_updates
        self._zero_debias = zero_debias
        self._name = name
        self._averages = {}  # variable op (or tensor) -> shadow Variable
        self._debias = {}  # tensor -> (biased Variable, local_step Variable)

    @property
    def name(self):
        return self._name

    def _shadow(self, value):
        is_var = isinstance(value, Variable)
        g = value.graph
        with g.as_default(), g.name_scope(""), graph_mod.device(value.device):
            init = value.initialized_value if is_var else (lambda: zeros(value.shape.as_list(), value.dtype))
            shadow = Variable(init, trainable=False, name=self.average_name(value), dtype=value.dtype)
            if not is_var and self._zero_debias:
                biased = Variable(lambda: zeros(value.shape.as_list(), value.dtype), trainable=False,
                                  name=self.average_name(value) + "/biased", dtype=value.dtype)
                step = Variable(0.0, trainable=False, name=self.average_name(value) + "/local_step",
                                dtype=value.dtype)
                self._debias[value] = (biased, step)
        g.add_to_collection(GraphKeys.MOVING_AVERAGE_VARIABLES, value)
        return shadow

    def apply(self, var_list=None):
        """Creates shadows for ``var_list`` (default: the trainable variables) and returns the update op.

        Raises:
            TypeError: a value is not a float variable or tensor.
            ValueError: a shadow was already created for a value.
        """
        if var_list is None:
            var_list = graph_mod.get_default_graph().get_collection(GraphKeys.TRAINABLE_VARIABLES)
        values = [v if isinstance(v, Variable) else convert_to_tensor(v) for v in var_list]
        for v in values:
            if v.dtype.base_dtype not in (dtypes.float16, dtypes.float32, dtypes.float64):
                raise TypeError("ExponentialMovingAverage.apply: '%s' has dtype %s; only float values can be "
                                "averaged" % (v.name, v.dtype.name))
            if _key(v) in self._averages:
                raise ValueError("ExponentialMovingAverage.apply: '%s' already has a moving average (%s)"
                                 % (v.name, self._averages[_key(v)].name))
        for v in values:
            self._averages[_key(v)] = self._shadow(v)
        with graph_mod.name_scope(self._name):
            decay = convert_to_tensor(self._decay, dtype=dtypes.float32, name="decay")
            if self._num_updates is not None:
                n = cast(self._num_updates, dtypes.float32)
                decay = math_ops.minimum(decay, math_ops.divide(math_ops.add(n, 1.0), math_ops.add(n, 10.0)))
            updates = [self._update(v, decay) for v in values]
            return group(*updates, name=self._name)

    def _update(self, value, decay):
        shadow = self._averages[_key(value)]
        decay = cast(decay, value.dtype.base_dtype)
        one_minus = math_ops.subtract(1.0, decay)
        if value in self._debias:
            biased, step = self._debias[value]
            new_biased = biased.assign_sub(math_ops.multiply(math_ops.subtract(biased, value), one_minus))
            new_step = step.assign_add(1.0)
            debiased = math_ops.divide(new_biased, math_ops.subtract(1.0, math_ops.pow(decay, new_step)))
            return shadow.assign(debiased)
        return shadow.assign_sub(math_ops.multiply(math_ops.subtract(shadow, value), one_minus))

    def average(self, var):
        """The shadow Variable of ``var``, or None."""
        return self._averages.get(_key(var))

    def average_name(self, var):
        """The op name of ``var``'s shadow: ``<var op name>/<ema name>`` (what checkpoints key it by)."""
        return var.op.name + "/" + self._name

    def variables_to_restore(self, moving_avg_variables=None):
        """A Saver ``var_list`` that loads each averaged variable from its shadow's checkpoint entry.

        Keys are checkpoint names: ``average_name(v)`` for the variables in ``moving_avg_variables`` (default:
        the MOVING_AVERAGE_VARIABLES collection, else the trainable variables) and the plain op name for every
        other global variable (shadow variables themselves are left out).

        Example:
            >>> kf.train.Saver(ema.variables_to_restore()).restore(sess, ckpt)
        """
        g = graph_mod.get_default_graph()
        if moving_avg_variables is None:
            moving_avg_variables = (g.get_collection(GraphKeys.MOVING_AVERAGE_VARIABLES)
                                    or g.get_collection(GraphKeys.TRAINABLE_VARIABLES))
        averaged = {_key(v) for v in moving_avg_variables if isinstance(v, Variable)}
        shadows = {s.op for s in self._averages.values()}
        restore = {}
        for v in global_variables():
            if v.op in shadows:
                continue
            restore[self.average_name(v) if v.op in averaged else v.op.name] = v
        return restore
